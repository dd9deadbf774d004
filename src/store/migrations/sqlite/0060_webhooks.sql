-- Webhooks delivered by Latchkey itself, wire-compatible with Svix: one
-- application per project, its endpoints, the messages (the outbox: written
-- in the transaction of the change that caused them), one delivery row per
-- message and endpoint (the work queue), every attempt, and the tokens of
-- the /svix management API (sha256 digests).

CREATE TABLE webhook_apps (
  project_id TEXT NOT NULL PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- filter_types: a JSON array of event types, NULL for every type.
-- failing_since: when the current run of failed attempts began (NULL while
-- deliveries succeed); the endpoint is disabled once it lasts too long.
CREATE TABLE webhook_endpoints (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  uid TEXT,
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  version INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  filter_types TEXT,
  channels TEXT,
  rate_limit INTEGER,
  metadata TEXT NOT NULL,
  secret TEXT NOT NULL,
  failing_since INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX webhook_endpoints_uid ON webhook_endpoints(project_id, uid);

CREATE TABLE webhook_messages (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX webhook_messages_created ON webhook_messages(project_id, created_at);

-- status: 0 pending, 1 delivered, 2 failed for good. A claimed row has
-- lease_until in the future: a crashed worker's claim runs out and another
-- takes the row again.
CREATE TABLE webhook_deliveries (
  project_id TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, msg_id, endpoint_id),
  FOREIGN KEY (project_id, msg_id) REFERENCES webhook_messages(project_id, id) ON DELETE CASCADE,
  FOREIGN KEY (project_id, endpoint_id) REFERENCES webhook_endpoints(project_id, id)
    ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);

-- status: Svix's MessageStatus (0 success, 2 fail).
CREATE TABLE webhook_attempts (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  url TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  response_status_code INTEGER NOT NULL,
  response_duration_ms INTEGER NOT NULL,
  trigger_type INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id),
  FOREIGN KEY (project_id, msg_id) REFERENCES webhook_messages(project_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(project_id, endpoint_id, created_at);
CREATE INDEX webhook_attempts_msg ON webhook_attempts(project_id, msg_id, created_at);

CREATE TABLE webhook_tokens (
  digest TEXT NOT NULL PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL
);
