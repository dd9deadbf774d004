-- As PostgreSQL's 0100. --shared-rate-limits is refused on SQLite (one
-- process serves the file, so the in-memory counts are already shared); the
-- table exists so that both engines keep one schema and the store's
-- contract test runs on both.
CREATE TABLE rate_limit_counts (
  limit_name TEXT NOT NULL,
  key_digest TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (limit_name, key_digest, window_start)
);
CREATE INDEX rate_limit_counts_expires ON rate_limit_counts(expires_at);
