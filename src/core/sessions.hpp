// Sessions (tokens.md §6–§7): the one place where a sign-in becomes a
// refresh-token row plus an access token, and where refresh tokens are
// exchanged for new access tokens. Every sign-in path (password, OTP, MFA,
// passkey, OAuth, anonymous, POST /auth/sessions) goes through here.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/activity.hpp"
#include "core/client_version.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/token_claims.hpp"
#include "core/tokens.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// Default refresh-token lifetime: 365 days.
inline constexpr int64_t kRefreshTokenLifetimeMillis = 365LL * 24 * 3600 * 1000;

// Latchkey's per-project switch for POST /auth/anonymous/sign-up, kept in the
// project config document but not part of Stack's REST view (the reference
// hard-codes the projects instead, auth-endpoints.md §7). Absent = off; the
// internal project is seeded with it on.
inline constexpr const char* kAnonymousSignUpEnabled = "anonymous_sign_up_enabled";
bool anonymous_sign_up_enabled(const Json& project_config);

// Who is using the session, recorded on every access-token issuance, and
// the claims its access tokens carry.
struct ClientInfo {
  std::string ip;
  std::string user_agent;
  ApiShape api_shape = ApiShape::kReference;
};

struct SessionOptions {
  int64_t expires_in_millis = kRefreshTokenLifetimeMillis;
  bool is_impersonation = false;
};

struct IssuedSession {
  std::string session_id;
  std::string refresh_token;  // returned once; only its digest is stored
  std::string access_token;
};

struct SessionServices {
  store::Store& store;
  const TokenService& tokens;
  const Clock& clock;
  // Where each issuance is recorded (written behind, not by the request).
  ActivityRecorder& activity;
  // What access tokens say about their users, kept in memory so that a
  // refresh reads nothing for it; nullptr reads the user from `store` at
  // each issuance.
  TokenClaimsCache* claims = nullptr;
};

// A session row made ready before it is written, and its refresh token
// (returned once; only its digest is in the row). Sign-up writes the row in
// the new user's transaction, then issues the session.
struct PendingSession {
  store::Session row;
  std::string refresh_token;
};
PendingSession prepare_session(const SessionServices& s, const std::string& project_id,
                               const std::string& user_id, const SessionOptions& options);
// Once the row is written: the first access token, and the use recorded.
IssuedSession issue_session(const SessionServices& s, const PendingSession& pending,
                            const std::string& branch_id, const ClientInfo& client);

// Creates a session for an existing user and issues its first access token
// (refreshTokenId = the session id), recording the use. No MFA check: for
// POST /auth/sessions and anonymous sign-up. Throws USER_ID_DOES_NOT_EXIST if
// the user vanished.
IssuedSession create_session(const SessionServices& s, const std::string& project_id,
                             const std::string& branch_id, const std::string& user_id,
                             const SessionOptions& options, const ClientInfo& client);

// The end of every interactive sign-in (password sign-in and sign-up, OTP,
// passkey, OAuth code exchange): the MFA trigger of auth-endpoints.md §0.3
// (a user with requires_totp_mfa gets no session but an MFA attempt code,
// thrown as MULTI_FACTOR_AUTHENTICATION_REQUIRED; `is_new_user` is carried in
// the code to the MFA sign-in), then create_session with the default lifetime.
IssuedSession sign_in(const SessionServices& s, const std::string& project_id,
                      const std::string& branch_id, const store::User& user,
                      const ClientInfo& client, bool is_new_user = false);

// What a session row stores of its refresh token, and what it is found by.
std::string refresh_token_digest(std::string_view refresh_token);

// The session whose refresh token is `refresh_token`, as stored (in any
// project, expired or not): what refresh_access_token is given.
std::optional<store::Session> find_session_by_refresh_token(const SessionServices& s,
                                                            std::string_view refresh_token);

// Whether `session` is live in `project_id`: of that project, not expired.
bool is_live_session(const SessionServices& s, const store::Session& session,
                     const std::string& project_id);

// Looks up the session of `refresh_token`; nullopt when there is none in
// `project_id` or it has expired (tokens.md §6).
std::optional<store::Session> find_live_session(const SessionServices& s,
                                                const std::string& project_id,
                                                std::string_view refresh_token);

// A new access token for `session`, the row of the refresh token presented
// (find_session_by_refresh_token, or read by the caller beforehand; nullopt:
// no row has its digest): same session id, the refresh token is not rotated;
// records the use. Throws REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED unless the
// session is live in `project_id`. Reads nothing.
// A user's sessions, oldest first.
std::vector<store::Session> list_user_sessions(const SessionServices& s,
                                               const std::string& project_id,
                                               const std::string& user_id);
std::optional<store::Session> find_session(const SessionServices& s, const std::string& project_id,
                                           const std::string& session_id);
// Signs the session out (its refresh token stops working); false when none.
bool end_session(const SessionServices& s, const std::string& project_id,
                 const std::string& session_id);

std::string refresh_access_token(const SessionServices& s, const std::string& project_id,
                                 const std::string& branch_id,
                                 const std::optional<store::Session>& session,
                                 const ClientInfo& client);

}  // namespace latchkey::core
