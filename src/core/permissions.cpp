#include "core/permissions.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "core/errors.hpp"
#include "core/webhooks.hpp"

namespace latchkey::core {

namespace {

using store::PermissionDefinition;

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
}

bool all_id_chars(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), id_char);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void sort_ids(std::vector<std::string>& ids) {
  std::sort(ids.begin(), ids.end(),
            [](const std::string& a, const std::string& b) { return permission_order_less(a, b); });
}

[[noreturn]] void bad_request(std::string message) { throw PlainError(400, std::move(message)); }

}  // namespace

const std::vector<SystemPermission>& team_system_permissions() {
  static const std::vector<SystemPermission> all = {
      {"$update_team", "Update the team information"},
      {"$delete_team", "Delete the team"},
      {"$read_members", "Read and list the other members of the team"},
      {"$remove_members", "Remove other members from the team"},
      {"$invite_members", "Invite other users to the team"},
      {"$manage_api_keys", "Create and manage API keys for the team"},
  };
  return all;
}

bool is_team_system_permission(std::string_view id) {
  const auto& all = team_system_permissions();
  return std::any_of(all.begin(), all.end(), [&](const auto& p) { return p.id == id; });
}

std::string_view scope_name(PermissionScope scope) {
  return scope == PermissionScope::kTeam ? "team" : "project";
}

std::optional<std::string> permission_id_problem(std::string_view id) {
  std::string_view rest = !id.empty() && id[0] == '$' ? id.substr(1) : id;
  if (!all_id_chars(rest))
    return "Only lowercase letters, numbers, \":\", \"_\" and optional \"$\" at the beginning are "
           "allowed";
  if (id[0] == '$' && !is_team_system_permission(id)) return "Invalid system permission";
  return std::nullopt;
}

std::optional<std::string> custom_permission_id_problem(std::string_view id) {
  if (!all_id_chars(id)) return "Only lowercase letters, numbers, \":\", \"_\" are allowed";
  return std::nullopt;
}

bool permission_order_less(std::string_view a, std::string_view b) {
  std::string ua = upper(a), ub = upper(b);
  if (ua != ub) return ua < ub;
  return a > b;
}

// --- PermissionDefinitions ----------------------------------------------------

PermissionDefinitions::PermissionDefinitions(std::vector<PermissionDefinition> custom) {
  for (const auto& p : team_system_permissions())
    defs_.push_back({std::string(p.id), PermissionScope::kTeam, std::string(p.description), {}});
  for (auto& d : custom) defs_.push_back(std::move(d));
}

PermissionDefinitions PermissionDefinitions::load(store::Store& store,
                                                  const std::string& project_id) {
  return PermissionDefinitions(store.permissions().list_definitions(project_id));
}

const PermissionDefinition* PermissionDefinitions::find(std::string_view id) const {
  for (const auto& d : defs_)
    if (d.id == id) return &d;
  return nullptr;
}

const PermissionDefinition* PermissionDefinitions::find(std::string_view id,
                                                        PermissionScope scope) const {
  const auto* d = find(id);
  return d && d->scope == scope ? d : nullptr;
}

std::vector<const PermissionDefinition*> PermissionDefinitions::of_scope(
    PermissionScope scope) const {
  std::vector<const PermissionDefinition*> out;
  for (const auto& d : defs_)
    if (d.scope == scope) out.push_back(&d);
  std::sort(out.begin(), out.end(),
            [](const auto* a, const auto* b) { return permission_order_less(a->id, b->id); });
  return out;
}

std::vector<std::string> PermissionDefinitions::resolve(const std::vector<std::string>& direct,
                                                        PermissionScope scope,
                                                        bool recursive) const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::vector<std::string> pending(direct.rbegin(), direct.rend());
  while (!pending.empty()) {
    std::string id = std::move(pending.back());
    pending.pop_back();
    if (seen.count(id)) continue;
    seen.insert(id);
    const auto* d = find(id, scope);
    if (!d) continue;  // a grant whose definition is gone (or of the other scope)
    out.push_back(id);
    if (recursive)
      for (const auto& c : d->contained_ids) pending.push_back(c);
  }
  return out;
}

void PermissionDefinitions::check_grantable(const std::string& id, PermissionScope scope) const {
  const auto* d = find(id);
  if (!d) throw errors::permission_not_found(id);
  if (d->scope != scope)
    throw errors::wrong_permission_scope(id, scope_name(scope), scope_name(d->scope));
}

Json definition_view(const PermissionDefinition& d) {
  std::vector<std::string> contained = d.contained_ids;
  sort_ids(contained);
  Json j;
  j["id"] = d.id;
  if (d.description && !d.description->empty()) j["description"] = *d.description;
  j["contained_permission_ids"] = contained;
  return j;
}

std::vector<std::string> default_permission_ids(store::Store& store, const store::Project& project,
                                                const char* config_key, PermissionScope scope) {
  std::vector<std::string> ids;
  if (project.config.is_object()) {
    auto it = project.config.find(config_key);
    if (it != project.config.end() && it->is_array())
      for (const auto& item : *it)
        if (item.is_object() && item.contains("id") && item["id"].is_string()) {
          auto id = item["id"].get<std::string>();
          if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
        }
  }
  if (ids.empty()) return ids;
  auto defs = PermissionDefinitions::load(store, project.id);
  for (const auto& id : ids) defs.check_grantable(id, scope);
  return ids;
}

// --- definitions ----------------------------------------------------------------

namespace {

// Every contained id must be a definition of the scope (system ones count as
// team definitions).
void check_contained(const PermissionDefinitions& defs, PermissionScope scope,
                     const std::vector<std::string>& contained) {
  for (const auto& id : contained)
    if (!defs.find(id, scope)) throw errors::contained_permission_not_found(id);
}

std::vector<std::string> unique_ids(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids)
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  return out;
}

// Whether `target` is reachable from `from` through contained permissions of
// `defs`, where the definition of `target` is taken to contain `from`.
bool reaches(const std::vector<PermissionDefinition>& defs, const std::vector<std::string>& from,
             const std::string& target) {
  std::map<std::string, const std::vector<std::string>*> contained;
  for (const auto& d : defs) contained[d.id] = &d.contained_ids;
  std::set<std::string> seen;
  std::vector<std::string> pending = from;
  while (!pending.empty()) {
    std::string id = std::move(pending.back());
    pending.pop_back();
    if (id == target) return true;
    if (!seen.insert(id).second) continue;
    auto it = contained.find(id);
    if (it != contained.end())
      for (const auto& c : *it->second) pending.push_back(c);
  }
  return false;
}

}  // namespace

Json list_definitions(store::Store& store, const std::string& project_id, PermissionScope scope) {
  auto defs = PermissionDefinitions::load(store, project_id);
  Json items = Json::array();
  for (const auto* d : defs.of_scope(scope)) items.push_back(definition_view(*d));
  return items;
}

Json create_definition(store::Store& store, const std::string& project_id, PermissionScope scope,
                       const DefinitionInput& in) {
  auto defs = PermissionDefinitions::load(store, project_id);
  const std::string& id = *in.id;
  if (defs.find(id)) throw errors::permission_id_already_exists(id);
  std::vector<std::string> contained =
      unique_ids(in.contained_ids.value_or(std::vector<std::string>{}));
  check_contained(defs, scope, contained);
  PermissionDefinition d{id, scope, in.description, contained};
  if (d.description && d.description->empty()) d.description.reset();
  if (store.permissions().create_definition(project_id, d) ==
      store::DefinitionWriteStatus::kIdExists)
    throw errors::permission_id_already_exists(id);
  return definition_view(d);
}

Json update_definition(store::Store& store, const std::string& project_id, PermissionScope scope,
                       const std::string& old_id, const DefinitionInput& in) {
  auto custom = store.permissions().list_definitions(project_id);
  auto old = std::find_if(custom.begin(), custom.end(),
                          [&](const auto& d) { return d.id == old_id && d.scope == scope; });
  if (old == custom.end()) throw errors::permission_not_found(old_id);
  PermissionDefinitions defs(custom);
  const std::string new_id = in.id.value_or(old_id);
  if (new_id != old_id && defs.find(new_id)) throw errors::permission_id_already_exists(new_id);

  PermissionDefinition d = *old;
  d.id = new_id;
  if (in.description) d.description = in.description->empty() ? std::nullopt : in.description;
  if (in.contained_ids) {
    check_contained(defs, scope, *in.contained_ids);
    d.contained_ids.clear();
    // A reference to the old id follows the rename, as in every other list.
    for (const auto& id : unique_ids(*in.contained_ids)) {
      const std::string& v = id == old_id ? new_id : id;
      if (std::find(d.contained_ids.begin(), d.contained_ids.end(), v) == d.contained_ids.end())
        d.contained_ids.push_back(v);
    }
  }

  // The graph after this change: renamed references, the new contained list.
  std::vector<PermissionDefinition> after;
  for (const auto& other : custom) {
    if (other.id == old_id) continue;
    PermissionDefinition copy = other;
    for (auto& c : copy.contained_ids)
      if (c == old_id) c = new_id;
    after.push_back(std::move(copy));
  }
  after.push_back(d);
  if (reaches(after, d.contained_ids, new_id))
    bad_request("Permission \"" + new_id +
                "\" would contain itself through its contained permissions. Permission cycles are "
                "not allowed.");

  switch (store.permissions().update_definition(project_id, old_id, d)) {
    case store::DefinitionWriteStatus::kWritten:
      break;
    case store::DefinitionWriteStatus::kNotFound:
      throw errors::permission_not_found(old_id);
    case store::DefinitionWriteStatus::kIdExists:
      throw errors::permission_id_already_exists(new_id);
  }
  return definition_view(d);
}

void delete_definition(store::Store& store, const std::string& project_id, PermissionScope scope,
                       const std::string& id) {
  if (is_team_system_permission(id) ||
      !store.permissions().delete_definition(project_id, id, scope))
    throw errors::permission_not_found(id);
}

// --- grants -------------------------------------------------------------------

namespace {

Json grant_items(std::vector<std::tuple<std::string, std::string, std::string>> rows,
                 const GrantFilter& f, bool team) {
  // rows: (team_id, user_id, permission_id); team_id empty for project scope.
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b))
      return permission_order_less(std::get<0>(a), std::get<0>(b));
    if (std::get<1>(a) != std::get<1>(b))
      return permission_order_less(std::get<1>(a), std::get<1>(b));
    return permission_order_less(std::get<2>(a), std::get<2>(b));
  });
  Json items = Json::array();
  for (const auto& [team_id, user_id, id] : rows) {
    if (f.permission_id && id != *f.permission_id) continue;
    Json j;
    j["id"] = id;
    if (team) j["team_id"] = team_id;
    j["user_id"] = user_id;
    items.push_back(std::move(j));
  }
  return items;
}

}  // namespace

Json list_team_permissions(store::Store& store, const std::string& project_id,
                           const GrantFilter& f) {
  auto grants = store.permissions().list_team_grants(project_id, f.team_id, f.user_id);
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> direct;
  for (auto& g : grants) direct[{g.team_id, g.user_id}].push_back(std::move(g.permission_id));
  std::vector<std::tuple<std::string, std::string, std::string>> rows;
  if (!direct.empty()) {
    auto defs = PermissionDefinitions::load(store, project_id);
    for (const auto& [member, ids] : direct)
      for (auto& id : defs.resolve(ids, PermissionScope::kTeam, f.recursive))
        rows.emplace_back(member.first, member.second, std::move(id));
  }
  return grant_items(std::move(rows), f, true);
}

Json list_project_permissions(store::Store& store, const std::string& project_id,
                              const GrantFilter& f) {
  auto grants = store.permissions().list_project_grants(project_id, f.user_id);
  std::map<std::string, std::vector<std::string>> direct;
  for (auto& g : grants) direct[g.user_id].push_back(std::move(g.permission_id));
  std::vector<std::tuple<std::string, std::string, std::string>> rows;
  if (!direct.empty()) {
    auto defs = PermissionDefinitions::load(store, project_id);
    for (const auto& [user_id, ids] : direct)
      for (auto& id : defs.resolve(ids, PermissionScope::kProject, f.recursive))
        rows.emplace_back(std::string(), user_id, std::move(id));
  }
  return grant_items(std::move(rows), f, false);
}

void require_team_membership(store::Store& store, const std::string& project_id,
                             const std::string& team_id, const std::string& user_id) {
  if (store.teams().get_member(project_id, team_id, user_id)) return;
  if (!store.users().get_user(project_id, user_id)) throw errors::user_not_found();
  throw errors::team_membership_not_found(team_id, user_id);
}

bool has_team_permission(store::Store& store, const std::string& project_id,
                         const std::string& team_id, const std::string& user_id,
                         std::string_view permission_id) {
  std::vector<std::string> direct;
  for (auto& g : store.permissions().list_team_grants(project_id, team_id, user_id))
    direct.push_back(std::move(g.permission_id));
  if (direct.empty()) return false;
  auto held = PermissionDefinitions::load(store, project_id)
                  .resolve(direct, PermissionScope::kTeam, /*recursive=*/true);
  return std::find(held.begin(), held.end(), permission_id) != held.end();
}

void require_team_permission(store::Store& store, const std::string& project_id,
                             const std::string& team_id, const std::string& user_id,
                             std::string_view permission_id) {
  require_team_membership(store, project_id, team_id, user_id);
  if (!has_team_permission(store, project_id, team_id, user_id, permission_id))
    throw errors::team_permission_required(team_id, user_id, permission_id);
}

void grant_team_permission(store::Store& store, const std::string& project_id,
                           const std::string& team_id, const std::string& user_id,
                           const std::string& permission_id) {
  require_team_membership(store, project_id, team_id, user_id);
  PermissionDefinitions::load(store, project_id)
      .check_grantable(permission_id, PermissionScope::kTeam);
  if (!store.permissions().grant_team_permission(
          project_id, team_id, user_id, permission_id,
          {webhooks::event(project_id, webhooks::kTeamPermissionCreated,
                           webhooks::team_permission_data(permission_id, team_id, user_id))}))
    throw errors::team_membership_not_found(team_id, user_id);  // left meanwhile
}

void revoke_team_permission(store::Store& store, const std::string& project_id,
                            const std::string& team_id, const std::string& user_id,
                            const std::string& permission_id) {
  require_team_membership(store, project_id, team_id, user_id);
  if (!store.permissions().revoke_team_permission(
          project_id, team_id, user_id, permission_id,
          {webhooks::event(project_id, webhooks::kTeamPermissionDeleted,
                           webhooks::team_permission_data(permission_id, team_id, user_id))}))
    throw errors::team_permission_not_found(team_id, user_id, permission_id);
}

void grant_project_permission(store::Store& store, const std::string& project_id,
                              const std::string& user_id, const std::string& permission_id) {
  if (!store.users().get_user(project_id, user_id)) throw errors::user_not_found();
  PermissionDefinitions::load(store, project_id)
      .check_grantable(permission_id, PermissionScope::kProject);
  if (!store.permissions().grant_project_permission(
          project_id, user_id, permission_id,
          {webhooks::event(project_id, webhooks::kProjectPermissionCreated,
                           webhooks::project_permission_data(permission_id, user_id))}))
    throw errors::user_not_found();  // deleted meanwhile
}

void revoke_project_permission(store::Store& store, const std::string& project_id,
                               const std::string& user_id, const std::string& permission_id) {
  if (!store.users().get_user(project_id, user_id)) throw errors::user_not_found();
  if (!store.permissions().revoke_project_permission(
          project_id, user_id, permission_id,
          {webhooks::event(project_id, webhooks::kProjectPermissionDeleted,
                           webhooks::project_permission_data(permission_id, user_id))}))
    throw errors::permission_not_found(permission_id);
}

}  // namespace latchkey::core
