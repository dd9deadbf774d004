// Who an OAuth identity signs in as (auth-endpoints.md §6.7): an existing
// link, a merge with the account that already signs in with the same
// e-mail (per the project's oauth_account_merge_strategy), a new user, or
// — for type=link — a link to the signed-in user.
#pragma once
#include <string>
#include <vector>

#include "core/oauth/flow.hpp"
#include "core/oauth/types.hpp"
#include "store/store.hpp"

namespace latchkey::core::oauth {

struct Identity {
  std::string provider_id;
  UserInfo info;
  // Provider tokens to keep for connected accounts, sealed, naming this
  // identity's account.
  std::vector<store::OAuthProviderToken> tokens;
};

struct ResolvedAccount {
  std::string user_id;
  bool new_user = false;
};

// type=authenticate. Throws SIGN_UP_NOT_ENABLED,
// CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE, or what user
// creation throws.
ResolvedAccount authenticate_identity(FlowServices& s, const store::Project& project,
                                      const Identity& identity);

// type=link. Throws USER_ALREADY_CONNECTED_TO_ANOTHER_OAUTH_CONNECTION,
// OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER, USER_NOT_FOUND.
ResolvedAccount link_identity(FlowServices& s, const store::Project& project,
                              const Identity& identity, const std::string& user_id);

// The rows to store for a token answer: the access token (expiring after
// expires_in, else the provider's default lifetime) and the refresh token,
// both with the granted scopes (else the requested ones), sealed.
std::vector<store::OAuthProviderToken> provider_token_rows(
    FlowServices& s, const std::string& project_id, const std::string& provider_id,
    const std::string& account_id, const TokenSet& tokens, const std::string& requested_scope,
    int64_t default_lifetime_seconds, bool include_refresh = true);

// The sealing context of an account's tokens.
std::string token_context(const std::string& project_id, const std::string& provider_id,
                          const std::string& account_id);

}  // namespace latchkey::core::oauth
