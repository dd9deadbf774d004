// OTP / magic-link sign-in: /auth/otp/send-sign-in-code, /auth/otp/sign-in
// and /auth/otp/sign-in/check-code (auth-endpoints.md §2).
#include "api/code_body.hpp"
#include "api/routes.hpp"
#include "core/errors.hpp"
#include "core/otp.hpp"
#include "core/sessions.hpp"

namespace latchkey::api {
namespace e = core::errors;

namespace {

// §2.1
Response send_sign_in_code(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto email = body.field("email").email(true, /*strict=*/true);
  auto callback_url = body.field("callback_url").url(true);
  body.reject_unknown();
  ctx.validate();

  bool legacy = core::expects_legacy_magic_link(ctx.req.headers.get("x-stack-client-version"));
  std::string nonce = core::send_sign_in_code(email_services(ctx), ctx.require_project(),
                                              ctx.branch_id, *email, *callback_url, legacy);
  return Response::json(200, Json{{"nonce", nonce}});
}

// Steps 1–7 of §0.1 for a sign-in code; codes of the same type that carry
// no e-mail (MFA attempt codes) are not sign-in codes.
std::pair<store::VerificationCode, std::string> check_sign_in_code(RequestContext& ctx,
                                                                   const std::string& code) {
  auto row = core::check_code(*ctx.app.store, *ctx.app.clock, ctx.require_project().id,
                              ctx.branch_id, core::CodeType::kOneTimePassword, code);
  auto email = core::otp_code_email(row);
  if (!email) throw e::verification_code_not_found();
  return {row, *email};
}

// §2.2
Response sign_in(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto code = read_code(body);
  body.reject_unknown();
  ctx.validate();

  const auto& project = ctx.require_project();
  auto [row, email] = check_sign_in_code(ctx, *code);
  core::mark_code_used(*ctx.app.store, *ctx.app.clock, row);  // consumed before anything else
  auto resolved = core::resolve_otp_user(*ctx.app.store, *ctx.app.clock, project, email);
  core::ClientInfo client = ctx.client();
  auto session =
      core::sign_in({*ctx.app.store, *ctx.app.tokens, *ctx.app.clock, *ctx.app.activity,
                     ctx.app.token_claims.get()},
                    project.id, ctx.branch_id, resolved.user, client, resolved.is_new_user);
  return Response::json(200, Json{{"access_token", session.access_token},
                                  {"refresh_token", session.refresh_token},
                                  {"user_id", resolved.user.id},
                                  {"is_new_user", resolved.is_new_user}});
}

// §2.3
Response check_code(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto code = read_code(body);
  body.reject_unknown();
  ctx.validate();
  check_sign_in_code(ctx, *code);
  return code_is_valid();
}

}  // namespace

void register_otp_routes(Router& r) {
  static const ObjectSpec send_body{{
      string_field("email").email().required().describe("Strict, as in password sign-up."),
      string_field("callback_url").url().required(),
  }};
  r.add(Method::kPost, "/auth/otp/send-sign-in-code", Access::client_plus(), send_sign_in_code,
        Runs::kLong,
        {.summary = "Send a magic link and one-time code by e-mail.",
         .body = &send_body,
         .errors = {"USER_EMAIL_ALREADY_EXISTS", "SIGN_UP_NOT_ENABLED",
                    "REDIRECT_URL_NOT_WHITELISTED", "TOO_MANY_REQUESTS"},
         .response = &shapes::otp_sent()});
  r.add(Method::kPost, "/auth/otp/sign-in", Access::client_plus(), sign_in, Runs::kDatabase,
        {.summary = "Sign in with a magic link's code (or the one-time code and nonce).",
         .body = &kCodeBody,
         .errors = code_errors({"MULTI_FACTOR_AUTHENTICATION_REQUIRED"}),
         .response = &shapes::sign_in()});
  r.add(Method::kPost, "/auth/otp/sign-in/check-code", Access::client_plus(), check_code,
        Runs::kDatabase,
        {.summary = "Check a sign-in code without using it.",
         .body = &kCodeBody,
         .errors = code_errors(),
         .response = &shapes::code_is_valid()});
}

}  // namespace latchkey::api
