// Password reset: /auth/password/send-reset-code, /auth/password/reset and
// /auth/password/reset/check-code (auth-endpoints.md §1.3–§1.5).
#include <algorithm>
#include <chrono>

#include "api/code_body.hpp"
#include "api/routes.hpp"
#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/password_reset.hpp"

namespace latchkey::api {
namespace e = core::errors;

namespace {

constexpr size_t kMaxPasswordLength = 70;

void require_credential_enabled(const store::Project& p) {
  if (!p.config.value("credential_enabled", true)) throw e::password_authentication_not_enabled();
}

// §1.3
Response send_reset_code(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto email = body.field("email").email(true);
  auto callback_url = body.field("callback_url").url(true);
  body.reject_unknown();
  ctx.validate();

  const auto& project = ctx.require_project();
  require_credential_enabled(project);
  // Known and unknown addresses get the same answer at the same time: the
  // e-mail leaves in the background (core::send_password_reset_code), and
  // the answer waits on a timer, not on this worker, for what is left.
  const auto answer_at = std::chrono::steady_clock::now() + core::kPasswordResetAnswerTime;
  core::send_password_reset_code(email_services(ctx), project, ctx.branch_id, *email, *callback_url,
                                 answer_at);
  Response r = Response::json(200, Json{{"success", "maybe, only if user with e-mail exists"}});
  r.send_delay_millis = std::max<int64_t>(
      0, std::chrono::ceil<std::chrono::milliseconds>(answer_at - std::chrono::steady_clock::now())
             .count());
  return r;
}

// §1.4
Response reset(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto code = read_code(body);
  auto password = body.field("password").string(true, kMaxPasswordLength);
  body.reject_unknown();
  ctx.validate();

  auto& hasher = *ctx.app.hasher;
  core::reset_password(*ctx.app.store, *ctx.app.clock, ctx.require_project(), ctx.branch_id, *code,
                       *password, js_length(*password),
                       [&hasher](std::string_view p) { return hasher.hash(p); });
  return Response::json(200, Json{{"success", true}});
}

// §1.5
Response check_code(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto code = read_code(body);
  body.reject_unknown();
  ctx.validate();
  core::check_code(*ctx.app.store, *ctx.app.clock, ctx.require_project().id, ctx.branch_id,
                   core::CodeType::kPasswordReset, *code);
  return code_is_valid();
}

}  // namespace

void register_password_reset_routes(Router& r) {
  static const ObjectSpec send_body{{
      string_field("email").email().required(),
      string_field("callback_url").url().required(),
  }};
  static const ObjectSpec reset_body{{
      code_field(),
      string_field("password").max(kMaxPasswordLength).required(),
  }};
  // May wait for the background send until its answer time.
  r.add(Method::kPost, "/auth/password/send-reset-code", Access::client_plus(), send_reset_code,
        Runs::kLong,
        {.summary = "Send a password-reset link (the same answer whether the address is known).",
         .body = &send_body,
         .errors = {"PASSWORD_AUTHENTICATION_NOT_ENABLED", "REDIRECT_URL_NOT_WHITELISTED",
                    "TOO_MANY_REQUESTS"},
         .response = &shapes::reset_code_sent()});
  r.add(Method::kPost, "/auth/password/reset", Access::client_plus(), reset, Runs::kLong,
        {.summary = "Set a new password with a reset code.",
         .body = &reset_body,
         .errors = code_errors({"PASSWORD_AUTHENTICATION_NOT_ENABLED", "PASSWORD_TOO_SHORT"}),
         .response = &shapes::success()});
  r.add(Method::kPost, "/auth/password/reset/check-code", Access::client_plus(), check_code,
        Runs::kDatabase,
        {.summary = "Check a reset code without using it.",
         .body = &kCodeBody,
         .errors = code_errors(),
         .response = &shapes::code_is_valid()});
}

}  // namespace latchkey::api
