-- Verification codes (auth-endpoints.md §0.1): only digests are stored.
CREATE TABLE verification_codes (
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  branch_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  seq BIGSERIAL NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  code_digest TEXT COLLATE "C" NOT NULL,
  nonce_digest TEXT COLLATE "C" NOT NULL,
  redirect_url TEXT,
  method TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  attempt_count BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX verification_codes_code
  ON verification_codes(project_id, branch_id, code_digest);
CREATE INDEX verification_codes_nonce ON verification_codes(project_id, branch_id, nonce_digest);

-- Every e-mail delivery attempt (emails.md §4.3), newest read first.
CREATE TABLE sent_emails (
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT COLLATE "C" NOT NULL,
  seq BIGSERIAL NOT NULL,
  sent_at BIGINT NOT NULL,
  recipients TEXT NOT NULL,
  subject TEXT NOT NULL,
  html TEXT NOT NULL,
  text TEXT NOT NULL,
  sender_config TEXT NOT NULL,
  error TEXT,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX sent_emails_recent ON sent_emails(project_id, sent_at);
