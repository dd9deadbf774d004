// Teams, their members (with per-team profile overrides), the selected team
// of a user and pending team invitations (teams.md §2–§5, §8, §9).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "store/webhook_store.hpp"

namespace latchkey::store {

struct Team {
  std::string id;
  std::string project_id;
  std::string display_name;
  std::optional<std::string> profile_image_url;
  Json client_metadata;            // null when unset
  Json client_read_only_metadata;  // null when unset
  Json server_metadata;            // null when unset
  int64_t created_at_millis = 0;
};

// A membership. The display name and image are the member's overrides for
// this team (null = show the user's own).
struct TeamMember {
  std::string project_id;
  std::string team_id;
  std::string user_id;
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
  int64_t created_at_millis = 0;
};

// Who joins a team, with the direct team permissions granted on joining.
struct NewTeamMember {
  std::string user_id;
  std::vector<std::string> permission_ids;
  int64_t created_at_millis = 0;
};

// A change to a team: each set member is written. An inner nullopt clears
// the image.
struct TeamUpdate {
  std::optional<std::string> display_name;
  std::optional<std::optional<std::string>> profile_image_url;
  std::optional<Json> client_metadata, client_read_only_metadata, server_metadata;
};

// A change to a member's profile overrides.
struct TeamMemberUpdate {
  std::optional<std::string> display_name;
  std::optional<std::optional<std::string>> profile_image_url;
};

// A pending invitation: a team-invitation verification code (its row id is
// the invitation id) that is neither used nor expired.
struct TeamInvitation {
  std::string id;
  std::string team_id;
  std::string recipient_email;
  int64_t expires_at_millis = 0;
};

enum class CreateTeamStatus { kCreated, kUserNotFound };
enum class AddMemberStatus { kAdded, kUserNotFound, kTeamNotFound, kAlreadyMember };
enum class AcceptInvitationStatus {
  kJoined,         // code used, user added with the permissions given
  kAlreadyMember,  // code used, nothing else changed
  kCodeUsed,       // another request used the code first: nothing written
  kTeamNotFound,   // the team is gone: nothing written
  kUserNotFound,   // the user is gone: nothing written
};

// Every write that changes teams or memberships takes the webhook events
// (the outbox) it emits and writes them in its transaction, only when the
// write happens.
class TeamStore {
 public:
  virtual ~TeamStore() = default;

  // Inserts the team and, when `creator` is set, its membership and direct
  // permissions, in one transaction. kUserNotFound (nothing written) when
  // the creator does not exist.
  virtual CreateTeamStatus create_team(const Team& team,
                                       const std::optional<NewTeamMember>& creator,
                                       const WebhookEvents& events = {}) = 0;
  virtual std::optional<Team> get_team(const std::string& project_id,
                                       const std::string& team_id) = 0;
  // Ordered by creation (created_at, then insertion order); with `user_id`,
  // only the teams that user is a member of.
  virtual std::vector<Team> list_teams(const std::string& project_id,
                                       const std::optional<std::string>& user_id) = 0;
  // False when there is no such team. `events` builds the events from the
  // team as updated.
  virtual bool update_team(const std::string& project_id, const std::string& team_id,
                           const TeamUpdate& update,
                           const std::function<WebhookEvents(const Team&)>& events = nullptr) = 0;
  // Deletes the team with its memberships and their permissions, its
  // pending invitations, and clears it as anyone's selected team, in one
  // transaction. False when there is no such team.
  virtual bool delete_team(const std::string& project_id, const std::string& team_id,
                           const WebhookEvents& events = {}) = 0;

  // Adds the member with its direct permissions in one transaction, after
  // checking (in this order) that the user and the team exist and that the
  // user is not a member yet; nothing is written unless kAdded.
  virtual AddMemberStatus add_member(const std::string& project_id, const std::string& team_id,
                                     const NewTeamMember& member,
                                     const WebhookEvents& events = {}) = 0;
  virtual std::optional<TeamMember> get_member(const std::string& project_id,
                                               const std::string& team_id,
                                               const std::string& user_id) = 0;
  // Ordered by join time (created_at, then insertion order); each filter
  // optional.
  virtual std::vector<TeamMember> list_members(const std::string& project_id,
                                               const std::optional<std::string>& team_id,
                                               const std::optional<std::string>& user_id) = 0;
  // Deletes the membership and its direct permissions and clears the team
  // as the user's selected team, in one transaction. False when the user is
  // not a member.
  virtual bool remove_member(const std::string& project_id, const std::string& team_id,
                             const std::string& user_id, const WebhookEvents& events = {}) = 0;
  // False when the user is not a member.
  virtual bool update_member(const std::string& project_id, const std::string& team_id,
                             const std::string& user_id, const TeamMemberUpdate& update) = 0;

  // The team, if the user is a member of it (what a user's selected team
  // resolves to).
  virtual std::optional<Team> get_team_of_member(const std::string& project_id,
                                                 const std::string& team_id,
                                                 const std::string& user_id) = 0;

  // Pending invitations of the team (unused, expires_at >= now), oldest
  // first.
  virtual std::vector<TeamInvitation> list_invitations(const std::string& project_id,
                                                       const std::string& branch_id,
                                                       const std::string& team_id,
                                                       int64_t now_millis) = 0;
  // Deletes a pending invitation of the team; false when `invitation_id` is
  // not one.
  virtual bool delete_invitation(const std::string& project_id, const std::string& branch_id,
                                 const std::string& team_id, const std::string& invitation_id,
                                 int64_t now_millis) = 0;
  // Marks the invitation code used and adds the user to the team (unless
  // already a member) with `member.permission_ids`, in one transaction;
  // `events` are written when the user joined (kJoined).
  virtual AcceptInvitationStatus accept_invitation(const std::string& project_id,
                                                   const std::string& code_id,
                                                   const std::string& team_id,
                                                   const NewTeamMember& member, int64_t now_millis,
                                                   const WebhookEvents& events = {}) = 0;
};

}  // namespace latchkey::store
