// The OAuth token endpoint's authorization_code grant, shared with
// auth_sessions.cpp, which owns POST /auth/oauth/token (auth-endpoints.md §6.4).
#pragma once
#include "api/routes.hpp"
#include "http/context.hpp"
#include "http/message.hpp"

namespace latchkey::api {

// grant_type=authorization_code: client authentication (client_secret may
// be omitted with a code_verifier), the code exchange and the token answer.
Response oauth_authorization_code_grant(RequestContext& ctx);

}  // namespace latchkey::api
