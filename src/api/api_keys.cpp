// User and team API keys (projects.md §4b): /user-api-keys, /team-api-keys
// and their /check; and /integrations/credential-scanning/revoke, where a
// secret scanner reports a leaked key.
#include "core/api_keys.hpp"

#include <boost/url/parse.hpp>

#include "api/routes.hpp"
#include "api/team_request.hpp"
#include "core/errors.hpp"

namespace latchkey::api {
using namespace team_request;

namespace {

using core::ApiKeyType;

core::ApiKeyCaller caller_of(RequestContext& ctx) {
  return {ctx.is_server_or_admin(), ctx.user.get()};
}

// Stack marks keys issued by its cloud host (api.stack-auth.com) for secret
// scanners; the public URL is this server's host.
bool served_as_stack_cloud(RequestContext& ctx) {
  auto u = boost::urls::parse_uri(ctx.app.config.public_url);
  return u && u->host() == "api.stack-auth.com";
}

// The owner in a body or query: a user id (UUID or `me`) or a team id (any
// string in the reference; ours are lower-case UUIDs).
std::optional<std::string> owner_of(RequestContext& ctx, Field f, ApiKeyType type, bool required) {
  if (type == ApiKeyType::kUser) return user_id_of(ctx, f, required);
  auto id = f.string(required);
  if (id && core::is_uuid(*id)) return lower(*id);
  return id;
}

std::string api_key_id_param(RequestContext& ctx) {
  return uuid_of(ctx.param("api_key_id"), true).value_or(std::string());
}

Response create(RequestContext& ctx, ApiKeyType type) {
  core::NewApiKey in;
  in.type = type;
  auto body = ctx.body_reader();
  in.description = body.field("description").string(true).value_or(std::string());
  // Required, and null means "never expires".
  Field expires = body.field("expires_at_millis");
  if (!expires.is_null()) in.expires_at_millis = expires.integer(true);
  in.is_public = body.field("is_public").boolean(false).value_or(false);
  const char* owner_key = type == ApiKeyType::kUser ? "user_id" : "team_id";
  auto owner = owner_of(ctx, body.field(owner_key), type, true);
  body.reject_unknown();
  ctx.validate();
  in.owner_id = owner.value_or(std::string());
  in.cloud = served_as_stack_cloud(ctx);
  return Response::json(200, core::create_api_key(*ctx.app.store, *ctx.app.clock,
                                                  ctx.require_project(), caller_of(ctx), in));
}

Response list(RequestContext& ctx, ApiKeyType type) {
  auto query = ctx.query_reader();
  // The user family's schema has user_id optional, its handler requires it
  // (after the project's switch); the team family's schema requires team_id.
  std::optional<std::string> owner = type == ApiKeyType::kUser
                                         ? owner_of(ctx, query.field("user_id"), type, false)
                                         : uuid_of(query.field("team_id"), true);
  query.reject_unknown();
  ctx.validate();
  return Response::json(
      200, core::list_api_keys(*ctx.app.store, ctx.require_project(), caller_of(ctx), type, owner));
}

// GET and PATCH by id take the owner in the query as the list does, but
// only to check its form: the key's own owner is what access is checked
// against. (The reference also requires team_id here, from the list's
// schema; it is optional, as for user keys, since it decides nothing.)
void read_id_query(RequestContext& ctx, ApiKeyType type) {
  auto query = ctx.query_reader();
  if (type == ApiKeyType::kUser)
    owner_of(ctx, query.field("user_id"), type, false);
  else
    uuid_of(query.field("team_id"), false);
  query.reject_unknown();
}

Response read(RequestContext& ctx, ApiKeyType type) {
  std::string id = api_key_id_param(ctx);
  read_id_query(ctx, type);
  ctx.validate();
  return Response::json(
      200, core::get_api_key(*ctx.app.store, ctx.require_project(), caller_of(ctx), type, id));
}

Response update(RequestContext& ctx, ApiKeyType type) {
  std::string id = api_key_id_param(ctx);
  read_id_query(ctx, type);
  auto body = ctx.body_reader();
  auto description = body.field("description").string(false);
  Field revoked = body.field("revoked");
  auto revoke = revoked.boolean(false);
  // There is no un-revoking: only `true` is accepted.
  if (revoke && !*revoke) revoked.add_error("must be one of the following values: true");
  body.reject_unknown();
  ctx.validate();
  return Response::json(
      200, core::update_api_key(*ctx.app.store, *ctx.app.clock, ctx.require_project(),
                                caller_of(ctx), type, id, description, revoke.value_or(false)));
}

Response check(RequestContext& ctx, ApiKeyType type) {
  auto body = ctx.body_reader();
  auto key = body.field("api_key").string(true);
  body.reject_unknown();
  ctx.validate();
  return Response::json(200, core::check_api_key(*ctx.app.store, *ctx.app.clock,
                                                 ctx.require_project(), type, key.value_or("")));
}

Response revoke_leaked(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto key = body.field("api_key").string(true);
  body.reject_unknown();
  ctx.validate();
  core::revoke_leaked_api_key(*ctx.app.store, *ctx.app.clock, *ctx.app.mailer, key.value_or(""));
  return success();
}

// What the handlers above read (route_spec.hpp), per family: a user key's
// owner is user_id (a UUID or me), a team key's team_id.
struct FamilySpecs {
  ObjectSpec list_query, id_query, create_body;
};

FamilySpecs family_specs(ApiKeyType type) {
  const bool user = type == ApiKeyType::kUser;
  FieldSpec owner = user ? string_field("user_id").describe("A user's id, or me.")
                         : string_field("team_id").describe("A team's id.");
  FieldSpec list_owner = owner;
  if (user)
    list_owner.description += " Required, unless a user is signed in.";
  else
    list_owner = std::move(list_owner).uuid().required();
  FieldSpec id_owner = owner;
  if (!user) id_owner = std::move(id_owner).uuid();
  id_owner.description += " Checked for its form only.";
  return {
      ObjectSpec{{std::move(list_owner)}},
      ObjectSpec{{std::move(id_owner)}},
      ObjectSpec{{
          string_field("description").required(),
          integer_field("expires_at_millis").required().nullable().describe("null: never."),
          boolean_field("is_public")
              .describe("A public key is marked for secret scanners and cannot be revoked."),
          std::move(owner).required(),
      }},
  };
}

const FamilySpecs kUserKeySpecs = family_specs(ApiKeyType::kUser);
const FamilySpecs kTeamKeySpecs = family_specs(ApiKeyType::kTeam);
const ObjectSpec kUpdateBody{{
    string_field("description"),
    boolean_field("revoked").describe("Only true: a revoked key stays revoked."),
}};
const ObjectSpec kCheckBody{{string_field("api_key").required()}};

void add_family(Router& r, const std::string& base, ApiKeyType type) {
  const FamilySpecs& specs = type == ApiKeyType::kUser ? kUserKeySpecs : kTeamKeySpecs;
  const std::string owner = type == ApiKeyType::kUser ? "user" : "team";
  const std::string no_user = "CANNOT_GET_OWN_USER_WITHOUT_USER";
  const std::string not_owner = type == ApiKeyType::kUser ? "USER_NOT_FOUND" : "TEAM_NOT_FOUND";
  r.add(Method::kGet, base, Access::client_plus(),
        [type](RequestContext& ctx) { return list(ctx, type); }, Runs::kDatabase,
        {.summary = "List a " + owner + "'s API keys.",
         .query = &specs.list_query,
         .errors = {no_user, "USER_AUTHENTICATION_REQUIRED", not_owner},
         .response = &shapes::list_of(shapes::api_key())});
  r.add(Method::kPost, base, Access::client_plus(),
        [type](RequestContext& ctx) { return create(ctx, type); }, Runs::kDatabase,
        {.summary = "Create a " + owner + " API key (its value is shown once).",
         .body = &specs.create_body,
         .errors = {no_user, "USER_AUTHENTICATION_REQUIRED", not_owner},
         .response = &shapes::api_key()});
  r.add(Method::kGet, base + "/{api_key_id}", Access::client_plus(),
        [type](RequestContext& ctx) { return read(ctx, type); }, Runs::kDatabase,
        {.summary = "A " + owner + " API key.",
         .query = &specs.id_query,
         .errors = {no_user, "USER_AUTHENTICATION_REQUIRED", "API_KEY_NOT_FOUND"},
         .response = &shapes::api_key()});
  r.add(Method::kPatch, base + "/{api_key_id}", Access::client_plus(),
        [type](RequestContext& ctx) { return update(ctx, type); }, Runs::kDatabase,
        {.summary = "Update or revoke a " + owner + " API key.",
         .body = &kUpdateBody,
         .query = &specs.id_query,
         .errors = {no_user, "USER_AUTHENTICATION_REQUIRED", "API_KEY_NOT_FOUND",
                    "PUBLIC_API_KEY_CANNOT_BE_REVOKED"},
         .response = &shapes::api_key()});
  r.add(
      Method::kPost, base + "/check", Access::server_plus(),
      [type](RequestContext& ctx) { return check(ctx, type); }, Runs::kDatabase,
      {.summary = "Check a " + owner + " API key's value: the key, if valid.",
       .body = &kCheckBody,
       .errors = {"API_KEY_NOT_FOUND", "API_KEY_EXPIRED", "API_KEY_REVOKED", "WRONG_API_KEY_TYPE"},
       .response = &shapes::api_key()});
}

}  // namespace

void register_api_key_routes(Router& r) {
  add_family(r, "/user-api-keys", ApiKeyType::kUser);
  add_family(r, "/team-api-keys", ApiKeyType::kTeam);
  // Waits on the SMTP server for the owners' notices.
  r.add(Method::kPost, "/integrations/credential-scanning/revoke", Access::any(), revoke_leaked,
        Runs::kLong,
        {.summary = "A secret scanner reports a leaked API key: it is revoked and its owners "
                    "are told by e-mail.",
         .body = &kCheckBody,
         .errors = {"API_KEY_NOT_FOUND", "PUBLIC_API_KEY_CANNOT_BE_REVOKED", "API_KEY_EXPIRED"},
         .response = &shapes::success()});
}

}  // namespace latchkey::api
