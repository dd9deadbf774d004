-- As SQLite's 0040: a restriction by an administrator, and the sign-up's
-- country and risk scores.
ALTER TABLE users ADD COLUMN restricted_by_admin BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN restricted_by_admin_reason TEXT;
ALTER TABLE users ADD COLUMN restricted_by_admin_private_details TEXT;
ALTER TABLE users ADD COLUMN country_code TEXT;
ALTER TABLE users ADD COLUMN risk_score_bot BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN risk_score_free_trial_abuse BIGINT NOT NULL DEFAULT 0;
