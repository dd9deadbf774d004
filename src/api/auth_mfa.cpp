// MFA sign-in: POST /auth/mfa/sign-in (auth-endpoints.md §4), which turns an
// MFA attempt code and a TOTP code into a session.
#include "api/code_body.hpp"
#include "api/routes.hpp"
#include "core/mfa.hpp"

namespace latchkey::api {

namespace {

Response sign_in(RequestContext& ctx) {
  auto body = ctx.body_reader();
  if (!body.valid()) ctx.validate();  // yup: no field checks inside a missing body
  auto code = read_code(body);
  body.field("type").one_of(true, {"totp"});
  auto totp = body.field("totp").string(true);
  body.reject_unknown();
  ctx.validate();

  core::ClientInfo client = ctx.client();
  const auto& project = ctx.require_project();
  auto done = core::complete_mfa_sign_in({*ctx.app.store, *ctx.app.tokens, *ctx.app.clock,
                                          *ctx.app.activity, ctx.app.token_claims.get()},
                                         *ctx.app.rate_limits, {project.id, project.config},
                                         ctx.branch_id, *code, *totp, client);
  return Response::json(200, Json{{"access_token", done.session.access_token},
                                  {"refresh_token", done.session.refresh_token},
                                  {"user_id", done.user_id},
                                  {"is_new_user", done.is_new_user}});
}

}  // namespace

void register_mfa_routes(Router& r) {
  static const ObjectSpec body{{
      code_field().describe(
          "The attempt code of the MULTI_FACTOR_AUTHENTICATION_REQUIRED error's details."),
      one_of_field("type", {"totp"}).required(),
      string_field("totp").required().describe("The authenticator app's current code."),
  }};
  r.add(Method::kPost, "/auth/mfa/sign-in", Access::client_plus(), sign_in, Runs::kDatabase,
        {.summary = "Complete a sign-in that needs a second factor.",
         .body = &body,
         .errors = code_errors({"INVALID_TOTP_CODE", "TOO_MANY_REQUESTS"}),
         .response = &shapes::sign_in()});
}

}  // namespace latchkey::api
