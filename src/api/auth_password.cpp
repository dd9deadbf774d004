// Password authentication: /auth/password/sign-up, sign-in, update and set
// (auth-endpoints.md §1.1, §1.2, §1.6, §1.7).
#include <spdlog/spdlog.h>

#include "api/routes.hpp"
#include "core/contact_channels.hpp"
#include "core/errors.hpp"
#include "core/passwords.hpp"
#include "core/sessions.hpp"
#include "core/trusted_urls.hpp"
#include "core/users.hpp"

namespace latchkey::api {
namespace e = core::errors;

namespace {

constexpr size_t kMaxPasswordLength = 70;  // the schema's limit (errors.md PASSWORD_TOO_LONG)
constexpr size_t kMinPasswordLength = 8;

core::SessionServices services(RequestContext& ctx) {
  return {*ctx.app.store, *ctx.app.tokens, *ctx.app.clock, *ctx.app.activity,
          ctx.app.token_claims.get()};
}

void require_credential_enabled(const store::Project& p) {
  if (!p.config.value("credential_enabled", true)) throw e::password_authentication_not_enabled();
}

void require_min_length(std::string_view password) {
  if (js_length(password) < kMinPasswordLength) throw e::password_too_short(kMinPasswordLength);
}

Response sign_in_body(const core::IssuedSession& s, const std::string& user_id) {
  return Response::json(200, Json{{"access_token", s.access_token},
                                  {"refresh_token", s.refresh_token},
                                  {"user_id", user_id}});
}

// The user as stored now: the signed-in user of the request may come from a
// short-lived cache, and password changes must decide on fresh data.
store::User fresh_user(RequestContext& ctx) {
  auto u = core::find_user(*ctx.app.store, ctx.require_project().id, ctx.user->id);
  if (!u) {
    // Deleted since the request began: the request is signed out.
    ctx.user.reset();
    ctx.require_user_schema();
    ctx.validate();  // throws the "auth.user must be defined" SCHEMA_ERROR
    throw std::logic_error("validate() did not throw");
  }
  return *u;
}

// Sign-up's verification e-mail (auth-endpoints.md §1.1, "after responding"):
// an e-mail-verification code and "Verify your email at <project>", created
// and sent on the mailer's background threads, so neither a slow SMTP server
// (beyond core::kSignUpMailWait) nor a delivery failure reaches the sign-up
// response.
void send_sign_up_verification_email(RequestContext& ctx, const store::User& user,
                                     std::string_view email, std::string_view callback_url) {
  core::send_sign_up_verification_email({*ctx.app.store, *ctx.app.clock, *ctx.app.mailer},
                                        ctx.require_project(), ctx.branch_id, user,
                                        std::string(email), std::string(callback_url));
}

// §1.1
Response sign_up(RequestContext& ctx) {
  auto body = ctx.body_reader();
  if (!body.valid()) ctx.validate();  // yup: no field checks inside a missing body
  auto email = body.field("email").email(true, /*strict=*/true);
  auto password = body.field("password").string(true, kMaxPasswordLength);
  auto callback_url = body.field("verification_callback_url").url(true);
  body.reject_unknown();
  ctx.validate();

  const auto& project = ctx.require_project();
  require_credential_enabled(project);
  if (!core::is_trusted_url(project.config, *callback_url)) throw e::redirect_url_not_whitelisted();
  require_min_length(*password);
  if (!project.config.value("sign_up_enabled", true)) throw e::sign_up_not_enabled();
  if (auto address = ctx.rate_limit_address(); !address.empty())
    ctx.app.rate_limits->count_sign_up({project.id, project.config}, address);

  // A cheap check first, so that a taken address costs no hashing; the
  // store's insert decides races.
  auto normalized = core::normalize_email(*email);
  if (core::auth_email_in_use(*ctx.app.store, project.id, normalized))
    throw e::user_email_already_exists(normalized);
  // Hashing happens before any write transaction opens.
  std::string hash = ctx.app.hasher->hash(*password);

  core::NewUser n;
  n.primary_email = *email;
  n.primary_email_verified = false;
  n.primary_email_auth_enabled = true;
  n.password_hash = std::move(hash);
  // The user and its first session are written in one transaction: a
  // failure leaves neither (a new user has no MFA to ask for).
  auto pending = core::prepare_session(services(ctx), project.id, "", core::SessionOptions{});
  n.first_session = pending.row;
  store::User user = core::create_user(*ctx.app.store, *ctx.app.clock, project.id, std::move(n));
  pending.row.user_id = user.id;
  send_sign_up_verification_email(ctx, user, *email, *callback_url);

  auto session = core::issue_session(services(ctx), pending, ctx.branch_id, ctx.client());
  return sign_in_body(session, user.id);
}

// §1.2
Response sign_in(RequestContext& ctx) {
  auto body = ctx.body_reader();
  if (!body.valid()) ctx.validate();  // yup: no field checks inside a missing body
  auto email = body.field("email").email(true);
  auto password = body.field("password").string(true, kMaxPasswordLength);
  body.reject_unknown();
  ctx.validate();

  const auto& project = ctx.require_project();
  require_credential_enabled(project);
  // Counted per account whether or not it exists, so a 429 tells nothing
  // about the address; checked before any hashing.
  auto& limits = *ctx.app.rate_limits;
  const std::string account = core::normalize_email(*email);
  const std::string ip = core::rate_limit_key(ctx.client_ip());
  const core::LimitScope scope{project.id, project.config};
  limits.check_password(scope, account, ip);
  auto user = core::authenticate_with_password(*ctx.app.store, *ctx.app.hasher, project.id, *email,
                                               *password);
  if (!user) {
    limits.password_failed(scope, account, ip);
    throw e::email_password_mismatch();
  }
  limits.password_succeeded(scope, account, ip);
  auto session = core::sign_in(services(ctx), project.id, ctx.branch_id, *user, ctx.client());
  return sign_in_body(session, user->id);
}

// §1.6
Response update(RequestContext& ctx) {
  ctx.require_user_schema();
  auto body = ctx.body_reader();
  if (!body.valid()) ctx.validate();  // yup: no field checks inside a missing body
  auto old_password = body.field("old_password").string(true, kMaxPasswordLength);
  auto new_password = body.field("new_password").string(true, kMaxPasswordLength);
  body.reject_unknown();
  ctx.validate();

  const auto& project = ctx.require_project();
  require_credential_enabled(project);
  require_min_length(*new_password);
  store::User user = fresh_user(ctx);
  // The session named by x-stack-refresh-token survives; all others end.
  std::optional<std::string> keep;
  if (auto token = ctx.req.headers.get_nonempty("x-stack-refresh-token")) {
    auto s = core::find_live_session(services(ctx), project.id, *token);
    if (s && s->user_id == user.id) keep = s->id;
  }
  core::change_password(*ctx.app.store, *ctx.app.hasher, user, *old_password, *new_password, keep);
  return Response::json(200, Json{{"success", true}});
}

// §1.7
Response set(RequestContext& ctx) {
  ctx.require_user_schema();
  auto body = ctx.body_reader();
  if (!body.valid()) ctx.validate();  // yup: no field checks inside a missing body
  auto password = body.field("password").string(true, kMaxPasswordLength);
  body.reject_unknown();
  ctx.validate();

  const auto& project = ctx.require_project();
  require_credential_enabled(project);
  require_min_length(*password);
  core::set_first_password(*ctx.app.store, *ctx.app.hasher, fresh_user(ctx), *password);
  return Response::json(200, Json{{"success", true}});
}

// The bodies the handlers above read (route_spec.hpp).
const ObjectSpec kSignUpBody{{
    string_field("email").email().required().describe(
        "Strict: a dot-separated local part and a top-level domain of two or more characters."),
    string_field("password").max(kMaxPasswordLength).required(),
    string_field("verification_callback_url").url().required(),
}};
const ObjectSpec kSignInBody{{
    string_field("email").email().required(),
    string_field("password").max(kMaxPasswordLength).required(),
}};
const ObjectSpec kUpdateBody{{
    string_field("old_password").max(kMaxPasswordLength).required(),
    string_field("new_password").max(kMaxPasswordLength).required(),
}};
const ObjectSpec kSetBody{{string_field("password").max(kMaxPasswordLength).required()}};

}  // namespace

void register_password_auth_routes(Router& r) {
  r.add(Method::kPost, "/auth/password/sign-up", Access::client_plus(), sign_up, Runs::kLong,
        {.summary = "Sign up with e-mail and password.",
         .body = &kSignUpBody,
         .errors = {"PASSWORD_AUTHENTICATION_NOT_ENABLED", "REDIRECT_URL_NOT_WHITELISTED",
                    "PASSWORD_TOO_SHORT", "SIGN_UP_NOT_ENABLED", "USER_EMAIL_ALREADY_EXISTS",
                    "TOO_MANY_REQUESTS"},
         .response = &shapes::sign_in()});
  r.add(Method::kPost, "/auth/password/sign-in", Access::client_plus(), sign_in, Runs::kLong,
        {.summary = "Sign in with e-mail and password.",
         .body = &kSignInBody,
         .errors = {"PASSWORD_AUTHENTICATION_NOT_ENABLED", "EMAIL_PASSWORD_MISMATCH",
                    "MULTI_FACTOR_AUTHENTICATION_REQUIRED", "TOO_MANY_REQUESTS"},
         .response = &shapes::sign_in()});
  r.add(Method::kPost, "/auth/password/update", Access::client_plus(), update, Runs::kLong,
        {.summary = "Change the signed-in user's password.",
         .body = &kUpdateBody,
         .errors = {"PASSWORD_AUTHENTICATION_NOT_ENABLED", "PASSWORD_TOO_SHORT",
                    "USER_DOES_NOT_HAVE_PASSWORD", "PASSWORD_CONFIRMATION_MISMATCH"},
         .response = &shapes::success()});
  r.add(Method::kPost, "/auth/password/set", Access::client_plus(), set, Runs::kLong,
        {.summary = "Set a first password for the signed-in user.",
         .body = &kSetBody,
         .errors = {"PASSWORD_AUTHENTICATION_NOT_ENABLED", "PASSWORD_TOO_SHORT"},
         .response = &shapes::success()});
}

}  // namespace latchkey::api
