-- Millions of users (issue 22).
--
-- Pages of users are index ranges on (project_id, created_at, id): id is
-- the tie-breaker of the order, so a cursor's position is a row value the
-- index can seek to.
CREATE INDEX users_created_id ON users(project_id, created_at, id);
DROP INDEX users_created;

-- User search (GET /users?query=): a trigram full-text index over every
-- display name and contact channel value. It only narrows the candidates
-- (its case folding covers more than ASCII, and a phrase of trigrams may
-- match across a gap); the list statement re-applies the exact filter.
-- user_search_rows maps each indexed text to its user: `source` is '' for
-- the display name and the channel's id for a contact channel; its id is
-- the rowid of the text in user_search. The index is kept by the triggers
-- below, in the transaction that changes the row.
CREATE TABLE user_search_rows (
  id INTEGER PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  source TEXT NOT NULL,
  UNIQUE (project_id, user_id, source)
);
CREATE VIRTUAL TABLE user_search USING fts5(term, tokenize = 'trigram');

INSERT INTO user_search_rows (project_id, user_id, source)
  SELECT project_id, id, '' FROM users WHERE display_name IS NOT NULL;
INSERT INTO user_search_rows (project_id, user_id, source)
  SELECT project_id, user_id, id FROM contact_channels;
INSERT INTO user_search (rowid, term)
  SELECT r.id, u.display_name FROM user_search_rows r
  JOIN users u ON u.project_id = r.project_id AND u.id = r.user_id WHERE r.source = '';
INSERT INTO user_search (rowid, term)
  SELECT r.id, c.value FROM user_search_rows r
  JOIN contact_channels c ON c.project_id = r.project_id AND c.user_id = r.user_id AND c.id = r.source;

CREATE TRIGGER user_search_rows_delete AFTER DELETE ON user_search_rows BEGIN
  DELETE FROM user_search WHERE rowid = OLD.id;
END;

CREATE TRIGGER user_search_user_insert AFTER INSERT ON users
WHEN NEW.display_name IS NOT NULL BEGIN
  INSERT INTO user_search_rows (project_id, user_id, source) VALUES (NEW.project_id, NEW.id, '');
  INSERT INTO user_search (rowid, term) VALUES (last_insert_rowid(), NEW.display_name);
END;
CREATE TRIGGER user_search_user_update AFTER UPDATE OF display_name ON users
WHEN NEW.display_name IS NOT OLD.display_name BEGIN
  DELETE FROM user_search_rows WHERE project_id = OLD.project_id AND user_id = OLD.id AND source = '';
  INSERT INTO user_search_rows (project_id, user_id, source)
    SELECT NEW.project_id, NEW.id, '' WHERE NEW.display_name IS NOT NULL;
  INSERT INTO user_search (rowid, term)
    SELECT last_insert_rowid(), NEW.display_name WHERE NEW.display_name IS NOT NULL;
END;
-- Also the user's channels' entries (their own triggers find nothing left).
CREATE TRIGGER user_search_user_delete AFTER DELETE ON users BEGIN
  DELETE FROM user_search_rows WHERE project_id = OLD.project_id AND user_id = OLD.id;
END;

CREATE TRIGGER user_search_channel_insert AFTER INSERT ON contact_channels BEGIN
  INSERT INTO user_search_rows (project_id, user_id, source)
    VALUES (NEW.project_id, NEW.user_id, NEW.id);
  INSERT INTO user_search (rowid, term) VALUES (last_insert_rowid(), NEW.value);
END;
CREATE TRIGGER user_search_channel_update AFTER UPDATE OF project_id, user_id, id, value
ON contact_channels
WHEN NEW.value IS NOT OLD.value OR NEW.id IS NOT OLD.id OR NEW.user_id IS NOT OLD.user_id
  OR NEW.project_id IS NOT OLD.project_id BEGIN
  DELETE FROM user_search_rows
    WHERE project_id = OLD.project_id AND user_id = OLD.user_id AND source = OLD.id;
  INSERT INTO user_search_rows (project_id, user_id, source)
    VALUES (NEW.project_id, NEW.user_id, NEW.id);
  INSERT INTO user_search (rowid, term) VALUES (last_insert_rowid(), NEW.value);
END;
CREATE TRIGGER user_search_channel_delete AFTER DELETE ON contact_channels BEGIN
  DELETE FROM user_search_rows
    WHERE project_id = OLD.project_id AND user_id = OLD.user_id AND source = OLD.id;
END;
