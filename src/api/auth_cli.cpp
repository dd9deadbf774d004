// CLI login (auth-endpoints.md §8): /auth/cli, /auth/cli/complete,
// /auth/cli/poll.
#include "api/routes.hpp"
#include "api/team_request.hpp"
#include "core/cli_login.hpp"

namespace latchkey::api {
using namespace team_request;

namespace {

Response start(RequestContext& ctx) {
  auto body = ctx.body_reader(/*required=*/false);
  auto expires_in =
      body.field("expires_in_millis")
          .integer(false, std::numeric_limits<int64_t>::min() / 2, core::kCliMaxExpiryMillis);
  body.reject_unknown();
  ctx.validate();
  return Response::json(
      200, core::start_cli_login(*ctx.app.store, *ctx.app.clock, ctx.require_project().id,
                                 expires_in.value_or(core::kCliDefaultExpiryMillis)));
}

Response complete(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto login_code = body.field("login_code").string(true);
  // Stored as given, as the reference does: the CLI finds out when it uses it.
  auto refresh_token = body.field("refresh_token").string(true);
  body.reject_unknown();
  ctx.validate();
  core::complete_cli_login(*ctx.app.store, *ctx.app.clock, ctx.require_project().id, *login_code,
                           *refresh_token);
  return success();
}

Response poll(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto polling_code = body.field("polling_code").string(true);
  body.reject_unknown();
  ctx.validate();
  auto r =
      core::poll_cli_login(*ctx.app.store, *ctx.app.clock, ctx.require_project().id, *polling_code);
  Json out{{"status", r.status}};
  if (r.refresh_token) out["refresh_token"] = *r.refresh_token;
  return Response::json(r.refresh_token ? 201 : 200, out);
}

}  // namespace

void register_cli_login_routes(Router& r) {
  // What the handlers above read (route_spec.hpp).
  static const ObjectSpec start_body{
      .fields = {integer_field("expires_in_millis")
                     .at_least(std::numeric_limits<int64_t>::min() / 2)
                     .at_most(core::kCliMaxExpiryMillis)},
      .optional = true};
  static const ObjectSpec complete_body{{
      string_field("login_code").required(),
      string_field("refresh_token").required().describe("The signed-in user's refresh token."),
  }};
  static const ObjectSpec poll_body{{string_field("polling_code").required()}};
  r.add(Method::kPost, "/auth/cli", Access::client_plus(), start, Runs::kDatabase,
        {.summary = "Start a CLI login: a login code for the browser, a polling code for the CLI.",
         .body = &start_body,
         .response = &shapes::cli_login()});
  r.add(Method::kPost, "/auth/cli/complete", Access::client_plus(), complete, Runs::kDatabase,
        {.summary = "Complete a CLI login from the browser with the user's refresh token.",
         .body = &complete_body,
         .response = &shapes::success()});
  r.add(Method::kPost, "/auth/cli/poll", Access::client_plus(), poll, Runs::kDatabase,
        {.summary = "Poll a CLI login (201 with the refresh token once completed).",
         .body = &poll_body,
         .errors = {"INVALID_POLLING_CODE"},
         .response = &shapes::cli_poll()});
}

}  // namespace latchkey::api
