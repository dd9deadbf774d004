-- Fields of Stack's later users API (SDK 2.8.77 and 2.8.102): a restriction
-- by an administrator with its public reason and private details, and the
-- sign-up's country and risk scores (set by a server; Latchkey computes none).
ALTER TABLE users ADD COLUMN restricted_by_admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN restricted_by_admin_reason TEXT;
ALTER TABLE users ADD COLUMN restricted_by_admin_private_details TEXT;
ALTER TABLE users ADD COLUMN country_code TEXT;
ALTER TABLE users ADD COLUMN risk_score_bot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN risk_score_free_trial_abuse INTEGER NOT NULL DEFAULT 0;
