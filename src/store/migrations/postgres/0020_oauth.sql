-- OAuth (auth-endpoints.md §6), as SQLite's 0020. An identity at a provider
-- signs in at most one user of a project; its tokens are kept for connected
-- accounts (§6.5), encrypted by core before they get here.
CREATE TABLE oauth_accounts (
  project_id TEXT COLLATE "C" NOT NULL,
  provider_id TEXT COLLATE "C" NOT NULL,
  provider_account_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  email TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, provider_id, provider_account_id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE INDEX oauth_accounts_user ON oauth_accounts(project_id, user_id, created_at);

CREATE TABLE oauth_provider_tokens (
  project_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  provider_id TEXT COLLATE "C" NOT NULL,
  provider_account_id TEXT COLLATE "C" NOT NULL,
  kind TEXT NOT NULL,          -- 'access' or 'refresh'
  token TEXT NOT NULL,
  scopes TEXT NOT NULL,        -- space-separated
  expires_at BIGINT,           -- access tokens only
  created_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, id),
  FOREIGN KEY (project_id, provider_id, provider_account_id)
    REFERENCES oauth_accounts(project_id, provider_id, provider_account_id) ON DELETE CASCADE
);
CREATE INDEX oauth_provider_tokens_account
  ON oauth_provider_tokens(project_id, provider_id, provider_account_id, created_at);

-- The outer flow between authorize and callback (10 minutes), keyed by the
-- SHA-256 of the state sent to the provider; deleted when the callback uses it.
CREATE TABLE oauth_outer_states (
  state_digest TEXT COLLATE "C" PRIMARY KEY,
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  branch_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  nonce TEXT,
  info TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX oauth_outer_states_expiry ON oauth_outer_states(expires_at);

-- Outer authorization codes (5 minutes, single use), stored as digests.
CREATE TABLE oauth_authorization_codes (
  code_digest TEXT COLLATE "C" PRIMARY KEY,
  project_id TEXT COLLATE "C" NOT NULL,
  branch_id TEXT NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  code_challenge_method TEXT NOT NULL,
  new_user BOOLEAN NOT NULL,
  after_callback_redirect_url TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE INDEX oauth_authorization_codes_expiry ON oauth_authorization_codes(expires_at);
