CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  is_production_mode INTEGER NOT NULL DEFAULT 0,
  config TEXT NOT NULL,
  user_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE api_key_sets (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  pck_digest TEXT UNIQUE,
  pck_last_four TEXT,
  ssk_digest TEXT UNIQUE,
  ssk_last_four TEXT,
  sak_digest TEXT UNIQUE,
  sak_last_four TEXT
);
CREATE INDEX api_key_sets_project ON api_key_sets(project_id, created_at);

CREATE TABLE users (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  display_name TEXT,
  profile_image_url TEXT,
  client_metadata TEXT,
  client_read_only_metadata TEXT,
  server_metadata TEXT,
  requires_totp_mfa INTEGER NOT NULL DEFAULT 0,
  totp_secret BLOB,
  is_anonymous INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_active_at INTEGER NOT NULL,
  password_hash TEXT,
  otp_auth_enabled INTEGER NOT NULL DEFAULT 0,
  selected_team_id TEXT,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX users_created ON users(project_id, created_at);

CREATE TRIGGER users_count_insert AFTER INSERT ON users BEGIN
  UPDATE projects SET user_count = user_count + 1 WHERE id = NEW.project_id;
END;
CREATE TRIGGER users_count_delete AFTER DELETE ON users BEGIN
  UPDATE projects SET user_count = user_count - 1 WHERE id = OLD.project_id;
END;

CREATE TABLE contact_channels (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'email',
  value TEXT NOT NULL,
  is_verified INTEGER NOT NULL DEFAULT 0,
  is_primary INTEGER,      -- 1 or NULL: at most one primary per user and type
  used_for_auth INTEGER,   -- 1 or NULL: an address signs in at most one user
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_id, id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX contact_channels_primary ON contact_channels(project_id, user_id, type, is_primary);
CREATE UNIQUE INDEX contact_channels_value ON contact_channels(project_id, user_id, type, value);
CREATE UNIQUE INDEX contact_channels_auth ON contact_channels(project_id, type, value, used_for_auth);

CREATE TABLE sessions (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  refresh_token_digest TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  is_impersonation INTEGER NOT NULL DEFAULT 0,
  last_used_at INTEGER,
  last_used_ip TEXT,
  last_used_user_agent TEXT,
  PRIMARY KEY (project_id, id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions(project_id, user_id, created_at);
