// Webhooks: POST /webhooks/svix-token (admin; Stack's route) and the
// Svix-compatible management API under /svix/api/v1 (Svix's paths, so
// STACK_SVIX_SERVER_URL=<public URL>/svix and Svix's client libraries work).
// The /svix routes authenticate their own Bearer token (the pipeline runs
// them without Stack's header auth) and answer Svix's error bodies.
#include "core/webhook_admin.hpp"
#include "api/routes.hpp"

namespace latchkey::api {
namespace {

namespace admin = core::webhook_admin;

// The project of the request's Bearer token (401 without a valid one).
std::string token_project(const RequestContext& ctx) {
  std::optional<std::string> auth;
  if (auto h = ctx.req.headers.get("authorization")) auth = std::string(*h);
  return admin::authenticate(*ctx.app.store, *ctx.app.clock, auth);
}

// The project of the request's token and the application its path names.
struct SvixCall {
  std::string project_id;
  store::WebhookApp app;
};

SvixCall svix_call(RequestContext& ctx) {
  SvixCall call;
  call.project_id = token_project(ctx);
  call.app =
      admin::require_app(*ctx.app.store, *ctx.app.clock, call.project_id, ctx.params.at("app_id"));
  return call;
}

const Json& body_of(const RequestContext& ctx) {
  static const Json kEmpty = Json::object();
  return ctx.body ? *ctx.body : kEmpty;
}

std::optional<std::string> query_text(const RequestContext& ctx, const char* key) {
  if (!ctx.query.contains(key)) return std::nullopt;
  return ctx.query[key].get<std::string>();
}

// Svix's with_content query flag (default true).
bool with_content(const RequestContext& ctx) {
  auto v = query_text(ctx, "with_content");
  return !v || (*v != "false" && *v != "0");
}

Response svix_token(RequestContext& ctx) {
  auto body = ctx.body_reader(false);
  body.reject_unknown();
  ctx.validate();
  // A CRUD create in Stack: 201.
  return Response::json(201, Json{{"token", admin::issue_token(*ctx.app.store, *ctx.app.clock,
                                                               ctx.require_project().id)}});
}

Response get_app(RequestContext& ctx) {
  return Response::json(200, admin::app_json(svix_call(ctx).app));
}

Response list_apps(RequestContext& ctx) {
  auto project = token_project(ctx);
  return Response::json(
      200, admin::list_apps(admin::ensure_app(*ctx.app.store, *ctx.app.clock, project)));
}

// POST /app (Svix's create, and getOrCreate with ?get_if_exists=true): a
// project has exactly one application, so this answers it when the body's
// uid is the token's project, and refuses any other.
Response create_app(RequestContext& ctx) {
  auto project = token_project(ctx);
  const Json& body = body_of(ctx);
  if (!body.is_object() || !body.contains("uid") || body["uid"] != project)
    throw admin::SvixError(
        403, "forbidden",
        "A token can only reach its own project's application (uid " + project + ")");
  return Response::json(
      200, admin::app_json(admin::ensure_app(*ctx.app.store, *ctx.app.clock, project)));
}

Response create_endpoint(RequestContext& ctx) {
  auto call = svix_call(ctx);
  return Response::json(
      201, admin::create_endpoint(*ctx.app.store, *ctx.app.clock, call.project_id, body_of(ctx)));
}

Response list_endpoints(RequestContext& ctx) {
  auto call = svix_call(ctx);
  return Response::json(
      200, admin::list_endpoints(*ctx.app.store, call.project_id, admin::page_of(ctx.query)));
}

Response get_endpoint(RequestContext& ctx) {
  auto call = svix_call(ctx);
  return Response::json(
      200, admin::get_endpoint(*ctx.app.store, call.project_id, ctx.params.at("endpoint_id")));
}

Response update_endpoint(RequestContext& ctx, bool patch) {
  auto call = svix_call(ctx);
  return Response::json(200,
                        admin::update_endpoint(*ctx.app.store, *ctx.app.clock, call.project_id,
                                               ctx.params.at("endpoint_id"), body_of(ctx), patch));
}

Response delete_endpoint(RequestContext& ctx) {
  auto call = svix_call(ctx);
  admin::delete_endpoint(*ctx.app.store, call.project_id, ctx.params.at("endpoint_id"));
  return Response::empty(204);
}

Response get_secret(RequestContext& ctx) {
  auto call = svix_call(ctx);
  return Response::json(200, admin::get_endpoint_secret(*ctx.app.store, call.project_id,
                                                        ctx.params.at("endpoint_id")));
}

Response rotate_secret(RequestContext& ctx) {
  auto call = svix_call(ctx);
  admin::rotate_endpoint_secret(*ctx.app.store, *ctx.app.clock, call.project_id,
                                ctx.params.at("endpoint_id"), body_of(ctx));
  return Response::empty(204);
}

Response list_messages(RequestContext& ctx) {
  auto call = svix_call(ctx);
  // Svix filters by event_types (one or more); the last one given here.
  auto type = query_text(ctx, "event_types");
  if (!type) type = query_text(ctx, "event_types[]");
  return Response::json(
      200, admin::list_messages(*ctx.app.store, call.project_id, admin::page_of(ctx.query), type,
                                with_content(ctx)));
}

Response create_message(RequestContext& ctx) {
  auto call = svix_call(ctx);
  return Response::json(202, admin::create_message(*ctx.app.store, call.project_id, body_of(ctx)));
}

Response get_message(RequestContext& ctx) {
  auto call = svix_call(ctx);
  return Response::json(200, admin::get_message(*ctx.app.store, call.project_id,
                                                ctx.params.at("msg_id"), with_content(ctx)));
}

Response attempts_by_endpoint(RequestContext& ctx) {
  auto call = svix_call(ctx);
  return Response::json(200, admin::list_attempts_by_endpoint(*ctx.app.store, call.project_id,
                                                              ctx.params.at("endpoint_id"),
                                                              admin::page_of(ctx.query)));
}

Response attempts_by_message(RequestContext& ctx) {
  auto call = svix_call(ctx);
  return Response::json(
      200, admin::list_attempts_by_message(*ctx.app.store, call.project_id, ctx.params.at("msg_id"),
                                           admin::page_of(ctx.query)));
}

}  // namespace

void register_svix_routes(Router& r) {
  r.add(Method::kPost, "/webhooks/svix-token", Access::admin(), svix_token);

  const std::string app = "/svix/api/v1/app";
  const std::string one_app = app + "/{app_id}";
  const std::string endpoint = one_app + "/endpoint";
  const std::string one_endpoint = endpoint + "/{endpoint_id}";
  r.add(Method::kGet, app, Access::any(), list_apps);
  r.add(Method::kPost, app, Access::any(), create_app);
  r.add(Method::kGet, one_app, Access::any(), get_app);
  r.add(Method::kPost, endpoint, Access::any(), create_endpoint);
  r.add(Method::kGet, endpoint, Access::any(), list_endpoints);
  r.add(Method::kGet, one_endpoint, Access::any(), get_endpoint);
  r.add(Method::kPut, one_endpoint, Access::any(),
        [](RequestContext& ctx) { return update_endpoint(ctx, false); });
  r.add(Method::kPatch, one_endpoint, Access::any(),
        [](RequestContext& ctx) { return update_endpoint(ctx, true); });
  r.add(Method::kDelete, one_endpoint, Access::any(), delete_endpoint);
  r.add(Method::kGet, one_endpoint + "/secret", Access::any(), get_secret);
  r.add(Method::kPost, one_endpoint + "/secret/rotate", Access::any(), rotate_secret);
  r.add(Method::kGet, one_app + "/msg", Access::any(), list_messages);
  r.add(Method::kPost, one_app + "/msg", Access::any(), create_message);
  r.add(Method::kGet, one_app + "/msg/{msg_id}", Access::any(), get_message);
  r.add(Method::kGet, one_app + "/attempt/endpoint/{endpoint_id}", Access::any(),
        attempts_by_endpoint);
  r.add(Method::kGet, one_app + "/attempt/msg/{msg_id}", Access::any(), attempts_by_message);
}

}  // namespace latchkey::api
