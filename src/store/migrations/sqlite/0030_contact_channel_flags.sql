-- is_primary and used_for_auth become flags as on PostgreSQL (0 or 1, never
-- NULL), with partial unique indexes in place of the 1-or-NULL trick, so
-- that one set of statements (store/domain/) serves both engines. SQLite
-- cannot change a column's constraints in place: the table is rebuilt, rows
-- keep their rowid (their insertion order).
CREATE TABLE contact_channels_new (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'email',
  value TEXT NOT NULL,
  is_verified INTEGER NOT NULL DEFAULT 0,
  is_primary INTEGER NOT NULL DEFAULT 0,
  used_for_auth INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_id, id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
INSERT INTO contact_channels_new (rowid, project_id, user_id, id, type, value, is_verified,
                                  is_primary, used_for_auth, created_at)
  SELECT rowid, project_id, user_id, id, type, value, is_verified, coalesce(is_primary, 0),
         coalesce(used_for_auth, 0), created_at
  FROM contact_channels;
DROP TABLE contact_channels;
ALTER TABLE contact_channels_new RENAME TO contact_channels;
CREATE UNIQUE INDEX contact_channels_primary ON contact_channels(project_id, user_id, type)
  WHERE is_primary;
CREATE UNIQUE INDEX contact_channels_value ON contact_channels(project_id, user_id, type, value);
CREATE UNIQUE INDEX contact_channels_auth ON contact_channels(project_id, type, value)
  WHERE used_for_auth;
CREATE INDEX contact_channels_lookup ON contact_channels(project_id, type, value);
