-- As SQLite's 0080: notification preferences, unsubscribe codes (digests
-- only) and customised e-mail templates.
CREATE TABLE notification_preferences (
  project_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  category_id TEXT COLLATE "C" NOT NULL,
  enabled BOOLEAN NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, user_id, category_id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);

CREATE TABLE unsubscribe_codes (
  code_digest TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  project_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  category_id TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE INDEX unsubscribe_codes_user ON unsubscribe_codes(project_id, user_id);

CREATE TABLE email_templates (
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  type TEXT COLLATE "C" NOT NULL,
  subject TEXT NOT NULL,
  content TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, type)
);

CREATE INDEX sent_emails_failed ON sent_emails(sent_at) WHERE error IS NOT NULL;
