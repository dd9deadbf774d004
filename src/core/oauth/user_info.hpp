// Each provider's user-info answer(s) mapped to UserInfo (auth-endpoints.md
// §6.6). Pure functions over the parsed JSON, so every mapping is
// unit-tested against sample answers. Throw ProviderError(kFailed) when the
// answer has no usable account id.
#pragma once
#include "core/json.hpp"
#include "core/oauth/types.hpp"

namespace latchkey::core::oauth {

// OpenID Connect standard claims (userinfo or ID token): sub, name,
// preferred_username, email, email_verified, picture. Google, LinkedIn and
// the generic OIDC provider answer with these.
UserInfo map_openid_claims(const Json& claims);
UserInfo map_google(const Json& userinfo);
UserInfo map_linkedin(const Json& userinfo);
// GET /user and GET /user/emails: the primary address and its verified flag.
UserInfo map_github(const Json& user, const Json& emails);
// Graph /me?fields=id,name,email,picture. Throws kMissingEmail without email.
UserInfo map_facebook(const Json& me);
// Graph /v1.0/me: mail or userPrincipalName, never verified.
UserInfo map_microsoft(const Json& me);
UserInfo map_spotify(const Json& me);
UserInfo map_discord(const Json& me);
// GET /api/v4/user and /api/v4/user/emails: verified iff confirmed.
UserInfo map_gitlab(const Json& user, const Json& emails);
// GET /2.0/user and /2.0/user/emails.
UserInfo map_bitbucket(const Json& user, const Json& emails);
// The ID token's claims, plus the `user` form field Apple posts on the
// first sign-in only ({"name": {"firstName", "lastName"}, ...}; may be null).
UserInfo map_apple(const Json& id_token_claims, const Json& user_field);
// GET /2/users/me: never an e-mail.
UserInfo map_x(const Json& me);
// Helix GET /users: {"data": [{...}]}.
UserInfo map_twitch(const Json& users);
// Stack's mock OAuth server (userinfo): the subject is the e-mail address,
// verified.
UserInfo map_mock(const Json& userinfo);

}  // namespace latchkey::core::oauth
