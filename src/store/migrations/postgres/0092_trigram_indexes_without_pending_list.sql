-- The trigram indexes of user search (0090) take each new entry directly
-- instead of through GIN's pending list. With the list (fastupdate, on by
-- default), every search read the whole list linearly: autovacuum merges it
-- only after thousands of inserts (a fifth of the table), so a project that
-- keeps gaining users carried several thousand pending entries, and a search
-- that found nobody took 45 ms at 100k users instead of under 1 ms. An
-- insert now updates the index itself, a few dozen entries per user.
ALTER INDEX users_display_name_trgm SET (fastupdate = off);
ALTER INDEX contact_channels_value_trgm SET (fastupdate = off);
-- Turning it off keeps what is already pending: merge it now.
SELECT gin_clean_pending_list('users_display_name_trgm'::regclass);
SELECT gin_clean_pending_list('contact_channels_value_trgm'::regclass);
