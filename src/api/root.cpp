// GET /api/v1 (the welcome text) and the per-project JWKS.
#include "core/errors.hpp"
#include "http/router.hpp"

namespace latchkey::http {

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

void register_root_routes(Router& r) {
  r.add(Method::kGet, "/", Access::any(), root, Runs::kMemory);
  r.add(Method::kGet, "/projects/{project_id}/.well-known/jwks.json", Access::any(), jwks,
        Runs::kMemory);
}

}  // namespace latchkey::http
