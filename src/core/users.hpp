// Users as the API shows them (users.md §2) and the one path by which every
// sign-up creates a user (users.md §7, auth-endpoints.md §0.4).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/activity.hpp"
#include "core/client_version.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// Why a user is restricted (Stack's `restricted_reason.type`, SDK 2.8.77 and
// later): a restricted user has signed in but is not through onboarding, and
// the SDK treats them as signed out unless the app asks for restricted
// users. In Stack's order of precedence.
enum class RestrictedReason {
  kAnonymous,                  // anonymous users always are
  kEmailNotVerified,           // the project requires a verified primary e-mail
  kRestrictedByAdministrator,  // an administrator restricted the user
};
std::string_view restricted_reason_type(RestrictedReason reason);

// Latchkey's project switch for Stack's `onboarding.requireEmailVerification`
// (set as `config.require_email_verification` by an admin PATCH, as Stack's
// dashboard does; absent = off): users without a verified primary e-mail are
// then restricted.
inline constexpr const char* kRequireEmailVerification = "require_email_verification";
bool requires_email_verification(const Json& project_config);

// Stack's rule, first match wins: anonymous, then an unverified e-mail when
// the project requires verification, then an administrator's restriction.
std::optional<RestrictedReason> restricted_reason(bool is_anonymous, bool primary_email_verified,
                                                  bool require_email_verification,
                                                  bool restricted_by_admin);
// The same for a stored user.
std::optional<RestrictedReason> restricted_reason(const store::User& u, const Json& project_config);

// What a user's read shape depends on besides the user: the project's
// configuration (restrictions), the activity not written yet and the
// revision of Stack's shapes the client reads.
struct UserViewContext {
  const Json& project_config;
  const ActivityRecorder& activity;
  ApiShape shape = ApiShape::kReference;
};

// The server/admin read shape (users.md §2.1) or the client one (§2.2);
// for ApiShape::kSdk plus the fields later SDKs read (restrictions from
// 2.8.77, country_code and risk_scores from 2.8.102).
// last_active_at_millis includes the activity not written yet.
Json user_view(const store::User& u, bool server_shape, const UserViewContext& view);
// The server shape of Stack's July 2025 API as its webhooks carry it (the
// `data` of user.created and user.updated).
Json user_event_view(const store::User& u);

// Trim and lower-case, as the users API stores addresses (§3.2).
std::string normalize_email(std::string_view email);

struct NewUser {
  std::optional<std::string> id;  // a random UUID when unset
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
  std::optional<std::string> primary_email;  // normalised by create_user
  bool primary_email_verified = false;
  bool primary_email_auth_enabled = false;
  std::optional<std::string> password_hash;
  bool otp_auth_enabled = false;
  bool is_anonymous = false;
  Json client_metadata, client_read_only_metadata, server_metadata;
  std::optional<std::string> totp_secret;
  // Server-set fields of Stack's later API (store::User).
  bool restricted_by_admin = false;
  std::optional<std::string> restricted_by_admin_reason, restricted_by_admin_private_details;
  std::optional<std::string> country_code;
  int64_t risk_score_bot = 0, risk_score_free_trial_abuse = 0;
  // OAuth accounts linked in the user's creation transaction.
  std::vector<store::UserOAuthProvider> oauth_providers;
  // A session written in the same transaction (sign-up: the user exists
  // with its first session, or not at all); create_user sets its user_id.
  std::optional<store::Session> first_session;
};

// Creates the user with its side effects. Throws USER_EMAIL_ALREADY_EXISTS
// when the address is already used for auth by another user.
store::User create_user(store::Store& store, const Clock& clock, const std::string& project_id,
                        NewUser n);

// Turns a plain password into the hash to store (runs on the hashing pool;
// may throw the 503 of a full queue).
using PasswordHashFn = std::function<std::string(std::string_view)>;

// An importable password hash: bcrypt in Modular Crypt Format ($2a$, $2b$ or
// $2y$, 60 characters) with a cost of 4 to 16 (users.md §3.2).
bool is_importable_password_hash(std::string_view hash);

// An OAuth account to link at creation (POST /users `oauth_providers`).
struct OAuthProviderLink {
  std::string id;  // provider id, e.g. "github"
  std::string account_id;
  std::optional<std::string> email;
};

// POST /users (users.md §7): the body beyond what NewUser holds.
struct CreateUserRequest {
  NewUser user;  // user.password_hash: an imported hash, if any
  std::optional<std::string> password;
  std::vector<OAuthProviderLink> oauth_providers;
};

// Runs the checks of users.md §7 against the project (plain-text 400s,
// USER_EMAIL_ALREADY_EXISTS), hashes the password and creates the user.
store::User create_user_from_api(store::Store& store, const Clock& clock,
                                 const store::Project& project, CreateUserRequest r,
                                 const PasswordHashFn& hash_password);

// A PATCH body (users.md §3, §6). Unset = untouched; an inner nullopt is an
// explicit null.
struct UserPatch {
  std::optional<std::optional<std::string>> display_name;
  std::optional<std::optional<std::string>> profile_image_url;
  std::optional<Json> client_metadata, client_read_only_metadata, server_metadata;
  std::optional<std::optional<std::string>> primary_email;
  std::optional<bool> primary_email_verified;
  std::optional<bool> primary_email_auth_enabled;
  std::optional<std::optional<std::string>> password;  // plain text
  std::optional<std::string> password_hash;            // imported bcrypt hash
  std::optional<bool> otp_auth_enabled;
  std::optional<bool> passkey_auth_enabled;
  std::optional<std::optional<std::string>> totp_secret;  // decoded bytes
  std::optional<bool> is_anonymous;
  std::optional<std::optional<std::string>> selected_team_id;
  // Lifting a restriction (false) also clears its reason and details.
  std::optional<bool> restricted_by_admin;
  std::optional<std::optional<std::string>> restricted_by_admin_reason;
  std::optional<std::optional<std::string>> restricted_by_admin_private_details;
  std::optional<std::optional<std::string>> country_code;
  std::optional<int64_t> risk_score_bot, risk_score_free_trial_abuse;
};

// PATCH /users/{id} and /users/me: checks in the order of users.md §6, then
// writes everything in one store transaction. Returns the updated user.
store::User update_user(store::Store& store, const Clock& clock, const store::Project& project,
                        const std::string& user_id, const UserPatch& p,
                        const PasswordHashFn& hash_password);

// The user as stored now (a request's signed-in user may come from a
// short-lived cache); nullopt when there is none.
std::optional<store::User> find_user(store::Store& store, const std::string& project_id,
                                     const std::string& user_id);
// Whether an e-mail address (normalised) signs a user of the project in.
bool auth_email_in_use(store::Store& store, const std::string& project_id,
                       const std::string& normalized_email);

// DELETE /users/{id}: USER_NOT_FOUND when there is no such user.
void delete_user(store::Store& store, const std::string& project_id, const std::string& user_id);

// GET /users (users.md §5).
struct UserListRequest {
  std::optional<int64_t> limit;
  std::optional<std::string> cursor;
  bool desc = false;
  std::optional<std::string> team_id;
  std::optional<std::string> query;
};
struct UserPage {
  std::vector<store::User> items;
  std::optional<std::string> next_cursor;
};
UserPage list_users(store::Store& store, const std::string& project_id, const UserListRequest& r);

}  // namespace latchkey::core
