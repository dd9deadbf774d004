// The REST API's routes: one registration function per resource family
// (src/api/*.cpp, mirroring the URL tree), all registered by register_routes.
#pragma once
#include "api/response_shapes.hpp"
#include "http/router.hpp"

namespace latchkey::api {

// Handlers are written in the http layer's vocabulary (RequestContext,
// Response, Router, the schema readers).
using namespace latchkey::http;

// Every route of the API, as the server serves them.
void register_routes(Router& r);

void register_root_routes(Router& r);
void register_project_routes(Router& r);
// Latchkey's per-project throttles (project_rate_limits.cpp).
void register_project_rate_limit_routes(Router& r);
void register_user_routes(Router& r);
void register_password_auth_routes(Router& r);
void register_session_routes(Router& r);
void register_otp_routes(Router& r);
void register_password_reset_routes(Router& r);
void register_contact_channel_routes(Router& r);
void register_email_routes(Router& r);
void register_oauth_routes(Router& r);
void register_mfa_routes(Router& r);
void register_passkey_routes(Router& r);
void register_team_routes(Router& r);
void register_team_permission_routes(Router& r);
void register_team_invitation_routes(Router& r);
// User and team API keys, and the revocation of leaked ones.
void register_api_key_routes(Router& r);
void register_cli_login_routes(Router& r);
// The Svix-compatible webhook management API under /svix.
void register_svix_routes(Router& r);
// GET /openapi.json, describing every route registered before it (and
// itself): register it last.
void register_openapi_route(Router& r);

}  // namespace latchkey::api
