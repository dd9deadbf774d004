// GET /api/v1 (the welcome text), the per-project JWKS, and the SDK's
// version and feature checks (projects.md §5.1, §5.2).
#include "api/routes.hpp"
#include "core/errors.hpp"
#include "core/version.hpp"

namespace latchkey::api {

static Response root(RequestContext& ctx) {
  ctx.query_reader().reject_unknown();
  ctx.validate();
  std::string text =
      "Welcome to the Stack API endpoint! Please refer to the documentation at "
      "https://docs.stack-auth.com.\n\nAuthentication: ";
  if (!ctx.access_type) {
    text += "None";
  } else {
    std::string type(access_type_name(*ctx.access_type));
    type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
    text += type + "\n  Project: " + ctx.require_project().id + "\n  User: ";
    if (!ctx.user)
      text += "None";
    else
      text += ctx.user->primary_email.value_or(ctx.user->id);
  }
  return Response::text(200, std::move(text));
}

// The project's existence is read through the read cache (like header
// auth's), so the JWKS is answered from memory when the project is cached.
static std::optional<Response> jwks(RequestContext& ctx) {
  const std::string& id = ctx.params.at("project_id");
  auto project = ctx.cached_project(id);
  if (!project) return std::nullopt;  // in memory, not cached: needs the database
  if (!*project) throw core::PlainError(404, "Project not found");
  return Response::json(200, ctx.app.tokens->jwks(id));
}

// §5.1: the body's key is camelCase, as the SDK sends it.
static Response check_version(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto client_version = body.field("clientVersion").string(true);
  body.reject_unknown();
  ctx.validate();
  auto check = core::check_client_version(*client_version);
  if (check.up_to_date) return Response::json(200, Json{{"upToDate", true}});
  return Response::json(
      200, Json{{"upToDate", false}, {"error", check.error}, {"severe", check.severe}});
}

// §5.2: SDKs ask whether a feature exists; none of the ones they ask about
// does. Any body is accepted.
static Response check_feature_support(RequestContext& ctx) {
  ctx.validate();
  std::string feature = "This feature";
  if (ctx.body && ctx.body->is_object()) {
    auto it = ctx.body->find("feature_name");
    if (it != ctx.body->end() && !it->is_null())
      feature = it->is_string() ? it->get<std::string>() : it->dump();
  }
  return Response::text(
      200,
      feature + " is not yet supported. Please reach out to Stack support for more information.");
}

static const ObjectSpec kCheckVersionBody{{
    string_field("clientVersion").required().describe("The SDK's x-stack-client-version."),
}};
// Any body: only feature_name is shown back.
static const ObjectSpec kFeatureBody{
    .fields = {any_field("feature_name").nullable()}, .optional = true, .open = true};

void register_root_routes(Router& r) {
  r.add(Method::kGet, "/", Access::any(), root, Runs::kMemory,
        {.summary = "Welcome text, with who the request authenticates as.",
         .query = &kNoFields,
         .answers = "Plain text."});
  r.add(Method::kGet, "/projects/{project_id}/.well-known/jwks.json", Access::any(), jwks,
        Runs::kMemory,
        {.summary = "The public keys that verify the project's access tokens (JWKS); a plain-text "
                    "404 for an unknown project.",
         .response = &shapes::jwks()});
  r.add(Method::kPost, "/check-version", Access::any(), check_version, Runs::kDatabase,
        {.summary = "Whether an SDK version is supported by this API.",
         .body = &kCheckVersionBody,
         .response = &shapes::version_check()});
  r.add(Method::kPost, "/check-feature-support", Access::any(), check_feature_support,
        Runs::kDatabase,
        {.summary = "An SDK asks about a feature; none of those they ask about exist.",
         .body = &kFeatureBody,
         .answers = "Plain text: the feature is not yet supported."});
}

}  // namespace latchkey::api
