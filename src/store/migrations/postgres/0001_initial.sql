-- The PostgreSQL schema, equal in meaning to the SQLite migration of the
-- same number (each PostgreSQL migration mirrors one SQLite one): times are epoch milliseconds (BIGINT), flags are BOOLEAN, JSON is
-- kept as the exact text the server wrote. Identifiers use the "C"
-- collation so that ordering by id is byte order on every database. `seq`
-- columns give the insertion order that SQLite's rowid gives.

CREATE TABLE settings (
  key TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE projects (
  id TEXT COLLATE "C" PRIMARY KEY,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  is_production_mode BOOLEAN NOT NULL DEFAULT FALSE,
  config TEXT NOT NULL,
  user_count BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE api_key_sets (
  id TEXT COLLATE "C" PRIMARY KEY,
  seq BIGSERIAL NOT NULL,
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  description TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT,
  pck_digest TEXT COLLATE "C" UNIQUE,
  pck_last_four TEXT,
  ssk_digest TEXT COLLATE "C" UNIQUE,
  ssk_last_four TEXT,
  sak_digest TEXT COLLATE "C" UNIQUE,
  sak_last_four TEXT
);
CREATE INDEX api_key_sets_project ON api_key_sets(project_id, created_at);

CREATE TABLE users (
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT COLLATE "C" NOT NULL,
  display_name TEXT,
  profile_image_url TEXT,
  client_metadata TEXT,
  client_read_only_metadata TEXT,
  server_metadata TEXT,
  requires_totp_mfa BOOLEAN NOT NULL DEFAULT FALSE,
  totp_secret BYTEA,
  is_anonymous BOOLEAN NOT NULL DEFAULT FALSE,
  created_at BIGINT NOT NULL,
  last_active_at BIGINT NOT NULL,
  password_hash TEXT,
  otp_auth_enabled BOOLEAN NOT NULL DEFAULT FALSE,
  selected_team_id TEXT COLLATE "C",
  PRIMARY KEY (project_id, id)
);
CREATE INDEX users_created ON users(project_id, created_at, id);

CREATE FUNCTION latchkey_count_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE projects SET user_count = user_count + 1 WHERE id = NEW.project_id;
  ELSE
    UPDATE projects SET user_count = user_count - 1 WHERE id = OLD.project_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER users_count AFTER INSERT OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION latchkey_count_users();

-- SQLite stores is_primary and used_for_auth as 1-or-NULL so that plain
-- unique indexes apply to the TRUE rows only; here they are booleans and
-- the indexes are partial.
CREATE TABLE contact_channels (
  project_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  seq BIGSERIAL NOT NULL,
  type TEXT COLLATE "C" NOT NULL DEFAULT 'email',
  value TEXT COLLATE "C" NOT NULL,
  is_verified BOOLEAN NOT NULL DEFAULT FALSE,
  is_primary BOOLEAN NOT NULL DEFAULT FALSE,
  used_for_auth BOOLEAN NOT NULL DEFAULT FALSE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, user_id, id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX contact_channels_primary ON contact_channels(project_id, user_id, type)
  WHERE is_primary;
CREATE UNIQUE INDEX contact_channels_value ON contact_channels(project_id, user_id, type, value);
CREATE UNIQUE INDEX contact_channels_auth ON contact_channels(project_id, type, value)
  WHERE used_for_auth;
CREATE INDEX contact_channels_lookup ON contact_channels(project_id, type, value);

CREATE TABLE sessions (
  project_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  seq BIGSERIAL NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  refresh_token_digest TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  is_impersonation BOOLEAN NOT NULL DEFAULT FALSE,
  last_used_at BIGINT,
  last_used_ip TEXT,
  last_used_user_agent TEXT,
  PRIMARY KEY (project_id, id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions(project_id, user_id, created_at);
