-- Passkeys (auth-endpoints.md §5): one per user (the primary key), found at
-- sign-in by credential ID, which no two users of a project may share.
CREATE TABLE passkeys (
  project_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  credential_id TEXT COLLATE "C" NOT NULL,
  public_key BYTEA NOT NULL,
  user_handle TEXT NOT NULL,
  transports TEXT NOT NULL,
  device_type TEXT NOT NULL,
  backed_up BOOLEAN NOT NULL DEFAULT FALSE,
  counter BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  PRIMARY KEY (project_id, user_id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX passkeys_credential ON passkeys(project_id, credential_id);

-- The last TOTP time step that completed an MFA sign-in, per user: a code
-- is accepted at most once.
CREATE TABLE totp_used_steps (
  project_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  last_used_step BIGINT NOT NULL,
  PRIMARY KEY (project_id, user_id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
