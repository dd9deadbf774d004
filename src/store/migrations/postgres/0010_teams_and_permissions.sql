-- Teams, memberships, permission definitions and grants (teams.md), as
-- SQLite's 0010. `seq` gives the insertion order that SQLite's rowid gives.

CREATE TABLE teams (
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT COLLATE "C" NOT NULL,
  seq BIGSERIAL NOT NULL,
  display_name TEXT NOT NULL,
  profile_image_url TEXT,
  client_metadata TEXT,
  client_read_only_metadata TEXT,
  server_metadata TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX teams_created ON teams(project_id, created_at);

-- display_name / profile_image_url: the member's overrides for this team.
CREATE TABLE team_members (
  project_id TEXT COLLATE "C" NOT NULL,
  team_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  seq BIGSERIAL NOT NULL,
  display_name TEXT,
  profile_image_url TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, team_id, user_id),
  FOREIGN KEY (project_id, team_id) REFERENCES teams(project_id, id) ON DELETE CASCADE,
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE INDEX team_members_user ON team_members(project_id, user_id);
CREATE INDEX team_members_joined ON team_members(project_id, team_id, created_at);

-- Direct grants; permission_id is a system id ($update_team, …) or the id of
-- a definition (no foreign key: renames and deletes rewrite these rows).
CREATE TABLE team_member_permissions (
  project_id TEXT COLLATE "C" NOT NULL,
  team_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  permission_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (project_id, team_id, user_id, permission_id),
  FOREIGN KEY (project_id, team_id, user_id)
    REFERENCES team_members(project_id, team_id, user_id) ON DELETE CASCADE
);
CREATE INDEX team_member_permissions_id ON team_member_permissions(project_id, permission_id);

CREATE TABLE project_user_permissions (
  project_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  permission_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (project_id, user_id, permission_id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE INDEX project_user_permissions_id ON project_user_permissions(project_id, permission_id);

-- Custom definitions of both scopes share one id namespace per project.
-- contained_ids: a JSON array of permission ids.
CREATE TABLE permission_definitions (
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT COLLATE "C" NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('team', 'project')),
  description TEXT,
  contained_ids TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (project_id, id)
);

-- Every project starts with the team definitions team_admin and team_member
-- (project-config.md §3): a trigger, so that every way of inserting a
-- project gets them atomically.
CREATE FUNCTION latchkey_default_permissions(project TEXT) RETURNS void LANGUAGE sql AS $$
  INSERT INTO permission_definitions (project_id, id, scope, description, contained_ids) VALUES
    (project, 'team_admin', 'team', 'Default permission for team admins',
     '["$update_team","$delete_team","$read_members","$remove_members","$invite_members","$manage_api_keys"]'),
    (project, 'team_member', 'team', 'Default permission for team members',
     '["$read_members","$invite_members"]');
$$;
CREATE FUNCTION latchkey_project_default_permissions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM latchkey_default_permissions(NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER projects_default_permissions AFTER INSERT ON projects
  FOR EACH ROW EXECUTE FUNCTION latchkey_project_default_permissions();
SELECT latchkey_default_permissions(id) FROM projects;

CREATE INDEX users_selected_team ON users(project_id, selected_team_id);
