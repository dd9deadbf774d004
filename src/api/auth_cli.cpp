// CLI login (auth-endpoints.md §8): /auth/cli, /auth/cli/complete,
// /auth/cli/poll.
#include "api/team_request.hpp"
#include "core/cli_login.hpp"
#include "api/routes.hpp"

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
  r.add(Method::kPost, "/auth/cli", Access::client_plus(), start);
  r.add(Method::kPost, "/auth/cli/complete", Access::client_plus(), complete);
  r.add(Method::kPost, "/auth/cli/poll", Access::client_plus(), poll);
}

}  // namespace latchkey::api
