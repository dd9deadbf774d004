// Teams, team memberships and team member profiles: /teams,
// /team-memberships, /team-member-profiles (teams.md §3–§5). The client
// access rules (own user, membership, required permissions) are checked
// here, in the order of the spec, before the core operation runs.
#include "core/teams.hpp"

#include "api/profile_image.hpp"
#include "api/routes.hpp"
#include "api/team_request.hpp"
#include "core/errors.hpp"
#include "core/permissions.hpp"

namespace latchkey::api {
namespace e = core::errors;
using namespace team_request;

namespace {

constexpr size_t kMaxImageUrlLength = 1000000;

// A nullable URL of at most a million characters (teams.md §2).
std::optional<std::optional<std::string>> read_image_url(Field f) {
  auto url = f.nullable_url();
  if (url.value && js_length(*url.value) > kMaxImageUrlLength) {
    f.add_error("must be at most 1000000 characters");
    return std::nullopt;
  }
  if (!url.present) return std::nullopt;
  return std::optional<std::optional<std::string>>(std::in_place, url.value);
}

std::optional<Json> read_metadata(ObjectReader& body, const char* key) {
  auto v = body.field(key).nullable_json();
  if (!v.present) return std::nullopt;
  return v.value.value_or(Json());
}

struct TeamBody {
  core::TeamInput in;
  std::optional<std::string> creator_user_id;  // resolved (`me` → caller)
};

// The POST / PATCH body of §2: clients may not send the read-only or server
// metadata (unknown property), only POST takes creator_user_id.
TeamBody read_team_body(RequestContext& ctx, bool create) {
  TeamBody b;
  auto body = ctx.body_reader();
  b.in.display_name = body.field("display_name").string(create);
  b.in.profile_image_url = read_image_url(body.field("profile_image_url"));
  b.in.client_metadata = read_metadata(body, "client_metadata");
  if (ctx.is_server_or_admin()) {
    b.in.client_read_only_metadata = read_metadata(body, "client_read_only_metadata");
    b.in.server_metadata = read_metadata(body, "server_metadata");
  }
  if (create) b.creator_user_id = user_id_of(ctx, body.field("creator_user_id"), false);
  body.reject_unknown();
  return b;
}

// A client may only store a base64 image (plain-text 400).
void check_client_image(RequestContext& ctx, const core::TeamInput& in) {
  if (ctx.is_server_or_admin() || !in.profile_image_url || !*in.profile_image_url) return;
  if (!is_client_profile_image(**in.profile_image_url))
    throw core::PlainError(400, "Invalid profile image URL");
}

Response team_response(RequestContext& ctx, const store::Team& t, int status = 200) {
  return Response::json(status, core::team_view(t, ctx.is_server_or_admin()));
}

// The query of /teams (list and create share it upstream).
struct TeamsQuery {
  std::optional<std::string> user_id;
  std::optional<std::string> add_current_user;
};

TeamsQuery read_teams_query(RequestContext& ctx) {
  TeamsQuery q;
  auto query = ctx.query_reader();
  q.user_id = user_id_of(ctx, query.field("user_id"), false);
  q.add_current_user = query.field("add_current_user").one_of(false, {"true", "false"});
  query.reject_unknown();
  return q;
}

// --- /teams -------------------------------------------------------------------

// §3.1
Response list_teams(RequestContext& ctx) {
  auto q = read_teams_query(ctx);
  ctx.validate();
  // Without a user a client gets CANNOT_GET_OWN_USER_WITHOUT_USER, whatever
  // user_id is.
  if (!ctx.is_server_or_admin() && q.user_id != own_user(ctx).id)
    throw core::PlainError(403,
                           "Client can only list teams for their own user. user_id must be either "
                           "\"me\" or the ID of the current user");
  Json items = Json::array();
  for (const auto& t : core::list_teams(*ctx.app.store, ctx.require_project().id, q.user_id))
    items.push_back(core::team_view(t, ctx.is_server_or_admin()));
  return list_response(std::move(items));
}

// §3.2
Response create_team(RequestContext& ctx) {
  auto q = read_teams_query(ctx);
  auto b = read_team_body(ctx, true);
  ctx.validate();
  const auto& project = ctx.require_project();
  if (b.creator_user_id && q.add_current_user)
    throw core::PlainError(400,
                           "Cannot use both creator_user_id and add_current_user. "
                           "add_current_user is deprecated, please only use creator_user_id in "
                           "the body.");
  std::optional<std::string> creator = b.creator_user_id;
  if (!ctx.is_server_or_admin()) {
    const auto& caller = authenticated_user(ctx);
    if (!(project.config.is_object() &&
          project.config.value("client_team_creation_enabled", false)))
      throw core::PlainError(403, "Client team creation is disabled for this project");
    check_client_image(ctx, b.in);
    if (creator && *creator != caller.id)
      throw core::PlainError(403,
                             "You cannot create a team as a user that is not yourself. Make sure "
                             "you set the creator_user_id to 'me'.");
    creator = caller.id;
  }
  if (q.add_current_user == "true") {
    if (!ctx.user)
      throw core::PlainError(
          401, "You must be logged in to create a team with the current user as a member.");
    creator = ctx.user->id;
  }
  auto team = core::create_team(*ctx.app.store, *ctx.app.clock, project, b.in, creator);
  return team_response(ctx, team, 201);
}

// {team_id} of the path.
std::string team_param(RequestContext& ctx) {
  return uuid_of(ctx.param("team_id"), true).value_or(std::string());
}

// §3.3
Response get_team(RequestContext& ctx) {
  std::string team_id = team_param(ctx);
  ctx.validate();
  const auto& project_id = ctx.require_project().id;
  if (!ctx.is_server_or_admin())
    core::require_team_membership(*ctx.app.store, project_id, team_id, authenticated_user(ctx).id);
  return team_response(ctx, core::get_team(*ctx.app.store, project_id, team_id));
}

// §3.4
Response patch_team(RequestContext& ctx) {
  std::string team_id = team_param(ctx);
  auto b = read_team_body(ctx, false);
  ctx.validate();
  const auto& project_id = ctx.require_project().id;
  if (!ctx.is_server_or_admin()) {
    check_client_image(ctx, b.in);
    core::require_team_permission(*ctx.app.store, project_id, team_id, authenticated_user(ctx).id,
                                  "$update_team");
  }
  return team_response(ctx, core::update_team(*ctx.app.store, project_id, team_id, b.in));
}

// §3.5 (a body, if any, is ignored)
Response delete_team(RequestContext& ctx) {
  std::string team_id = team_param(ctx);
  ctx.validate();
  const auto& project_id = ctx.require_project().id;
  if (!ctx.is_server_or_admin())
    core::require_team_permission(*ctx.app.store, project_id, team_id, authenticated_user(ctx).id,
                                  "$delete_team");
  core::delete_team(*ctx.app.store, project_id, team_id);
  return success();
}

// --- /team-memberships ----------------------------------------------------------

struct MemberPath {
  std::string team_id;
  std::string user_id;
};

MemberPath member_path(RequestContext& ctx) {
  MemberPath p;
  p.team_id = team_param(ctx);
  p.user_id = user_id_of(ctx, ctx.param("user_id"), true).value_or(std::string());
  return p;
}

// §4.1 (server, admin)
Response add_membership(RequestContext& ctx) {
  auto p = member_path(ctx);
  auto body = ctx.body_reader();
  body.reject_unknown();
  ctx.validate();
  core::add_team_member(*ctx.app.store, *ctx.app.clock, ctx.require_project(), p.team_id,
                        p.user_id);
  return Response::json(201, Json{{"team_id", p.team_id}, {"user_id", p.user_id}});
}

// §4.2: leaving needs nothing; removing someone else needs $remove_members.
Response remove_membership(RequestContext& ctx) {
  auto p = member_path(ctx);
  ctx.validate();
  const auto& project_id = ctx.require_project().id;
  if (!ctx.is_server_or_admin() && p.user_id != own_user(ctx).id)
    core::require_team_permission(*ctx.app.store, project_id, p.team_id, own_user(ctx).id,
                                  "$remove_members");
  core::remove_team_member(*ctx.app.store, project_id, p.team_id, p.user_id);
  return success();
}

// --- /team-member-profiles ------------------------------------------------------

// §5.1
Response list_profiles(RequestContext& ctx) {
  auto query = ctx.query_reader();
  auto team_id = uuid_of(query.field("team_id"), false);
  auto user_id = user_id_of(ctx, query.field("user_id"), false);
  query.reject_unknown();
  ctx.validate();
  auto& store = *ctx.app.store;
  const auto& project_id = ctx.require_project().id;
  const bool server = ctx.is_server_or_admin();
  if (!server) {
    const auto& caller = own_user(ctx);
    if (!team_id) throw core::PlainError(400, "team_id is required for access type client");
    core::require_team_membership(store, project_id, *team_id, caller.id);
    if (user_id != caller.id)
      core::require_team_permission(store, project_id, *team_id, caller.id, "$read_members");
  } else {
    if (team_id) core::get_team(store, project_id, *team_id);
    if (user_id && !core::find_user(store, project_id, *user_id)) throw e::user_not_found();
  }
  return list_response(
      core::list_member_profiles(store, ctx.user_views(), project_id, team_id, user_id, server));
}

// §5.2
Response get_profile(RequestContext& ctx) {
  auto p = member_path(ctx);
  ctx.validate();
  auto& store = *ctx.app.store;
  const auto& project_id = ctx.require_project().id;
  if (!ctx.is_server_or_admin() && p.user_id != own_user(ctx).id)
    core::require_team_permission(store, project_id, p.team_id, own_user(ctx).id, "$read_members");
  return Response::json(
      200, core::get_member_profile(store, ctx.user_views(), project_id, p.team_id, p.user_id,
                                    ctx.is_server_or_admin()));
}

// §5.3: a client may only change its own profile.
Response patch_profile(RequestContext& ctx) {
  auto p = member_path(ctx);
  auto body = ctx.body_reader();
  core::MemberProfileInput in;
  in.display_name = body.field("display_name").string(false);
  in.profile_image_url = read_image_url(body.field("profile_image_url"));
  body.reject_unknown();
  ctx.validate();
  if (!ctx.is_server_or_admin() && p.user_id != own_user(ctx).id)
    throw core::PlainError(403, "Cannot update another user's profile");
  return Response::json(
      200, core::update_member_profile(*ctx.app.store, ctx.user_views(), ctx.require_project().id,
                                       p.team_id, p.user_id, in, ctx.is_server_or_admin()));
}

// What the handlers above read (route_spec.hpp). A user id is a UUID or
// `me`, checked by user_id_of.
FieldSpec user_id_or_me(bool required) {
  FieldSpec f = string_field("user_id").describe("A user's id, or me for the signed-in user.");
  f.is_required = required;
  return f;
}
FieldSpec image_url() {
  return string_field("profile_image_url")
      .url()
      .nullable()
      .max(kMaxImageUrlLength)
      .describe("Clients may only send a base64 data URL of an image.");
}
ObjectSpec team_body(bool create) {
  FieldSpec name = string_field("display_name");
  name.is_required = create;
  std::vector<FieldSpec> fields = {
      std::move(name),
      image_url(),
      any_field("client_metadata").nullable(),
      any_field("client_read_only_metadata").nullable().server_only(),
      any_field("server_metadata").nullable().server_only(),
  };
  if (create) {
    FieldSpec creator = user_id_or_me(false);
    creator.name = "creator_user_id";
    fields.push_back(std::move(creator));
  }
  return ObjectSpec{std::move(fields)};
}
const ObjectSpec kTeamCreateBody = team_body(true);
const ObjectSpec kTeamPatchBody = team_body(false);
const ObjectSpec kTeamsQuery{{
    user_id_or_me(false),
    one_of_field("add_current_user", {"true", "false"})
        .describe("Deprecated: use creator_user_id in the body."),
}};
const ObjectSpec kProfilesQuery{{string_field("team_id").uuid(), user_id_or_me(false)}};
const ObjectSpec kProfileBody{{string_field("display_name"), image_url()}};

}  // namespace

void register_team_routes(Router& r) {
  const std::string kNoUser = "CANNOT_GET_OWN_USER_WITHOUT_USER";
  const std::string kSignInFirst = "USER_AUTHENTICATION_REQUIRED";
  r.add(Method::kGet, "/teams", Access::client_plus(), list_teams, Runs::kDatabase,
        {.summary = "List teams (a client: its own user's).",
         .query = &kTeamsQuery,
         .errors = {kNoUser, "USER_NOT_FOUND"},
         .response = &shapes::list_of(shapes::team())});
  r.add(Method::kPost, "/teams", Access::client_plus(), create_team, Runs::kDatabase,
        {.summary = "Create a team.",
         .body = &kTeamCreateBody,
         .query = &kTeamsQuery,
         .errors = {kNoUser, kSignInFirst, "USER_NOT_FOUND"},
         .response = &shapes::team(),
         .status = 201});
  r.add(Method::kGet, "/teams/{team_id}", Access::client_plus(), get_team, Runs::kDatabase,
        {.summary = "A team.",
         .errors = {kSignInFirst, "TEAM_NOT_FOUND", "TEAM_MEMBERSHIP_NOT_FOUND"},
         .response = &shapes::team()});
  r.add(Method::kPatch, "/teams/{team_id}", Access::client_plus(), patch_team, Runs::kDatabase,
        {.summary = "Update a team (a client needs $update_team).",
         .body = &kTeamPatchBody,
         .errors = {kSignInFirst, "TEAM_NOT_FOUND", "TEAM_PERMISSION_REQUIRED"},
         .response = &shapes::team()});
  r.add(Method::kDelete, "/teams/{team_id}", Access::client_plus(), delete_team, Runs::kDatabase,
        {.summary = "Delete a team (a client needs $delete_team).",
         .errors = {kSignInFirst, "TEAM_NOT_FOUND", "TEAM_PERMISSION_REQUIRED"},
         .response = &shapes::success()});
  r.add(Method::kPost, "/team-memberships/{team_id}/{user_id}", Access::server_plus(),
        add_membership, Runs::kDatabase,
        {.summary = "Add a user to a team.",
         .body = &kNoFields,
         .errors = {kNoUser, "TEAM_NOT_FOUND", "USER_NOT_FOUND", "TEAM_MEMBERSHIP_ALREADY_EXISTS"},
         .response = &shapes::team_membership(),
         .status = 201});
  r.add(Method::kDelete, "/team-memberships/{team_id}/{user_id}", Access::client_plus(),
        remove_membership, Runs::kDatabase,
        {.summary = "Remove a user from a team (another user: $remove_members).",
         .errors = {kNoUser, "TEAM_NOT_FOUND", "TEAM_MEMBERSHIP_NOT_FOUND",
                    "TEAM_PERMISSION_REQUIRED"},
         .response = &shapes::success()});
  r.add(Method::kGet, "/team-member-profiles", Access::client_plus(), list_profiles,
        Runs::kDatabase,
        {.summary = "List team members' profiles.",
         .query = &kProfilesQuery,
         .errors = {kNoUser, "TEAM_NOT_FOUND", "USER_NOT_FOUND", "TEAM_MEMBERSHIP_NOT_FOUND",
                    "TEAM_PERMISSION_REQUIRED"},
         .response = &shapes::list_of(shapes::member_profile())});
  r.add(Method::kGet, "/team-member-profiles/{team_id}/{user_id}", Access::client_plus(),
        get_profile, Runs::kDatabase,
        {.summary = "A team member's profile.",
         .errors = {kNoUser, "TEAM_MEMBERSHIP_NOT_FOUND", "TEAM_PERMISSION_REQUIRED"},
         .response = &shapes::member_profile()});
  r.add(Method::kPatch, "/team-member-profiles/{team_id}/{user_id}", Access::client_plus(),
        patch_profile, Runs::kDatabase,
        {.summary = "Update a team member's profile (a client: its own).",
         .body = &kProfileBody,
         .errors = {kNoUser, "TEAM_MEMBERSHIP_NOT_FOUND"},
         .response = &shapes::member_profile()});
}

}  // namespace latchkey::api
