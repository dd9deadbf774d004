-- Millions of users (issue 22). Pages of users are already index ranges on
-- users_created (project_id, created_at, id).
--
-- User search (GET /users?query=): trigram GIN indexes (pg_trgm) on display
-- names and contact channel values serve `ILIKE '%text%'`, which narrows
-- the candidates; the list statement re-applies the exact filter. PostgreSQL
-- keeps the indexes in the transaction that changes the rows.
--
-- pg_trgm ships with PostgreSQL's contrib modules (Debian: postgresql-contrib,
-- part of postgresql-15). It is a trusted extension: a role that may create
-- objects in the database may create it. It goes to `public` when this role
-- may create there (so that a schema dropped later does not take it along),
-- otherwise to the first schema of the search path; the indexes name its
-- operator class by that schema.
DO $$
DECLARE
  ext_schema text;
BEGIN
  SELECT n.nspname INTO ext_schema FROM pg_extension e
    JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  IF ext_schema IS NULL THEN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
      RAISE EXCEPTION 'Latchkey needs the PostgreSQL extension pg_trgm (user search), which this PostgreSQL server does not have: install PostgreSQL''s contrib modules on the server (Debian: apt-get install postgresql-contrib)';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public')
       AND has_schema_privilege('public', 'CREATE') THEN
      CREATE EXTENSION pg_trgm SCHEMA public;
    ELSE
      CREATE EXTENSION pg_trgm;
    END IF;
    SELECT n.nspname INTO ext_schema FROM pg_extension e
      JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  END IF;
  EXECUTE format('CREATE INDEX users_display_name_trgm ON users USING gin (display_name %I.gin_trgm_ops)', ext_schema);
  EXECUTE format('CREATE INDEX contact_channels_value_trgm ON contact_channels USING gin (value %I.gin_trgm_ops)', ext_schema);
END
$$;
