-- Millions of rows (issue 22): a page of the sent e-mail log from a cursor
-- is an index range on (project_id, sent_at, seq), seq breaking ties in
-- sent_at as the page order does. (SQLite's sent_emails_recent already ends
-- with the rowid, its insertion order.)
CREATE INDEX sent_emails_recent_seq ON sent_emails(project_id, sent_at, seq);
DROP INDEX sent_emails_recent;
