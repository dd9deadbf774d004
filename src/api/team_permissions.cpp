// Permission definitions and grants of both scopes:
// /team-permission-definitions, /team-permissions (teams.md §6–§7) and
// /project-permission-definitions, /project-permissions (§11).
#include "api/routes.hpp"
#include "api/team_request.hpp"
#include "core/errors.hpp"
#include "core/permissions.hpp"

namespace latchkey::api {
using namespace team_request;

namespace {

using core::PermissionScope;

// --- definitions (admin) ----------------------------------------------------------

// The body of POST (id required) or PATCH (every field optional).
core::DefinitionInput read_definition_body(RequestContext& ctx, bool create) {
  core::DefinitionInput in;
  auto body = ctx.body_reader();
  in.id = body.field("id").string(create);
  if (in.id) {
    if (auto problem = core::custom_permission_id_problem(*in.id)) {
      ctx.schema.add(*problem);
      in.id.reset();
    }
  }
  in.description = body.field("description").string(false);
  Field contained = body.field("contained_permission_ids");
  if (auto arr = contained.array(false)) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < arr->size(); ++i) {
      Field item(contained.path() + "[" + std::to_string(i) + "]", &(*arr)[i], ctx.schema);
      if (auto id = permission_id_of(item, ctx.schema, true)) ids.push_back(*id);
    }
    in.contained_ids = std::move(ids);
  }
  body.reject_unknown();
  return in;
}

std::string permission_param(RequestContext& ctx) {
  return permission_id_of(ctx.param("permission_id"), ctx.schema, true).value_or(std::string());
}

Response list_definitions(RequestContext& ctx, PermissionScope scope) {
  return list_response(core::list_definitions(*ctx.app.store, ctx.require_project().id, scope));
}

Response create_definition(RequestContext& ctx, PermissionScope scope) {
  auto in = read_definition_body(ctx, true);
  ctx.validate();
  return Response::json(
      201, core::create_definition(*ctx.app.store, ctx.require_project().id, scope, in));
}

Response update_definition(RequestContext& ctx, PermissionScope scope) {
  std::string id = permission_param(ctx);
  auto in = read_definition_body(ctx, false);
  ctx.validate();
  return Response::json(
      200, core::update_definition(*ctx.app.store, ctx.require_project().id, scope, id, in));
}

Response delete_definition(RequestContext& ctx, PermissionScope scope) {
  std::string id = permission_param(ctx);
  ctx.validate();
  core::delete_definition(*ctx.app.store, ctx.require_project().id, scope, id);
  return success();
}

// --- grants ---------------------------------------------------------------------

// GET /team-permissions and /project-permissions: a client lists only its
// own grants.
core::GrantFilter read_grant_query(RequestContext& ctx, PermissionScope scope) {
  core::GrantFilter f;
  auto query = ctx.query_reader();
  if (scope == PermissionScope::kTeam) f.team_id = uuid_of(query.field("team_id"), false);
  f.user_id = user_id_of(ctx, query.field("user_id"), false);
  f.permission_id = permission_id_of(query.field("permission_id"), ctx.schema, false);
  f.recursive = query.field("recursive").one_of(false, {"true", "false"}) == "true";
  query.reject_unknown();
  ctx.validate();
  if (!ctx.is_server_or_admin() && f.user_id != own_user(ctx).id)
    throw core::PlainError(403,
                           "Client can only list permissions for their own user. user_id must be "
                           "either \"me\" or the ID of the current user");
  return f;
}

Response list_team_grants(RequestContext& ctx) {
  auto f = read_grant_query(ctx, PermissionScope::kTeam);
  return list_response(core::list_team_permissions(*ctx.app.store, ctx.require_project().id, f));
}

Response list_project_grants(RequestContext& ctx) {
  auto f = read_grant_query(ctx, PermissionScope::kProject);
  return list_response(core::list_project_permissions(*ctx.app.store, ctx.require_project().id, f));
}

struct GrantPath {
  std::string team_id;  // team scope only
  std::string user_id;
  std::string permission_id;
};

// The path of a grant; POST also needs the empty body `{}`.
GrantPath read_grant_path(RequestContext& ctx, PermissionScope scope, bool post) {
  GrantPath p;
  if (scope == PermissionScope::kTeam)
    p.team_id = uuid_of(ctx.param("team_id"), true).value_or(std::string());
  p.user_id = user_id_of(ctx, ctx.param("user_id"), true).value_or(std::string());
  p.permission_id = permission_param(ctx);
  if (post) {
    auto body = ctx.body_reader();
    body.reject_unknown();
  }
  ctx.validate();
  return p;
}

Response grant_team(RequestContext& ctx) {
  auto p = read_grant_path(ctx, PermissionScope::kTeam, true);
  core::grant_team_permission(*ctx.app.store, ctx.require_project().id, p.team_id, p.user_id,
                              p.permission_id);
  return Response::json(
      201, Json{{"id", p.permission_id}, {"team_id", p.team_id}, {"user_id", p.user_id}});
}

Response revoke_team(RequestContext& ctx) {
  auto p = read_grant_path(ctx, PermissionScope::kTeam, false);
  core::revoke_team_permission(*ctx.app.store, ctx.require_project().id, p.team_id, p.user_id,
                               p.permission_id);
  return success();
}

Response grant_project(RequestContext& ctx) {
  auto p = read_grant_path(ctx, PermissionScope::kProject, true);
  core::grant_project_permission(*ctx.app.store, ctx.require_project().id, p.user_id,
                                 p.permission_id);
  return Response::json(201, Json{{"id", p.permission_id}, {"user_id", p.user_id}});
}

Response revoke_project(RequestContext& ctx) {
  auto p = read_grant_path(ctx, PermissionScope::kProject, false);
  core::revoke_project_permission(*ctx.app.store, ctx.require_project().id, p.user_id,
                                  p.permission_id);
  return success();
}

// What the handlers above read (route_spec.hpp).
ObjectSpec definition_body(bool create) {
  FieldSpec id = string_field("id").describe(
      "A custom permission id: letters, digits, _ and :, not starting with $.");
  id.is_required = create;
  return ObjectSpec{{
      std::move(id),
      string_field("description"),
      array_field("contained_permission_ids").describe("Ids of the permissions it contains."),
  }};
}
const ObjectSpec kCreateDefinitionBody = definition_body(true);
const ObjectSpec kUpdateDefinitionBody = definition_body(false);
ObjectSpec grant_query(PermissionScope scope) {
  std::vector<FieldSpec> fields;
  if (scope == PermissionScope::kTeam) fields.push_back(string_field("team_id").uuid());
  fields.push_back(string_field("user_id").describe("A user's id, or me."));
  fields.push_back(string_field("permission_id"));
  fields.push_back(one_of_field("recursive", {"true", "false"})
                       .describe("Also the permissions that granted ones contain."));
  return ObjectSpec{std::move(fields)};
}
const ObjectSpec kTeamGrantQuery = grant_query(PermissionScope::kTeam);
const ObjectSpec kProjectGrantQuery = grant_query(PermissionScope::kProject);

void add_definition_routes(Router& r, const std::string& base, PermissionScope scope) {
  const std::string what = scope == PermissionScope::kTeam ? "team" : "project";
  r.add(Method::kGet, base, Access::admin(),
        [scope](RequestContext& ctx) { return list_definitions(ctx, scope); }, Runs::kDatabase,
        {.summary = "List the " + what + " permission definitions.",
         .response = &shapes::list_of(shapes::permission())});
  r.add(Method::kPost, base, Access::admin(),
        [scope](RequestContext& ctx) { return create_definition(ctx, scope); }, Runs::kDatabase,
        {.summary = "Define a " + what + " permission.",
         .body = &kCreateDefinitionBody,
         .errors = {"PERMISSION_ID_ALREADY_EXISTS", "CONTAINED_PERMISSION_NOT_FOUND"},
         .response = &shapes::permission(),
         .status = 201});
  r.add(Method::kPatch, base + "/{permission_id}", Access::admin(),
        [scope](RequestContext& ctx) { return update_definition(ctx, scope); }, Runs::kDatabase,
        {.summary = "Update a " + what + " permission definition.",
         .body = &kUpdateDefinitionBody,
         .errors = {"PERMISSION_NOT_FOUND", "WRONG_PERMISSION_SCOPE",
                    "PERMISSION_ID_ALREADY_EXISTS", "CONTAINED_PERMISSION_NOT_FOUND"},
         .response = &shapes::permission()});
  r.add(Method::kDelete, base + "/{permission_id}", Access::admin(),
        [scope](RequestContext& ctx) { return delete_definition(ctx, scope); }, Runs::kDatabase,
        {.summary = "Delete a " + what + " permission definition.",
         .errors = {"PERMISSION_NOT_FOUND", "WRONG_PERMISSION_SCOPE"},
         .response = &shapes::success()});
}

}  // namespace

void register_team_permission_routes(Router& r) {
  add_definition_routes(r, "/team-permission-definitions", PermissionScope::kTeam);
  add_definition_routes(r, "/project-permission-definitions", PermissionScope::kProject);
  const std::string no_user = "CANNOT_GET_OWN_USER_WITHOUT_USER";
  const std::vector<std::string> grant_errors = {no_user, "USER_NOT_FOUND", "PERMISSION_NOT_FOUND",
                                                 "WRONG_PERMISSION_SCOPE"};
  auto with = [&grant_errors](std::vector<std::string> more) {
    more.insert(more.begin(), grant_errors.begin(), grant_errors.end());
    return more;
  };
  r.add(Method::kGet, "/team-permissions", Access::client_plus(), list_team_grants, Runs::kDatabase,
        {.summary = "List team permission grants (a client: its own).",
         .query = &kTeamGrantQuery,
         .errors = {no_user},
         .response = &shapes::list_of(shapes::permission_grant())});
  r.add(Method::kPost, "/team-permissions/{team_id}/{user_id}/{permission_id}",
        Access::server_plus(), grant_team, Runs::kDatabase,
        {.summary = "Grant a team permission to a member.",
         .body = &kNoFields,
         .errors = with({"TEAM_NOT_FOUND", "TEAM_MEMBERSHIP_NOT_FOUND"}),
         .response = &shapes::permission_grant(),
         .status = 201});
  r.add(
      Method::kDelete, "/team-permissions/{team_id}/{user_id}/{permission_id}",
      Access::server_plus(), revoke_team, Runs::kDatabase,
      {.summary = "Revoke a member's team permission.",
       .errors = with({"TEAM_NOT_FOUND", "TEAM_MEMBERSHIP_NOT_FOUND", "TEAM_PERMISSION_NOT_FOUND"}),
       .response = &shapes::success()});
  r.add(Method::kGet, "/project-permissions", Access::client_plus(), list_project_grants,
        Runs::kDatabase,
        {.summary = "List project permission grants (a client: its own).",
         .query = &kProjectGrantQuery,
         .errors = {no_user},
         .response = &shapes::list_of(shapes::permission_grant())});
  r.add(Method::kPost, "/project-permissions/{user_id}/{permission_id}", Access::server_plus(),
        grant_project, Runs::kDatabase,
        {.summary = "Grant a project permission to a user.",
         .body = &kNoFields,
         .errors = with({}),
         .response = &shapes::permission_grant(),
         .status = 201});
  r.add(Method::kDelete, "/project-permissions/{user_id}/{permission_id}", Access::server_plus(),
        revoke_project, Runs::kDatabase,
        {.summary = "Revoke a user's project permission.",
         .errors = with({}),
         .response = &shapes::success()});
}

}  // namespace latchkey::api
