-- The e-mail platform (emails.md §5, projects.md §5.4): a user's choice per
-- notification category, the one-click unsubscribe codes (digests only) and
-- the project's customised e-mail templates.
CREATE TABLE notification_preferences (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  category_id TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_id, category_id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);

-- Looked up by digest alone: the unsubscribe link carries no project.
CREATE TABLE unsubscribe_codes (
  code_digest TEXT NOT NULL PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  category_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE INDEX unsubscribe_codes_user ON unsubscribe_codes(project_id, user_id);

CREATE TABLE email_templates (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  subject TEXT NOT NULL,
  content TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, type)
);

-- The failed-e-mails digest reads the failures of the last day, of every project.
CREATE INDEX sent_emails_failed ON sent_emails(sent_at) WHERE error IS NOT NULL;
