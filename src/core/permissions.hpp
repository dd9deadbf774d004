// Team and project permissions (teams.md §6, §7, §11): the six system team
// permissions, the id rules and list ordering, resolution through contained
// permissions, definition CRUD and direct grants.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core {

using store::PermissionScope;

struct SystemPermission {
  std::string_view id;
  std::string_view description;
};
// $update_team, $delete_team, $read_members, $remove_members,
// $invite_members, $manage_api_keys (§6.1).
const std::vector<SystemPermission>& team_system_permissions();
bool is_team_system_permission(std::string_view id);

// "team" or "project".
std::string_view scope_name(PermissionScope scope);

// §6.2: the SCHEMA_ERROR line for an id in a path, query or contained list,
// or for a new or renamed custom id; nullopt when the id is fine.
std::optional<std::string> permission_id_problem(std::string_view id);
std::optional<std::string> custom_permission_id_problem(std::string_view id);

// §7.6: upper-cased code-unit order; of two ids equal when upper-cased, the
// greater one (by code unit) first.
bool permission_order_less(std::string_view a, std::string_view b);

// Every definition of a project: the system team permissions and the custom
// ones of both scopes.
class PermissionDefinitions {
 public:
  explicit PermissionDefinitions(std::vector<store::PermissionDefinition> custom);
  static PermissionDefinitions load(store::Store& store, const std::string& project_id);

  // nullptr when the project has no such definition (of that scope).
  const store::PermissionDefinition* find(std::string_view id) const;
  const store::PermissionDefinition* find(std::string_view id, PermissionScope scope) const;
  // The definitions of one scope in §7.6 order (team: system ones included).
  std::vector<const store::PermissionDefinition*> of_scope(PermissionScope scope) const;

  // §7.4: the ids held through `direct` grants: the direct ones that have a
  // definition of `scope`, and with `recursive` everything reachable through
  // contained permissions (a visited set, so cycles end). Unsorted, unique.
  std::vector<std::string> resolve(const std::vector<std::string>& direct, PermissionScope scope,
                                   bool recursive) const;

  // PERMISSION_NOT_FOUND unless `id` names a definition; WRONG_PERMISSION_SCOPE
  // when it is one of the other scope (system ids are team permissions).
  void check_grantable(const std::string& id, PermissionScope scope) const;

 private:
  std::vector<store::PermissionDefinition> defs_;
};

// {id, description?, contained_permission_ids} with the contained ids in
// §7.6 order; an empty description is left out.
Json definition_view(const store::PermissionDefinition& d);

// The ids of a default-permission list of the config (`[{"id": …}]`), e.g.
// team_creator_default_permissions; each must be grantable in `scope`
// (PERMISSION_NOT_FOUND / WRONG_PERMISSION_SCOPE otherwise, §7.5).
std::vector<std::string> default_permission_ids(store::Store& store, const store::Project& project,
                                                const char* config_key, PermissionScope scope);

// --- definitions (admin) ----------------------------------------------------

Json list_definitions(store::Store& store, const std::string& project_id, PermissionScope scope);

struct DefinitionInput {
  std::optional<std::string> id;  // create: required; update: rename when set
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> contained_ids;
};
// §6.4 / §11.1: PERMISSION_ID_ALREADY_EXISTS, CONTAINED_PERMISSION_NOT_FOUND.
Json create_definition(store::Store& store, const std::string& project_id, PermissionScope scope,
                       const DefinitionInput& in);
// §6.5: PERMISSION_NOT_FOUND unless `old_id` is a custom definition of
// `scope`; rename onto a taken id → PERMISSION_ID_ALREADY_EXISTS; contained
// ids as on create; a change that would make the permission contain itself
// (directly or through others) → plain 400. Omitted fields keep their values.
Json update_definition(store::Store& store, const std::string& project_id, PermissionScope scope,
                       const std::string& old_id, const DefinitionInput& in);
// §6.6: PERMISSION_NOT_FOUND unless `id` is a custom definition of `scope`.
void delete_definition(store::Store& store, const std::string& project_id, PermissionScope scope,
                       const std::string& id);

// --- grants -------------------------------------------------------------------

struct GrantFilter {
  std::optional<std::string> team_id;  // team scope only
  std::optional<std::string> user_id;
  std::optional<std::string> permission_id;
  bool recursive = false;
};
// §7.1 / §11.2: {id, team_id, user_id} (team) or {id, user_id} (project)
// items, sorted by (team_id,) user_id, id.
Json list_team_permissions(store::Store& store, const std::string& project_id,
                           const GrantFilter& f);
Json list_project_permissions(store::Store& store, const std::string& project_id,
                              const GrantFilter& f);

// USER_NOT_FOUND unless the user exists, then TEAM_MEMBERSHIP_NOT_FOUND
// unless it is a member of the team.
void require_team_membership(store::Store& store, const std::string& project_id,
                             const std::string& team_id, const std::string& user_id);
// Whether the member holds `permission_id` directly or through contained
// permissions (§7.4).
bool has_team_permission(store::Store& store, const std::string& project_id,
                         const std::string& team_id, const std::string& user_id,
                         std::string_view permission_id);
// "Requires permission P": TEAM_MEMBERSHIP_NOT_FOUND unless the user is a
// member, then TEAM_PERMISSION_REQUIRED unless it holds P (recursively).
void require_team_permission(store::Store& store, const std::string& project_id,
                             const std::string& team_id, const std::string& user_id,
                             std::string_view permission_id);

// §7.2 / §7.3 (membership checked first) and §11.2 (user checked first).
void grant_team_permission(store::Store& store, const std::string& project_id,
                           const std::string& team_id, const std::string& user_id,
                           const std::string& permission_id);
void revoke_team_permission(store::Store& store, const std::string& project_id,
                            const std::string& team_id, const std::string& user_id,
                            const std::string& permission_id);
void grant_project_permission(store::Store& store, const std::string& project_id,
                              const std::string& user_id, const std::string& permission_id);
void revoke_project_permission(store::Store& store, const std::string& project_id,
                               const std::string& user_id, const std::string& permission_id);

}  // namespace latchkey::core
