-- Teams, memberships, permission definitions and grants (teams.md).
-- Deleting a project, team or user removes what hangs off it through the
-- foreign keys; the store clears selected teams and deletes invitation codes
-- explicitly (they live in other tables without a foreign key to teams).

CREATE TABLE teams (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  profile_image_url TEXT,
  client_metadata TEXT,
  client_read_only_metadata TEXT,
  server_metadata TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX teams_created ON teams(project_id, created_at);

-- display_name / profile_image_url: the member's overrides for this team.
CREATE TABLE team_members (
  project_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  display_name TEXT,
  profile_image_url TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, team_id, user_id),
  FOREIGN KEY (project_id, team_id) REFERENCES teams(project_id, id) ON DELETE CASCADE,
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE INDEX team_members_user ON team_members(project_id, user_id);
CREATE INDEX team_members_joined ON team_members(project_id, team_id, created_at);

-- Direct grants; permission_id is a system id ($update_team, …) or the id of
-- a definition (no foreign key: renames and deletes rewrite these rows).
CREATE TABLE team_member_permissions (
  project_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  permission_id TEXT NOT NULL,
  PRIMARY KEY (project_id, team_id, user_id, permission_id),
  FOREIGN KEY (project_id, team_id, user_id)
    REFERENCES team_members(project_id, team_id, user_id) ON DELETE CASCADE
);
CREATE INDEX team_member_permissions_id ON team_member_permissions(project_id, permission_id);

CREATE TABLE project_user_permissions (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  permission_id TEXT NOT NULL,
  PRIMARY KEY (project_id, user_id, permission_id),
  FOREIGN KEY (project_id, user_id) REFERENCES users(project_id, id) ON DELETE CASCADE
);
CREATE INDEX project_user_permissions_id ON project_user_permissions(project_id, permission_id);

-- Custom definitions of both scopes share one id namespace per project.
-- contained_ids: a JSON array of permission ids.
CREATE TABLE permission_definitions (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('team', 'project')),
  description TEXT,
  contained_ids TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (project_id, id)
);

-- Every project starts with the team definitions team_admin and team_member
-- (project-config.md §3): a trigger, so that every way of inserting a
-- project (API, CLI, the internal project's seed) gets them atomically.
CREATE TRIGGER projects_default_permissions AFTER INSERT ON projects BEGIN
  INSERT INTO permission_definitions (project_id, id, scope, description, contained_ids) VALUES
    (NEW.id, 'team_admin', 'team', 'Default permission for team admins',
     '["$update_team","$delete_team","$read_members","$remove_members","$invite_members","$manage_api_keys"]'),
    (NEW.id, 'team_member', 'team', 'Default permission for team members',
     '["$read_members","$invite_members"]');
END;

INSERT INTO permission_definitions (project_id, id, scope, description, contained_ids)
  SELECT id, 'team_admin', 'team', 'Default permission for team admins',
         '["$update_team","$delete_team","$read_members","$remove_members","$invite_members","$manage_api_keys"]'
  FROM projects;
INSERT INTO permission_definitions (project_id, id, scope, description, contained_ids)
  SELECT id, 'team_member', 'team', 'Default permission for team members',
         '["$read_members","$invite_members"]'
  FROM projects;

CREATE INDEX users_selected_team ON users(project_id, selected_team_id);
