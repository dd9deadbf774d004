-- Passkeys (auth-endpoints.md §5): one per user (the primary key), found at
-- sign-in by credential ID, which no two users of a project may share.
CREATE TABLE passkeys (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  credential_id TEXT NOT NULL,
  public_key BLOB NOT NULL,
  user_handle TEXT NOT NULL,
  transports TEXT NOT NULL,
  device_type TEXT NOT NULL,
  backed_up INTEGER NOT NULL DEFAULT 0,
  counter INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  PRIMARY KEY (project_id, user_id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX passkeys_credential ON passkeys(project_id, credential_id);

-- The last TOTP time step that completed an MFA sign-in, per user: a code
-- is accepted at most once.
CREATE TABLE totp_used_steps (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  last_used_step INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
