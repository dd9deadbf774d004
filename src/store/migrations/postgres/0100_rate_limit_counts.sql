-- Throttle counts shared by the instances of one database
-- (--shared-rate-limits): events per limit and key digest in fixed windows.
-- Rows are deleted once expires_at has passed (the window and the one after
-- it, which still weighs the old count).
CREATE TABLE rate_limit_counts (
  limit_name TEXT COLLATE "C" NOT NULL,
  key_digest TEXT COLLATE "C" NOT NULL,
  window_start BIGINT NOT NULL,
  hits BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (limit_name, key_digest, window_start)
);
CREATE INDEX rate_limit_counts_expires ON rate_limit_counts(expires_at);
