// Custom permission definitions (team and project scope, one id namespace
// per project) and the direct grants of team and project permissions
// (teams.md §6, §7, §11). System team permissions ($update_team, …) are
// not stored: they are constants of core/permissions.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "store/webhook_store.hpp"

namespace latchkey::store {

enum class PermissionScope { kTeam, kProject };

struct PermissionDefinition {
  std::string id;
  PermissionScope scope = PermissionScope::kTeam;
  std::optional<std::string> description;  // nullopt: none
  std::vector<std::string> contained_ids;  // as stored (unsorted)
};

// A direct team-permission grant of one member.
struct TeamPermissionGrant {
  std::string team_id;
  std::string user_id;
  std::string permission_id;
};

// A direct project-permission grant of one user.
struct ProjectPermissionGrant {
  std::string user_id;
  std::string permission_id;
};

enum class DefinitionWriteStatus { kWritten, kNotFound, kIdExists };

class PermissionStore {
 public:
  virtual ~PermissionStore() = default;

  // Every custom definition of the project, both scopes. New projects start
  // with the team definitions team_admin and team_member.
  virtual std::vector<PermissionDefinition> list_definitions(const std::string& project_id) = 0;
  // kIdExists (nothing written) when any definition of the project has the id.
  virtual DefinitionWriteStatus create_definition(const std::string& project_id,
                                                  const PermissionDefinition& def) = 0;
  // Replaces definition `old_id` (of `def.scope`) with `def`, in one
  // transaction. On a rename (def.id != old_id) every other definition's
  // contained list and every direct grant (team and project) naming old_id
  // is rewritten to the new id. kNotFound when there is no definition
  // old_id of that scope; kIdExists when def.id is taken by another one.
  virtual DefinitionWriteStatus update_definition(const std::string& project_id,
                                                  const std::string& old_id,
                                                  const PermissionDefinition& def) = 0;
  // Deletes the definition of that scope, removes it from every other
  // definition's contained list and deletes every direct grant of it, in one
  // transaction. False when there is no such definition of that scope.
  virtual bool delete_definition(const std::string& project_id, const std::string& id,
                                 PermissionScope scope) = 0;

  // Direct team grants; each filter optional.
  virtual std::vector<TeamPermissionGrant> list_team_grants(
      const std::string& project_id, const std::optional<std::string>& team_id,
      const std::optional<std::string>& user_id) = 0;
  // Idempotent. False (nothing written) when the user is not a member.
  // `events` (the webhook outbox) are written with the grant, or not at all.
  virtual bool grant_team_permission(const std::string& project_id, const std::string& team_id,
                                     const std::string& user_id, const std::string& permission_id,
                                     const WebhookEvents& events = {}) = 0;
  // False (nothing written) when the member holds no direct grant of it.
  virtual bool revoke_team_permission(const std::string& project_id, const std::string& team_id,
                                      const std::string& user_id, const std::string& permission_id,
                                      const WebhookEvents& events = {}) = 0;

  // Direct project grants; the user filter is optional.
  virtual std::vector<ProjectPermissionGrant> list_project_grants(
      const std::string& project_id, const std::optional<std::string>& user_id) = 0;
  // Idempotent. False (nothing written) when the user does not exist.
  virtual bool grant_project_permission(const std::string& project_id, const std::string& user_id,
                                        const std::string& permission_id,
                                        const WebhookEvents& events = {}) = 0;
  // False (nothing written) when the user holds no direct grant of it.
  virtual bool revoke_project_permission(const std::string& project_id, const std::string& user_id,
                                         const std::string& permission_id,
                                         const WebhookEvents& events = {}) = 0;
};

}  // namespace latchkey::store
