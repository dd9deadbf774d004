// Webhooks: POST /webhooks/svix-token (admin; Stack's route) and the
// Svix-compatible management API under /svix/api/v1 (Svix's paths, so
// STACK_SVIX_SERVER_URL=<public URL>/svix and Svix's client libraries work).
// The /svix routes authenticate their own Bearer token (the pipeline runs
// them without Stack's header auth) and answer Svix's error bodies.
#include "api/routes.hpp"
#include "core/webhook_admin.hpp"

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

namespace {

// Svix's bodies and queries as this server reads them (route_spec.hpp; core/
// webhook_admin validates them and answers Svix's 422): documentation, with
// other properties allowed, as Svix's clients send more than these.
const ObjectSpec kPageQuery{
    .fields = {integer_field("limit").at_least(1).at_most(250), string_field("iterator")},
    .open = true};
const ObjectSpec kMessagesQuery{
    .fields = {integer_field("limit").at_least(1).at_most(250), string_field("iterator"),
               string_field("event_types").describe("Only messages of this event type."),
               boolean_field("with_content").describe("Default true: include the payload.")},
    .open = true};
const ObjectSpec kContentQuery{
    .fields = {boolean_field("with_content").describe("Default true: include the payload.")},
    .open = true};
const ObjectSpec kAppBody{
    .fields = {string_field("uid").required().describe("The token's project id: a project has "
                                                       "exactly one application."),
               string_field("name")},
    .open = true};
// Create and PUT (replace) require url; only create takes a secret.
std::vector<FieldSpec> endpoint_fields(bool patch, bool create) {
  std::vector<FieldSpec> fields = {
      string_field("url").url().describe("http or https."),
      string_field("description"),
      integer_field("version").at_least(1).nullable(),
      boolean_field("disabled"),
      array_field("filterTypes").nullable().describe("Event types; null or absent: all."),
      array_field("channels").nullable(),
      integer_field("rateLimit").at_least(1).nullable(),
      string_field("uid").nullable(),
      object_field("metadata").describe("An object of strings."),
  };
  fields[0].is_required = !patch;
  if (create) {
    fields.push_back(string_field("secret").nullable().describe(
        "whsec_ and 24 to 75 bytes in base64; generated when absent."));
  }
  return fields;
}
const ObjectSpec kEndpointCreateBody{.fields = endpoint_fields(false, true), .open = true};
const ObjectSpec kEndpointPutBody{.fields = endpoint_fields(false, false), .open = true};
const ObjectSpec kEndpointPatchBody{.fields = endpoint_fields(true, false), .open = true};
const ObjectSpec kRotateBody{
    .fields = {string_field("key").nullable().describe("The new secret; generated when absent.")},
    .optional = true,
    .open = true};
const ObjectSpec kMessageBody{
    .fields = {string_field("eventType").required(), object_field("payload").required()},
    .open = true};

// svix-token reads no field, and no body is needed.
const ObjectSpec kTokenBody{.optional = true};

}  // namespace

void register_svix_routes(Router& r) {
  r.add(Method::kPost, "/webhooks/svix-token", Access::admin(), svix_token, Runs::kDatabase,
        {.summary = "A token for the Svix-compatible API of this project (/svix/api/v1).",
         .body = &kTokenBody,
         .response = &shapes::svix_token(),
         .status = 201});

  const std::string app = "/svix/api/v1/app";
  const std::string one_app = app + "/{app_id}";
  const std::string endpoint = one_app + "/endpoint";
  const std::string one_endpoint = endpoint + "/{endpoint_id}";
  auto svix = [&r](Method method, const std::string& pattern, Handler handler, RouteSpec spec) {
    r.add(method, pattern, Access::any(), std::move(handler), Runs::kDatabase, std::move(spec));
  };
  svix(Method::kGet, app, list_apps,
       {.summary = "The token's application (Svix's list).",
        .response = &shapes::svix_page_of(shapes::svix_app())});
  svix(Method::kPost, app, create_app,
       {.summary = "Svix's create (getOrCreate): the token's project's application.",
        .body = &kAppBody,
        .response = &shapes::svix_app()});
  svix(Method::kGet, one_app, get_app,
       {.summary = "The application.", .response = &shapes::svix_app()});
  svix(Method::kPost, endpoint, create_endpoint,
       {.summary = "Create a webhook endpoint.",
        .body = &kEndpointCreateBody,
        .response = &shapes::svix_endpoint(),
        .status = 201});
  svix(Method::kGet, endpoint, list_endpoints,
       {.summary = "The application's endpoints.",
        .query = &kPageQuery,
        .response = &shapes::svix_page_of(shapes::svix_endpoint())});
  svix(Method::kGet, one_endpoint, get_endpoint,
       {.summary = "An endpoint.", .response = &shapes::svix_endpoint()});
  svix(Method::kPut, one_endpoint, [](RequestContext& ctx) { return update_endpoint(ctx, false); },
       {.summary = "Replace an endpoint (absent fields take their defaults).",
        .body = &kEndpointPutBody,
        .response = &shapes::svix_endpoint()});
  svix(Method::kPatch, one_endpoint, [](RequestContext& ctx) { return update_endpoint(ctx, true); },
       {.summary = "Change the endpoint's fields sent.",
        .body = &kEndpointPatchBody,
        .response = &shapes::svix_endpoint()});
  svix(Method::kDelete, one_endpoint, delete_endpoint,
       {.summary = "Delete an endpoint.", .status = 204, .answers = "No content."});
  svix(Method::kGet, one_endpoint + "/secret", get_secret,
       {.summary = "The endpoint's signing secret.", .response = &shapes::svix_endpoint_secret()});
  svix(Method::kPost, one_endpoint + "/secret/rotate", rotate_secret,
       {.summary = "Rotate the endpoint's signing secret.",
        .body = &kRotateBody,
        .status = 204,
        .answers = "No content."});
  svix(Method::kGet, one_app + "/msg", list_messages,
       {.summary = "The application's messages (webhook events), newest first.",
        .query = &kMessagesQuery,
        .response = &shapes::svix_page_of(shapes::svix_message())});
  svix(Method::kPost, one_app + "/msg", create_message,
       {.summary = "Send a message to the endpoints.",
        .body = &kMessageBody,
        .response = &shapes::svix_message(),
        .status = 202});
  svix(Method::kGet, one_app + "/msg/{msg_id}", get_message,
       {.summary = "A message.", .query = &kContentQuery, .response = &shapes::svix_message()});
  svix(Method::kGet, one_app + "/attempt/endpoint/{endpoint_id}", attempts_by_endpoint,
       {.summary = "Delivery attempts to an endpoint.",
        .query = &kPageQuery,
        .response = &shapes::svix_page_of(shapes::svix_attempt())});
  svix(Method::kGet, one_app + "/attempt/msg/{msg_id}", attempts_by_message,
       {.summary = "Delivery attempts of a message.",
        .query = &kPageQuery,
        .response = &shapes::svix_page_of(shapes::svix_attempt())});
}

}  // namespace latchkey::api
