// Team invitations: /team-invitations/send-code, /team-invitations/accept
// (+ /details, /check-code), GET /team-invitations and
// DELETE /team-invitations/{id} (teams.md §8).
#include "core/team_invitations.hpp"

#include "api/code_body.hpp"
#include "api/routes.hpp"
#include "api/team_request.hpp"
#include "core/errors.hpp"
#include "core/permissions.hpp"
#include "core/teams.hpp"

namespace latchkey::api {
using namespace team_request;

namespace {

// §8.1: a client needs $invite_members in the team.
Response send_code(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto team_id = uuid_of(body.field("team_id"), true);
  auto email = body.field("email").email(true);
  auto callback_url = body.field("callback_url").url(true);
  body.reject_unknown();
  ctx.validate();
  const auto& project = ctx.require_project();
  if (!ctx.is_server_or_admin())
    core::require_team_permission(*ctx.app.store, project.id, *team_id, authenticated_user(ctx).id,
                                  "$invite_members");
  std::string id = core::send_team_invitation(email_services(ctx), project, ctx.branch_id, *team_id,
                                              *email, *callback_url);
  return Response::json(200, Json{{"success", true}, {"id", id}});
}

std::string read_code_body(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto code = read_code(body);
  body.reject_unknown();
  ctx.validate();
  return *code;
}

// §8.2: the user is checked before the code, so that an anonymous attempt
// does not use it up.
Response accept(RequestContext& ctx) {
  std::string code = read_code_body(ctx);
  const auto& user = authenticated_user(ctx);
  core::accept_team_invitation(*ctx.app.store, *ctx.app.clock, ctx.require_project(), ctx.branch_id,
                               code, user.id);
  return Response::json(200, Json::object());
}

// §8.3
Response details(RequestContext& ctx) {
  std::string code = read_code_body(ctx);
  authenticated_user(ctx);
  return Response::json(
      200, core::team_invitation_details(*ctx.app.store, *ctx.app.clock, ctx.require_project().id,
                                         ctx.branch_id, code));
}

// §8.4
Response check_code(RequestContext& ctx) {
  std::string code = read_code_body(ctx);
  core::check_team_invitation(*ctx.app.store, *ctx.app.clock, ctx.require_project().id,
                              ctx.branch_id, code);
  return code_is_valid();
}

// ?team_id= of the list and revoke routes (required).
std::string team_query(RequestContext& ctx) {
  auto query = ctx.query_reader();
  auto team_id = uuid_of(query.field("team_id"), true);
  query.reject_unknown();
  return team_id.value_or(std::string());
}

// §8.5: a client needs $read_members and then $invite_members.
Response list(RequestContext& ctx) {
  std::string team_id = team_query(ctx);
  ctx.validate();
  auto& store = *ctx.app.store;
  const auto& project_id = ctx.require_project().id;
  if (!ctx.is_server_or_admin()) {
    const auto& caller = own_user(ctx);
    core::require_team_permission(store, project_id, team_id, caller.id, "$read_members");
    core::require_team_permission(store, project_id, team_id, caller.id, "$invite_members");
  } else {
    core::get_team(store, project_id, team_id);
  }
  return list_response(
      core::list_team_invitations(store, *ctx.app.clock, project_id, ctx.branch_id, team_id));
}

// §8.6: a client needs $remove_members.
Response revoke(RequestContext& ctx) {
  auto id = uuid_of(ctx.param("id"), true);
  std::string team_id = team_query(ctx);
  ctx.validate();
  auto& store = *ctx.app.store;
  const auto& project_id = ctx.require_project().id;
  if (!ctx.is_server_or_admin())
    core::require_team_permission(store, project_id, team_id, own_user(ctx).id, "$remove_members");
  else
    core::get_team(store, project_id, team_id);
  core::revoke_team_invitation(store, *ctx.app.clock, project_id, ctx.branch_id, team_id, *id);
  return success();
}

}  // namespace

void register_team_invitation_routes(Router& r) {
  // What the handlers above read (route_spec.hpp).
  static const ObjectSpec send_body{{
      string_field("team_id").uuid().required(),
      string_field("email").email().required(),
      string_field("callback_url").url().required(),
  }};
  static const ObjectSpec team_query{{string_field("team_id").uuid().required()}};
  const std::string sign_in_first = "USER_AUTHENTICATION_REQUIRED";
  r.add(Method::kPost, "/team-invitations/send-code", Access::client_plus(), send_code, Runs::kLong,
        {.summary = "Invite an e-mail address to a team (a client needs $invite_members).",
         .body = &send_body,
         .errors = {sign_in_first, "TEAM_NOT_FOUND", "TEAM_PERMISSION_REQUIRED",
                    "REDIRECT_URL_NOT_WHITELISTED", "TOO_MANY_REQUESTS"},
         .response = &shapes::invitation_sent()});
  r.add(Method::kPost, "/team-invitations/accept", Access::client_plus(), accept, Runs::kDatabase,
        {.summary = "Accept an invitation as the signed-in user.",
         .body = &kCodeBody,
         .errors = code_errors({sign_in_first, "TEAM_MEMBERSHIP_ALREADY_EXISTS"}),
         .response = &shapes::empty()});
  r.add(Method::kPost, "/team-invitations/accept/details", Access::client_plus(), details,
        Runs::kDatabase,
        {.summary = "The team an invitation is for.",
         .body = &kCodeBody,
         .errors = code_errors({sign_in_first}),
         .response = &shapes::invitation_details()});
  r.add(Method::kPost, "/team-invitations/accept/check-code", Access::client_plus(), check_code,
        Runs::kDatabase,
        {.summary = "Check an invitation code without using it.",
         .body = &kCodeBody,
         .errors = code_errors(),
         .response = &shapes::code_is_valid()});
  r.add(
      Method::kGet, "/team-invitations", Access::client_plus(), list, Runs::kDatabase,
      {.summary = "A team's open invitations.",
       .query = &team_query,
       .errors = {"CANNOT_GET_OWN_USER_WITHOUT_USER", "TEAM_NOT_FOUND", "TEAM_PERMISSION_REQUIRED"},
       .response = &shapes::list_of(shapes::team_invitation())});
  r.add(
      Method::kDelete, "/team-invitations/{id}", Access::client_plus(), revoke, Runs::kDatabase,
      {.summary = "Revoke an invitation (a client needs $remove_members).",
       .query = &team_query,
       .errors = {"CANNOT_GET_OWN_USER_WITHOUT_USER", "TEAM_NOT_FOUND", "TEAM_PERMISSION_REQUIRED"},
       .response = &shapes::success()});
}

}  // namespace latchkey::api
