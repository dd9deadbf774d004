-- User and team API keys (projects.md §4b) and CLI login attempts
-- (auth-endpoints.md §8). Secrets are kept only as SHA-256 digests (hex):
-- a key is shown once at creation; the CLI codes are returned once by
-- POST /auth/cli. Deleting a user or team deletes its keys through the
-- foreign keys (a composite key with a NULL column is not checked, so each
-- row is tied to exactly the owner it names).

CREATE TABLE user_team_api_keys (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  secret_digest TEXT NOT NULL,
  last_four TEXT NOT NULL,
  description TEXT NOT NULL,
  is_public BOOLEAN NOT NULL,
  user_id TEXT,
  team_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  manually_revoked_at INTEGER,
  PRIMARY KEY (project_id, id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE,
  FOREIGN KEY (project_id, team_id) REFERENCES teams(project_id, id) ON DELETE CASCADE,
  CHECK ((user_id IS NULL) <> (team_id IS NULL))
);
-- Unique across projects: a reported leaked key is found without its project.
CREATE UNIQUE INDEX user_team_api_keys_digest ON user_team_api_keys(secret_digest);
CREATE INDEX user_team_api_keys_user ON user_team_api_keys(project_id, user_id, created_at);
CREATE INDEX user_team_api_keys_team ON user_team_api_keys(project_id, team_id, created_at);

-- public_key: an X25519 key whose secret half is derived from the polling
-- code; the refresh token handed over by /auth/cli/complete is stored sealed
-- to it (so only the polling code's holder can open it) and removed once
-- delivered.
CREATE TABLE cli_login_attempts (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  polling_code_digest TEXT NOT NULL,
  login_code_digest TEXT NOT NULL,
  public_key BLOB NOT NULL,
  sealed_refresh_token BLOB,
  completed_at INTEGER,
  used_at INTEGER,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX cli_login_attempts_polling ON cli_login_attempts(polling_code_digest);
CREATE UNIQUE INDEX cli_login_attempts_login ON cli_login_attempts(login_code_digest);
CREATE INDEX cli_login_attempts_expiry ON cli_login_attempts(expires_at);
