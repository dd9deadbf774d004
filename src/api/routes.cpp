#include "api/routes.hpp"

namespace latchkey::api {

void register_routes(Router& r) {
  register_root_routes(r);
  register_project_routes(r);
  register_project_rate_limit_routes(r);
  register_user_routes(r);
  register_password_auth_routes(r);
  register_session_routes(r);
  register_otp_routes(r);
  register_password_reset_routes(r);
  register_contact_channel_routes(r);
  register_email_routes(r);
  register_oauth_routes(r);
  register_mfa_routes(r);
  register_passkey_routes(r);
  register_team_routes(r);
  register_team_permission_routes(r);
  register_team_invitation_routes(r);
  register_api_key_routes(r);
  register_cli_login_routes(r);
  register_svix_routes(r);
  register_openapi_route(r);  // last: its document lists the routes above
}

}  // namespace latchkey::api
