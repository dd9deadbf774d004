// Users and their primary e-mail contact channel.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "store/session_store.hpp"
#include "store/team_store.hpp"
#include "store/webhook_store.hpp"

namespace latchkey::store {

// One OAuth account of a user (OAuthStore holds the rest of it).
struct UserOAuthProvider {
  std::string provider_id;  // e.g. "github"
  std::string account_id;   // the provider's id of the account
  std::optional<std::string> email;
};

struct User {
  std::string id;
  std::string project_id;
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
  Json client_metadata;            // null when unset
  Json client_read_only_metadata;  // null when unset
  Json server_metadata;            // null when unset
  bool requires_totp_mfa = false;
  std::optional<std::string> totp_secret;  // raw bytes
  bool is_anonymous = false;
  int64_t created_at_millis = 0;
  int64_t last_active_at_millis = 0;
  std::optional<std::string> password_hash;
  // The primary e-mail contact channel, when there is one.
  std::optional<std::string> primary_email;
  bool primary_email_verified = false;
  bool primary_email_auth_enabled = false;
  bool otp_auth_enabled = false;
  // The selected team (teams.md §9), read only while the user is a member.
  std::optional<std::string> selected_team_id;
  std::optional<Team> selected_team;
  bool passkey_auth_enabled = false;  // the user has a passkey (PasskeyStore)
  // The OAuth accounts linked to the user (users.md §2: oauth_providers),
  // oldest first. On create_user, the accounts to link with the new user.
  std::vector<UserOAuthProvider> oauth_providers;
  // Restricted by an administrator (users.md, Stack's later API), with a
  // reason the user may see and details only servers see.
  bool restricted_by_admin = false;
  std::optional<std::string> restricted_by_admin_reason;
  std::optional<std::string> restricted_by_admin_private_details;
  // The sign-up's country (ISO 3166-1 alpha-2) and risk scores (0-100), as
  // a server set them.
  std::optional<std::string> country_code;
  int64_t risk_score_bot = 0;
  int64_t risk_score_free_trial_abuse = 0;
};

enum class CreateUserStatus {
  kCreated,
  kEmailInUse,
  kOAuthAccountInUse,  // an oauth_providers entry is already linked to a user
};

// Written in the same transaction as a new user (users.md §7 steps 7–8).
struct NewUserExtras {
  // Direct project permissions (the project's user_default_permissions).
  std::vector<std::string> project_permission_ids;
  // create_team_on_sign_up: a team with the user as its creator, holding
  // these direct team permissions, selected for the user.
  struct PersonalTeam {
    std::string id;
    std::string display_name;
    std::vector<std::string> creator_permission_ids;
  };
  std::optional<PersonalTeam> personal_team;
  // Sign-up: the user's first session, so that a sign-up either creates the
  // user and its session or nothing.
  std::optional<Session> first_session;
  // The webhook events of the creation (the outbox).
  WebhookEvents events;
};

// A change to one user (users.md §6 PATCH): each set member is written, an
// unset one is left alone. An inner nullopt clears the value.
struct UserUpdate {
  std::optional<std::optional<std::string>> display_name;
  std::optional<std::optional<std::string>> profile_image_url;
  std::optional<Json> client_metadata, client_read_only_metadata, server_metadata;
  // A value creates the primary e-mail channel or replaces its value in
  // place (keeping is_verified); nullopt deletes the channel.
  std::optional<std::optional<std::string>> primary_email;
  std::optional<bool> primary_email_verified;      // needs a primary channel
  std::optional<bool> primary_email_auth_enabled;  // needs a primary channel
  std::optional<std::optional<std::string>> password_hash;
  std::optional<bool> otp_auth_enabled;
  bool delete_passkey = false;  // PATCH passkey_auth_enabled: false
  // Also sets requires_totp_mfa to whether a secret is set.
  std::optional<std::optional<std::string>> totp_secret;
  std::optional<bool> is_anonymous;
  std::optional<std::optional<std::string>> selected_team_id;
  std::optional<bool> restricted_by_admin;
  std::optional<std::optional<std::string>> restricted_by_admin_reason;
  std::optional<std::optional<std::string>> restricted_by_admin_private_details;
  std::optional<std::optional<std::string>> country_code;
  std::optional<int64_t> risk_score_bot, risk_score_free_trial_abuse;
  bool delete_sessions = false;  // sign the user out everywhere
  int64_t now_millis = 0;        // creation time of a new e-mail channel
  // The webhook events of the change, built from the user as the update
  // left it (read back in the transaction); none when unset.
  std::function<WebhookEvents(const User&)> events;
};

enum class UpdateUserStatus {
  kUpdated,
  kNotFound,
  kEmailInUse,            // the address is used for auth by another channel
  kContactChannelExists,  // the user already has a non-primary channel with it
  kNotTeamMember,         // selected_team_id names a team the user is not in
};

// GET /users (users.md §5): ordered by (created_at, id).
struct ListUsersQuery {
  std::optional<int64_t> limit;       // rows to return; the store reads one more
  std::optional<std::string> cursor;  // first user of the page (inclusive)
  bool desc = false;
  std::optional<std::string> team_id;
  std::optional<std::string> text;     // case-insensitive substring filter
  std::optional<std::string> text_id;  // exact user id match for the filter
  // How the text filter finds its users: the store chooses (through the
  // search index when the index narrows the users to a few thousand, else
  // by walking the page order), or always one way (tests compare them). A
  // text of fewer than 3 characters, which no trigram index can look up,
  // is always walked.
  enum class Plan { kChoose, kIndex, kWalk };
  Plan plan = Plan::kChoose;
  // A walk for a page (a limit set) reads the page order in ranges of this
  // many users and stops after the range during which the budget ran out,
  // with the users it found and where it stopped (UserList::resume_at): a
  // text that (nearly) no user contains then answers within the budget
  // instead of walking a million users. Tests make both small.
  int64_t walk_range_users = 1024;
  int64_t walk_budget_millis = 30;
  // A team of at most this many members is listed from its members (read
  // and sorted); a larger one by walking the page order, where its members
  // are dense enough to fill a page soon.
  int64_t team_members_read_at_most = 10000;
};

// A list's users; resume_at, when the walk stopped at its budget before it
// found a page: the first user it did not read (the next page's cursor).
struct UserList {
  std::vector<User> users;
  std::optional<std::string> resume_at;
};

// How long GET /users?query= may search before it is stopped (SQLite).
constexpr int64_t kSearchTimeLimitMillis = 1000;

class UserStore {
 public:
  virtual ~UserStore() = default;
  // Inserts the user and, when primary_email is set, its primary e-mail
  // channel, and `extras`, in one transaction. kEmailInUse (nothing written)
  // when primary_email_auth_enabled and another user of the project already
  // signs in with that address.
  virtual CreateUserStatus create_user(const User& u, const NewUserExtras& extras) = 0;
  virtual std::optional<User> get_user(const std::string& project_id, const std::string& id) = 0;
  // The user whose e-mail channel `email` is used for auth in the project.
  virtual std::optional<User> find_user_by_auth_email(const std::string& project_id,
                                                      const std::string& email) = 0;
  // nullopt removes the password.
  virtual void set_password_hash(const std::string& project_id, const std::string& id,
                                 const std::optional<std::string>& hash) = 0;
  // Replaces the user's server_metadata.
  virtual void set_user_server_metadata(const std::string& project_id, const std::string& id,
                                        const Json& server_metadata) = 0;

  // Applies every change in one transaction; nothing is written unless the
  // status is kUpdated.
  virtual UpdateUserStatus update_user(const std::string& project_id, const std::string& id,
                                       const UserUpdate& update) = 0;
  // Deletes the user and everything it owns (the foreign keys cascade), with
  // the webhook events `events` builds from the teams the user was a member
  // of (oldest membership first), in one transaction.
  virtual bool delete_user(
      const std::string& project_id, const std::string& id,
      const std::function<WebhookEvents(const std::vector<std::string>&)>& events = nullptr) = 0;
  // Up to limit + 1 users (all when no limit), so the caller can tell whether
  // there is a next page; fewer, with resume_at, when a walk ran out of its
  // budget. An unknown cursor gives no rows. A text search runs under a
  // time limit (kSearchTimeLimitMillis; SQLite) and throws StatementTimedOut
  // past it.
  virtual UserList list_users(const std::string& project_id, const ListUsersQuery& query) = 0;
};

}  // namespace latchkey::store
