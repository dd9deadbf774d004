// Teams as the API shows them and the operations on teams, memberships and
// member profiles (teams.md §2–§5, §9), plus what a new user gets from the
// project's defaults (personal team, default project permissions; §3.6,
// §11.2). Access rules of the client API are the handlers' job.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/activity.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/users.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// The server/admin shape, or the client shape (no created_at_millis,
// server_metadata).
Json team_view(const store::Team& t, bool server_shape);

// The writable fields of a team (POST / PATCH body). Unset = untouched.
struct TeamInput {
  std::optional<std::string> display_name;
  std::optional<std::optional<std::string>> profile_image_url;
  std::optional<Json> client_metadata, client_read_only_metadata, server_metadata;
};

// §3.2 step 4–5: creates the team; a creator (USER_NOT_FOUND unless it
// exists) joins with the project's creator default permissions, all in one
// transaction.
store::Team create_team(store::Store& store, const Clock& clock, const store::Project& project,
                        const TeamInput& in, const std::optional<std::string>& creator_user_id);
// TEAM_NOT_FOUND when there is no such team.
// The project's teams, or those `user_id` is a member of.
std::vector<store::Team> list_teams(store::Store& store, const std::string& project_id,
                                    const std::optional<std::string>& user_id);
store::Team get_team(store::Store& store, const std::string& project_id,
                     const std::string& team_id);
store::Team update_team(store::Store& store, const std::string& project_id,
                        const std::string& team_id, const TeamInput& in);
void delete_team(store::Store& store, const std::string& project_id, const std::string& team_id);

// §4.1: USER_NOT_FOUND, TEAM_NOT_FOUND, TEAM_MEMBERSHIP_ALREADY_EXISTS, then
// the member joins with the project's member default permissions.
void add_team_member(store::Store& store, const Clock& clock, const store::Project& project,
                     const std::string& team_id, const std::string& user_id);
// §4.2 (after the caller's access checks): USER_NOT_FOUND,
// TEAM_MEMBERSHIP_NOT_FOUND; also clears the team as the user's selection.
void remove_team_member(store::Store& store, const std::string& project_id,
                        const std::string& team_id, const std::string& user_id);

// §5: {team_id, user_id, display_name, profile_image_url} plus, in the
// server shape, `user` (the server user object).
Json member_profile_view(const store::TeamMember& m, const store::User& u, bool server_shape,
                         const UserViewContext& view);
// The profile of a member (USER_NOT_FOUND / TEAM_MEMBERSHIP_NOT_FOUND).
Json get_member_profile(store::Store& store, const UserViewContext& view,
                        const std::string& project_id, const std::string& team_id,
                        const std::string& user_id, bool server_shape);
// Profiles by join time; each filter optional (unchecked here).
Json list_member_profiles(store::Store& store, const UserViewContext& view,
                          const std::string& project_id, const std::optional<std::string>& team_id,
                          const std::optional<std::string>& user_id, bool server_shape);
struct MemberProfileInput {
  std::optional<std::string> display_name;
  std::optional<std::optional<std::string>> profile_image_url;
};
Json update_member_profile(store::Store& store, const UserViewContext& view,
                           const std::string& project_id, const std::string& team_id,
                           const std::string& user_id, const MemberProfileInput& in,
                           bool server_shape);

// users.md §7 steps 7–8 for a user about to be created: the project's
// user_default_permissions and, with create_team_on_sign_up, a personal team
// ("<display_name>'s Team", else "<primary_email>'s Team", else
// "Personal Team") with the creator default permissions. Throws
// PERMISSION_NOT_FOUND / WRONG_PERMISSION_SCOPE for a bad default id.
store::NewUserExtras new_user_extras(store::Store& store, const store::Project& project,
                                     const store::User& u);

}  // namespace latchkey::core
