#include "core/teams.hpp"

#include <map>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/permissions.hpp"
#include "core/users.hpp"
#include "core/webhooks.hpp"

namespace latchkey::core {

namespace {

Json opt(const std::optional<std::string>& s) { return s ? Json(*s) : Json(); }

bool config_flag(const store::Project& p, const char* key, bool fallback) {
  return p.config.is_object() ? p.config.value(key, fallback) : fallback;
}

store::User require_user(store::Store& store, const std::string& project_id,
                         const std::string& user_id) {
  auto u = store.users().get_user(project_id, user_id);
  if (!u) throw errors::user_not_found();
  return *u;
}

}  // namespace

Json team_view(const store::Team& t, bool server_shape) {
  Json j;
  j["id"] = t.id;
  j["display_name"] = t.display_name;
  j["profile_image_url"] = opt(t.profile_image_url);
  if (server_shape) j["created_at_millis"] = t.created_at_millis;
  j["client_metadata"] = t.client_metadata;
  j["client_read_only_metadata"] = t.client_read_only_metadata;
  if (server_shape) j["server_metadata"] = t.server_metadata;
  return j;
}

store::Team create_team(store::Store& store, const Clock& clock, const store::Project& project,
                        const TeamInput& in, const std::optional<std::string>& creator_user_id) {
  store::Team t;
  t.id = random_uuid();
  t.project_id = project.id;
  t.display_name = in.display_name.value_or("");
  if (in.profile_image_url) t.profile_image_url = *in.profile_image_url;
  if (in.client_metadata) t.client_metadata = *in.client_metadata;
  if (in.client_read_only_metadata) t.client_read_only_metadata = *in.client_read_only_metadata;
  if (in.server_metadata) t.server_metadata = *in.server_metadata;
  t.created_at_millis = clock.now_millis();
  std::optional<store::NewTeamMember> creator;
  if (creator_user_id) {
    require_user(store, project.id, *creator_user_id);
    creator = store::NewTeamMember{
        *creator_user_id,
        default_permission_ids(store, project, "team_creator_default_permissions",
                               PermissionScope::kTeam),
        t.created_at_millis};
  }
  // Stack sends team.created only: the creator's membership and permissions
  // emit no events of their own (its tests count them).
  if (store.teams().create_team(
          t, creator, {webhooks::event(project.id, webhooks::kTeamCreated, team_view(t, true))}) ==
      store::CreateTeamStatus::kUserNotFound)
    throw errors::user_not_found();
  return t;
}

std::vector<store::Team> list_teams(store::Store& store, const std::string& project_id,
                                    const std::optional<std::string>& user_id) {
  return store.teams().list_teams(project_id, user_id);
}

store::Team get_team(store::Store& store, const std::string& project_id,
                     const std::string& team_id) {
  auto t = store.teams().get_team(project_id, team_id);
  if (!t) throw errors::team_not_found(team_id);
  return *t;
}

store::Team update_team(store::Store& store, const std::string& project_id,
                        const std::string& team_id, const TeamInput& in) {
  store::TeamUpdate up;
  up.display_name = in.display_name;
  up.profile_image_url = in.profile_image_url;
  up.client_metadata = in.client_metadata;
  up.client_read_only_metadata = in.client_read_only_metadata;
  up.server_metadata = in.server_metadata;
  auto events = [&](const store::Team& updated) {
    return store::WebhookEvents{
        webhooks::event(project_id, webhooks::kTeamUpdated, team_view(updated, true))};
  };
  if (!store.teams().update_team(project_id, team_id, up, events))
    throw errors::team_not_found(team_id);
  return get_team(store, project_id, team_id);
}

void delete_team(store::Store& store, const std::string& project_id, const std::string& team_id) {
  if (!store.teams().delete_team(
          project_id, team_id,
          {webhooks::event(project_id, webhooks::kTeamDeleted, Json{{"id", team_id}})}))
    throw errors::team_not_found(team_id);
}

void add_team_member(store::Store& store, const Clock& clock, const store::Project& project,
                     const std::string& team_id, const std::string& user_id) {
  require_user(store, project.id, user_id);
  get_team(store, project.id, team_id);
  if (store.teams().get_member(project.id, team_id, user_id))
    throw errors::team_membership_already_exists();
  store::NewTeamMember m{user_id,
                         default_permission_ids(store, project, "team_member_default_permissions",
                                                PermissionScope::kTeam),
                         clock.now_millis()};
  // Checked again inside the store's transaction (concurrent requests).
  switch (store.teams().add_member(
      project.id, team_id, m,
      webhooks::member_joined_events(project.id, team_id, user_id, m.permission_ids))) {
    case store::AddMemberStatus::kAdded:
      return;
    case store::AddMemberStatus::kUserNotFound:
      throw errors::user_not_found();
    case store::AddMemberStatus::kTeamNotFound:
      throw errors::team_not_found(team_id);
    case store::AddMemberStatus::kAlreadyMember:
      throw errors::team_membership_already_exists();
  }
}

void remove_team_member(store::Store& store, const std::string& project_id,
                        const std::string& team_id, const std::string& user_id) {
  require_team_membership(store, project_id, team_id, user_id);
  if (!store.teams().remove_member(project_id, team_id, user_id,
                                   {webhooks::event(project_id, webhooks::kTeamMembershipDeleted,
                                                    webhooks::membership_data(team_id, user_id))}))
    throw errors::team_membership_not_found(team_id, user_id);
}

Json member_profile_view(const store::TeamMember& m, const store::User& u, bool server_shape,
                         const UserViewContext& view) {
  Json j;
  j["team_id"] = m.team_id;
  j["user_id"] = m.user_id;
  // The member's overrides win; without one the user's own values show.
  j["display_name"] = opt(m.display_name ? m.display_name : u.display_name);
  j["profile_image_url"] = opt(m.profile_image_url ? m.profile_image_url : u.profile_image_url);
  if (server_shape) j["user"] = user_view(u, true, view);
  return j;
}

Json get_member_profile(store::Store& store, const UserViewContext& view,
                        const std::string& project_id, const std::string& team_id,
                        const std::string& user_id, bool server_shape) {
  auto u = require_user(store, project_id, user_id);
  auto m = store.teams().get_member(project_id, team_id, user_id);
  if (!m) throw errors::team_membership_not_found(team_id, user_id);
  return member_profile_view(*m, u, server_shape, view);
}

Json list_member_profiles(store::Store& store, const UserViewContext& view,
                          const std::string& project_id, const std::optional<std::string>& team_id,
                          const std::optional<std::string>& user_id, bool server_shape) {
  Json items = Json::array();
  std::map<std::string, std::optional<store::User>> users;
  for (const auto& m : store.teams().list_members(project_id, team_id, user_id)) {
    auto it = users.find(m.user_id);
    if (it == users.end())
      it = users.emplace(m.user_id, store.users().get_user(project_id, m.user_id)).first;
    if (!it->second) continue;  // deleted between the two reads
    items.push_back(member_profile_view(m, *it->second, server_shape, view));
  }
  return items;
}

Json update_member_profile(store::Store& store, const UserViewContext& view,
                           const std::string& project_id, const std::string& team_id,
                           const std::string& user_id, const MemberProfileInput& in,
                           bool server_shape) {
  require_team_membership(store, project_id, team_id, user_id);
  store::TeamMemberUpdate up;
  up.display_name = in.display_name;
  up.profile_image_url = in.profile_image_url;
  if (!store.teams().update_member(project_id, team_id, user_id, up))
    throw errors::team_membership_not_found(team_id, user_id);
  return get_member_profile(store, view, project_id, team_id, user_id, server_shape);
}

store::NewUserExtras new_user_extras(store::Store& store, const store::Project& project,
                                     const store::User& u) {
  store::NewUserExtras extras;
  extras.project_permission_ids =
      default_permission_ids(store, project, "user_default_permissions", PermissionScope::kProject);
  if (config_flag(project, "create_team_on_sign_up", false)) {
    store::NewUserExtras::PersonalTeam team;
    team.id = random_uuid();
    if (u.display_name && !u.display_name->empty())
      team.display_name = *u.display_name + "'s Team";
    else if (u.primary_email)
      team.display_name = *u.primary_email + "'s Team";
    else
      team.display_name = "Personal Team";
    team.creator_permission_ids = default_permission_ids(
        store, project, "team_creator_default_permissions", PermissionScope::kTeam);
    extras.personal_team = std::move(team);
  }
  return extras;
}

}  // namespace latchkey::core
