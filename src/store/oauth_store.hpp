// OAuth (auth-endpoints.md §6): accounts at third-party providers linked to
// users, the provider tokens kept for connected accounts, the outer flow's
// state between authorize and callback, and the authorization codes the
// callback hands to the client.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"

namespace latchkey::store {

// What GET /auth/oauth/authorize remembers until the provider calls back,
// keyed by a digest of the inner state (the state sent to the provider).
struct OAuthOuterState {
  std::string state_digest;  // sha256 hex of the inner state
  std::string project_id;
  std::string branch_id;
  std::string provider_id;
  std::string code_verifier;         // the inner PKCE verifier (sent to the provider)
  std::optional<std::string> nonce;  // OpenID nonce sent to the provider, if any
  Json info;                         // the client's (outer) request, see core/oauth/flow
  int64_t created_at_millis = 0;
  int64_t expires_at_millis = 0;
};

// An account at a provider, linked to a user. Keyed by (project, provider,
// provider account id): an identity signs in at most one user.
struct OAuthAccount {
  std::string project_id;
  std::string provider_id;
  std::string provider_account_id;
  std::string user_id;
  std::optional<std::string> email;
  int64_t created_at_millis = 0;
};

enum class OAuthTokenKind { kAccess, kRefresh };

// How both engines store a token's kind and scopes (one text column each):
// "access"/"refresh", and scopes joined by single spaces.
const char* token_kind_name(OAuthTokenKind kind);
OAuthTokenKind parse_token_kind(std::string_view name);
std::string join_scopes(const std::vector<std::string>& scopes);
std::vector<std::string> split_scopes(const std::string& text);

// A token the provider issued for an account (connected accounts, §6.5).
// `token` is opaque to the store (core encrypts it before it gets here).
struct OAuthProviderToken {
  std::string id;
  std::string project_id;
  std::string provider_id;
  std::string provider_account_id;
  OAuthTokenKind kind = OAuthTokenKind::kAccess;
  std::string token;
  std::vector<std::string> scopes;
  std::optional<int64_t> expires_at_millis;  // access tokens
  int64_t created_at_millis = 0;
};

// The outer authorization code (§6.3 step 11), stored as a digest.
struct OAuthAuthorizationCode {
  std::string code_digest;  // sha256 hex
  std::string project_id;
  std::string branch_id;
  std::string user_id;
  std::string redirect_uri;
  std::string code_challenge;
  std::string code_challenge_method;  // "S256" or "plain"
  bool new_user = false;
  std::optional<std::string> after_callback_redirect_url;
  int64_t created_at_millis = 0;
  int64_t expires_at_millis = 0;
};

enum class LinkOAuthAccountStatus {
  kLinked,                 // a new link was written (and the tokens)
  kAlreadyLinked,          // the identity was already this user's (tokens written)
  kLinkedToAnotherUser,    // the identity belongs to someone else; nothing written
  kUserHasAnotherAccount,  // exclusive: the user has another account of this provider
  kUserNotFound,
};

class OAuthStore {
 public:
  virtual ~OAuthStore() = default;

  // Inserts the state; in the same transaction removes states that expired
  // before `purge_expired_before_millis`.
  virtual void insert_outer_state(const OAuthOuterState& s,
                                  int64_t purge_expired_before_millis) = 0;
  // Deletes and returns the state (single use); nullopt when there is none.
  virtual std::optional<OAuthOuterState> take_outer_state(const std::string& state_digest) = 0;

  virtual std::optional<OAuthAccount> find_oauth_account(
      const std::string& project_id, const std::string& provider_id,
      const std::string& provider_account_id) = 0;
  // Oldest first.
  virtual std::vector<OAuthAccount> list_user_oauth_accounts(const std::string& project_id,
                                                             const std::string& user_id) = 0;

  // One transaction: links `account` to account.user_id and adds `tokens`
  // (which must name that account). With `exclusive`, a user who already
  // has a different account of the same provider is refused.
  virtual LinkOAuthAccountStatus link_oauth_account(const OAuthAccount& account, bool exclusive,
                                                    const std::vector<OAuthProviderToken>& tokens,
                                                    int64_t now_millis) = 0;

  // Adds tokens of existing accounts; in the same transaction removes the
  // accounts' access tokens that expired before `now_millis`. Tokens whose
  // account vanished are skipped.
  virtual void add_provider_tokens(const std::vector<OAuthProviderToken>& tokens,
                                   int64_t now_millis) = 0;
  // Every token of the account, newest first.
  virtual std::vector<OAuthProviderToken> list_provider_tokens(
      const std::string& project_id, const std::string& provider_id,
      const std::string& provider_account_id) = 0;
  // Removes one token (a refresh token the provider rotated or revoked).
  virtual void delete_provider_token(const std::string& project_id, const std::string& id) = 0;

  // Inserts the code; in the same transaction removes codes that expired
  // before `purge_expired_before_millis`.
  virtual void insert_authorization_code(const OAuthAuthorizationCode& code,
                                         int64_t purge_expired_before_millis) = 0;
  virtual std::optional<OAuthAuthorizationCode> get_authorization_code(
      const std::string& code_digest) = 0;
  // False when the code was already gone (used by a concurrent request).
  virtual bool delete_authorization_code(const std::string& code_digest) = 0;
};

}  // namespace latchkey::store
