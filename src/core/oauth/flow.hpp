// The outer OAuth flow (auth-endpoints.md §6.1–§6.5), Latchkey acting as the
// client's authorization server in front of a provider: authorize, the
// provider's callback, the code exchange, and provider access tokens for
// connected accounts. HTTP details (query parsing, cookies, redirects) are
// the handlers'; this is the logic and the store work.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/oauth/runtime.hpp"
#include "core/sessions.hpp"
#include "core/tokens.hpp"
#include "store/store.hpp"

namespace latchkey::core::oauth {

inline constexpr int64_t kOuterStateLifetimeMillis = 10LL * 60 * 1000;
inline constexpr int64_t kAuthorizationCodeLifetimeMillis = 5LL * 60 * 1000;
// Connected-account tokens closer than this to expiry are refreshed (§6.5).
inline constexpr int64_t kAccessTokenMinRemainingMillis = 5LL * 60 * 1000;

struct FlowServices {
  store::Store& store;
  const Clock& clock;  // the server clock (movable in test mode)
  const TokenService& tokens;
  Runtime& runtime;
  ActivityRecorder& activity;  // the sign-in's first token use
};

// The client's request to GET /auth/oauth/authorize, kept until the
// callback (stored as JSON in the outer state).
struct OuterRequest {
  std::string redirect_uri;
  std::string scope;
  std::string state;
  std::string code_challenge;
  std::string code_challenge_method;
  std::string response_type;
  std::optional<std::string> link_user_id;  // type=link: the signed-in user
  std::string provider_scope;
  std::optional<std::string> error_redirect_uri;
  std::optional<std::string> after_callback_redirect_url;

  Json to_json() const;
  static OuterRequest from_json(const Json& j);
};

struct AuthorizationStart {
  std::string location;     // the provider's authorization URL
  std::string inner_state;  // names the inner-state cookie
  int64_t expires_at_millis = 0;
  bool form_post = false;  // the provider calls back with a cross-site POST (Apple)
};

// §6.2 effects: resolves the provider (a configuration that cannot work is
// a plain-text 400), stores the outer request under a new inner state and
// PKCE verifier, and builds the provider URL.
AuthorizationStart start_authorization(FlowServices& s, const store::Project& project,
                                       const std::string& branch_id, const std::string& provider_id,
                                       const OuterRequest& outer);

// §6.3 step 2: the outer state of `inner_state`, consumed (single use).
std::optional<store::OAuthOuterState> take_outer_state(store::Store& store,
                                                       std::string_view inner_state);

// Where known errors of the callback are sent (step 3): the error redirect
// URL when one was given and the project trusts it.
std::optional<std::string> error_redirect_target(store::Store& store,
                                                 const store::OAuthOuterState& state);
// <target>?errorCode=<CODE>&message=<message>&details=<JSON>
std::string error_redirect_location(const std::string& target, const KnownError& error);

// §6.3 steps 4–12 for a consumed outer state; `params` merges the callback's
// query and form body. Returns the client redirect (303) location.
std::string complete_callback(FlowServices& s, const store::OAuthOuterState& state,
                              std::string_view provider_id, const Json& params);

// RFC 6749 §5.2 `invalid_request` of the token endpoint (not a known error).
class OAuthRequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CodeExchange {
  std::string project_id;  // the authenticated client's
  std::string branch_id;
  std::string code;
  std::optional<std::string> redirect_uri;
  std::optional<std::string> code_verifier;
};

struct ExchangeResult {
  IssuedSession session;
  bool new_user = false;
  std::optional<std::string> after_callback_redirect_url;
};

// §6.4 grant_type=authorization_code after client authentication:
// INVALID_AUTHORIZATION_CODE, the code consumed, the redirect check
// (OAuthRequestError / REDIRECT_URL_NOT_WHITELISTED), then sign-in with the
// MFA trigger.
ExchangeResult exchange_authorization_code(FlowServices& s, const CodeExchange& x,
                                           const ClientInfo& client);

// §6.5: a provider access token of `user_id`'s account at `provider_id`
// covering `scope`, refreshed at the provider when needed.
std::string connected_account_access_token(FlowServices& s, const store::Project& project,
                                           const std::string& user_id,
                                           const std::string& provider_id,
                                           const std::optional<std::string>& scope);

// PKCE (RFC 7636 §4.6): S256 compares base64url(SHA-256(verifier)), plain
// compares the verifier itself; constant time.
bool pkce_matches(std::string_view method, std::string_view challenge, std::string_view verifier);

}  // namespace latchkey::core::oauth
