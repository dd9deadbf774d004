-- As SQLite's 0050: user and team API keys and CLI login attempts, secrets
-- as SHA-256 digests only; keys go with their user or team.

CREATE TABLE user_team_api_keys (
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT COLLATE "C" NOT NULL,
  seq BIGSERIAL NOT NULL,
  secret_digest TEXT COLLATE "C" NOT NULL,
  last_four TEXT NOT NULL,
  description TEXT NOT NULL,
  is_public BOOLEAN NOT NULL,
  user_id TEXT COLLATE "C",
  team_id TEXT COLLATE "C",
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  manually_revoked_at BIGINT,
  PRIMARY KEY (project_id, id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE,
  FOREIGN KEY (project_id, team_id) REFERENCES teams(project_id, id) ON DELETE CASCADE,
  CHECK ((user_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX user_team_api_keys_digest ON user_team_api_keys(secret_digest);
CREATE INDEX user_team_api_keys_user ON user_team_api_keys(project_id, user_id, created_at);
CREATE INDEX user_team_api_keys_team ON user_team_api_keys(project_id, team_id, created_at);

CREATE TABLE cli_login_attempts (
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT COLLATE "C" NOT NULL,
  polling_code_digest TEXT COLLATE "C" NOT NULL,
  login_code_digest TEXT COLLATE "C" NOT NULL,
  public_key BYTEA NOT NULL,
  sealed_refresh_token BYTEA,
  completed_at BIGINT,
  used_at BIGINT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX cli_login_attempts_polling ON cli_login_attempts(polling_code_digest);
CREATE UNIQUE INDEX cli_login_attempts_login ON cli_login_attempts(login_code_digest);
CREATE INDEX cli_login_attempts_expiry ON cli_login_attempts(expires_at);
