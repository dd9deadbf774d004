// Projects and project key sets: /projects/current, /internal/projects,
// /internal/projects/current and /internal/api-keys (projects.md §2–§4).
#include "core/projects.hpp"

#include "api/routes.hpp"
#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/project_config.hpp"
#include "core/users.hpp"

namespace latchkey::api {
namespace e = core::errors;

namespace {

Json permission_list(Field f) {
  auto arr = f.array(false);
  if (!arr) return Json();
  Json out = Json::array();
  SchemaErrors dummy;
  for (size_t i = 0; i < arr->size(); ++i) {
    const Json& item = (*arr)[i];
    std::string path = f.path() + "[" + std::to_string(i) + "]";
    if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) {
      std::string suffix = "[";
      suffix += std::to_string(i);
      suffix += "].id must be defined";
      f.add_error(suffix);
      continue;
    }
    out.push_back(Json{{"id", item["id"]}});
  }
  return out;
}

// Reads `config` of a project create/update body (project-config.md §3–§4)
// into `config`; only the keys sent are changed.
void read_config(ObjectReader& cfg, Json& config) {
  for (const char* key :
       {"sign_up_enabled", "credential_enabled", "magic_link_enabled", "passkey_enabled",
        "client_team_creation_enabled", "client_user_deletion_enabled", "allow_localhost",
        "allow_user_api_keys", "allow_team_api_keys", "create_team_on_sign_up",
        // Stack's onboarding.requireEmailVerification (users without a
        // verified primary e-mail are restricted); written, never shown.
        core::kRequireEmailVerification}) {
    if (auto v = cfg.field(key).boolean(false)) config[key] = *v;
  }
  if (auto v = cfg.field("oauth_account_merge_strategy")
                   .one_of(false, {"link_method", "raise_error", "allow_duplicates"}))
    config["oauth_account_merge_strategy"] = *v;
  if (auto v = cfg.field("email_theme").one_of(false, {"default-light", "default-dark"}))
    config["email_theme"] = *v;

  auto& errors = cfg.errors();
  if (auto providers = cfg.field("oauth_providers").array(false)) {
    Json out = Json::array();
    for (size_t i = 0; i < providers->size(); ++i) {
      std::string path = "body.config.oauth_providers[" + std::to_string(i) + "]";
      ObjectReader p(path, &(*providers)[i], errors);
      if (!p.valid()) continue;
      auto id = p.field("id").one_of(true, core::oauth_provider_ids());
      auto type = p.field("type").one_of(true, {"shared", "standard"});
      bool standard = type && *type == "standard";
      auto client_id = p.field("client_id").string(standard, 0, standard);
      auto client_secret = p.field("client_secret").string(standard, 0, standard);
      auto fb = p.field("facebook_config_id").string(false);
      auto ms = p.field("microsoft_tenant_id").string(false);
      // Latchkey's own fields (README, OAuth): Apple's key identifiers (the
      // .p8 key itself goes in client_secret) and the generic OIDC
      // provider's discovery document.
      auto apple_team = p.field("apple_team_id").string(false);
      auto apple_key = p.field("apple_key_id").string(false);
      Field discovery_field = p.field("discovery_url");
      auto discovery = discovery_field.url(standard && id && *id == "oidc");
      if (discovery && discovery->rfind("http://", 0) != 0 &&
          discovery->rfind("https://", 0) != 0) {
        discovery_field.add_error("must start with http:// or https://");
        discovery.reset();
      }
      p.reject_unknown();
      if (!id || !type) continue;
      Json entry{{"id", *id}, {"type", *type}};
      if (client_id) entry["client_id"] = *client_id;
      if (client_secret) entry["client_secret"] = *client_secret;
      if (fb) entry["facebook_config_id"] = *fb;
      if (ms) entry["microsoft_tenant_id"] = *ms;
      if (apple_team) entry["apple_team_id"] = *apple_team;
      if (apple_key) entry["apple_key_id"] = *apple_key;
      if (discovery) entry["discovery_url"] = *discovery;
      // A repeated id keeps the last entry.
      for (auto it = out.begin(); it != out.end(); ++it)
        if ((*it)["id"] == *id) {
          out.erase(it);
          break;
        }
      out.push_back(entry);
    }
    config["oauth_providers"] = out;
  }

  if (auto domains = cfg.field("domains").array(false)) {
    Json out = Json::array();
    for (size_t i = 0; i < domains->size(); ++i) {
      std::string path = "body.config.domains[" + std::to_string(i) + "]";
      ObjectReader d(path, &(*domains)[i], errors);
      if (!d.valid()) continue;
      auto domain = d.field("domain").url(true);
      auto handler = d.field("handler_path").string(true);
      d.reject_unknown();
      if (domain && domain->rfind("http://", 0) != 0 && domain->rfind("https://", 0) != 0) {
        errors.add("URL must start with http:// or https://");
        domain.reset();
      }
      if (handler && (*handler).rfind("/", 0) != 0) {
        errors.add("Handler path must start with /");
        handler.reset();
      }
      if (domain && handler) out.push_back(Json{{"domain", *domain}, {"handler_path", *handler}});
    }
    config["domains"] = out;
  }

  if (auto ec = cfg.field("email_config").object(false)) {
    ObjectReader m("body.config.email_config", &*ec, errors);
    auto type = m.field("type").one_of(true, {"shared", "standard"});
    if (type && *type == "standard") {
      auto host = m.field("host").string(true, 0, true);
      auto port = m.field("port").integer(true, 0, 65535);
      auto username = m.field("username").string(true, 0, true);
      auto password = m.field("password").string(true, 70, true);
      auto sender_name = m.field("sender_name").string(true, 0, true);
      auto sender_email = m.field("sender_email").email(true);
      m.reject_unknown();
      if (host && port && username && password && sender_name && sender_email)
        config["email_config"] = Json{
            {"type", "standard"},           {"host", *host},         {"port", *port},
            {"username", *username},        {"password", *password}, {"sender_name", *sender_name},
            {"sender_email", *sender_email}};
    } else {
      m.reject_unknown();
      if (type) config["email_config"] = Json{{"type", "shared"}};
    }
  }

  for (const char* key : {"team_creator_default_permissions", "team_member_default_permissions",
                          "user_default_permissions"}) {
    Json list = permission_list(cfg.field(key));
    if (!list.is_null()) config[key] = list;
  }
  cfg.reject_unknown();
}

struct ProjectFields {
  std::optional<std::string> display_name;
  Patch<std::string> description;
  std::optional<bool> is_production_mode;
};

ProjectFields read_project_fields(ObjectReader& body, bool name_required) {
  ProjectFields f;
  f.display_name = body.field("display_name").string(name_required);
  f.description = body.field("description").nullable_string();
  f.is_production_mode = body.field("is_production_mode").boolean(false);
  return f;
}

Response get_current(RequestContext& ctx) {
  return Response::json(200, core::project_client_view(ctx.require_project()));
}

Response get_internal_current(RequestContext& ctx) {
  return Response::json(200, core::project_admin_view(ctx.require_project()));
}

Response patch_internal_current(RequestContext& ctx) {
  store::Project p = ctx.require_project();
  auto body = ctx.body_reader();
  auto f = read_project_fields(body, false);
  Json config = p.config;
  auto cfg_field = body.field("config");
  if (auto cfg = cfg_field.object(false)) {
    ObjectReader r("body.config", &*cfg, ctx.schema);
    read_config(r, config);
  }
  body.reject_unknown();
  ctx.validate();
  if (f.display_name) p.display_name = *f.display_name;
  if (f.description.present) p.description = f.description.value.value_or("");
  if (f.is_production_mode) p.is_production_mode = *f.is_production_mode;
  core::normalize_config(config);
  p.config = config;
  return Response::json(200, core::project_admin_view(core::update_project(*ctx.app.store, p)));
}

Response delete_internal_current(RequestContext& ctx) {
  core::delete_project(*ctx.app.store, ctx.require_project().id);
  return Response::json(200, Json{{"success", true}});
}

// /internal/projects: the dashboard user's own projects (projects.md §3.3).
void require_dashboard_user(RequestContext& ctx) {
  if (!ctx.user) throw e::user_authentication_required();
  if (ctx.require_project().id != "internal") throw e::expected_internal_project();
}

Response list_internal_projects(RequestContext& ctx) {
  require_dashboard_user(ctx);
  Json items = Json::array();
  for (const auto& id : core::managed_project_ids(*ctx.user))
    if (auto p = core::find_project(*ctx.app.store, id))
      items.push_back(core::project_admin_view(*p));
  return Response::json(200, Json{{"items", items}, {"is_paginated", false}});
}

Response create_internal_project(RequestContext& ctx) {
  require_dashboard_user(ctx);
  auto body = ctx.body_reader();
  auto f = read_project_fields(body, true);
  Json config = core::default_project_config();
  if (auto cfg = body.field("config").object(false)) {
    ObjectReader r("body.config", &*cfg, ctx.schema);
    read_config(r, config);
  }
  body.reject_unknown();
  ctx.validate();
  core::NewProject np;
  np.display_name = *f.display_name;
  np.description = f.description.value.value_or("");
  np.is_production_mode = f.is_production_mode.value_or(false);
  np.config = config;
  auto p = core::create_managed_project(*ctx.app.store, *ctx.app.clock, *ctx.user, np);
  return Response::json(201, core::project_admin_view(p));
}

Response list_keys(RequestContext& ctx) {
  Json items = Json::array();
  for (const auto& k : core::list_key_sets(*ctx.app.store, ctx.require_project().id))
    items.push_back(core::key_set_view(k));
  return Response::json(200, Json{{"items", items}, {"is_paginated", false}});
}

Response create_keys(RequestContext& ctx) {
  auto body = ctx.body_reader();
  core::NewKeySet k;
  auto description = body.field("description").string(true);
  auto expires = body.field("expires_at_millis").integer(true);
  auto pck = body.field("has_publishable_client_key").boolean(true);
  auto ssk = body.field("has_secret_server_key").boolean(true);
  auto sak = body.field("has_super_secret_admin_key").boolean(true);
  body.reject_unknown();
  ctx.validate();
  k.description = *description;
  k.expires_at_millis = *expires;
  k.has_publishable_client_key = *pck;
  k.has_secret_server_key = *ssk;
  k.has_super_secret_admin_key = *sak;
  auto created = core::create_key_set(*ctx.app.store, *ctx.app.clock, ctx.require_project().id, k);
  return Response::json(200, core::key_set_created_view(created));
}

store::ApiKeySet find_key_set(RequestContext& ctx) {
  auto id = ctx.param("api_key_id").uuid(true);
  return core::find_key_set(*ctx.app.store, ctx.require_project().id, id.value_or(""))
      .value_or(store::ApiKeySet{});
}

Response get_keys(RequestContext& ctx) {
  auto set = find_key_set(ctx);
  ctx.validate();
  if (set.id.empty()) throw e::api_key_not_found();
  return Response::json(200, core::key_set_view(set));
}

Response patch_keys(RequestContext& ctx) {
  auto set = find_key_set(ctx);
  auto body = ctx.body_reader();
  auto description = body.field("description").string(false);
  auto revoked_field = body.field("revoked");
  auto revoked = revoked_field.boolean(false);
  if (revoked && !*revoked) revoked_field.add_error("must be one of the following values: true");
  body.reject_unknown();
  ctx.validate();
  if (set.id.empty()) throw e::api_key_not_found();
  set = core::update_key_set(*ctx.app.store, *ctx.app.clock, std::move(set), description,
                             revoked.value_or(false));
  return Response::json(200, core::key_set_view(set));
}

}  // namespace

namespace {

// What the handlers above read (route_spec.hpp). The config's nested
// objects are read with readers of their own (documentation here).
const std::vector<std::string> kConfigFlags = {
    "sign_up_enabled",        "credential_enabled",           "magic_link_enabled",
    "passkey_enabled",        "client_team_creation_enabled", "client_user_deletion_enabled",
    "allow_localhost",        "allow_user_api_keys",          "allow_team_api_keys",
    "create_team_on_sign_up", core::kRequireEmailVerification};
const ObjectSpec kOAuthProviderConfig{{
    one_of_field("id", core::oauth_provider_ids()).required(),
    one_of_field("type", {"shared", "standard"}).required(),
    string_field("client_id").min(1).describe("Required for type standard."),
    string_field("client_secret").min(1).describe("Required for type standard."),
    string_field("facebook_config_id"),
    string_field("microsoft_tenant_id"),
    string_field("apple_team_id"),
    string_field("apple_key_id"),
    string_field("discovery_url").url().describe("The OIDC provider's (required for oidc)."),
}};
const ObjectSpec kDomainConfig{{
    string_field("domain").url().required().describe("http:// or https://."),
    string_field("handler_path").required().describe("Starts with /."),
}};
const ObjectSpec kEmailConfig{{
    one_of_field("type", {"shared", "standard"}).required(),
    string_field("host").min(1).describe("The fields but type: required for type standard."),
    integer_field("port").at_least(0).at_most(65535),
    string_field("username").min(1),
    string_field("password").min(1).max(70),
    string_field("sender_name").min(1),
    string_field("sender_email").email(),
}};
const ObjectSpec kPermissionRef{{string_field("id").required()}};
ObjectSpec make_config_spec() {
  ObjectSpec spec;
  for (const auto& flag : kConfigFlags) spec.fields.push_back(boolean_field(flag));
  for (FieldSpec f : {
           one_of_field("oauth_account_merge_strategy",
                        {"link_method", "raise_error", "allow_duplicates"}),
           one_of_field("email_theme", {"default-light", "default-dark"}),
           array_field("oauth_providers").of(kOAuthProviderConfig),
           array_field("domains").of(kDomainConfig),
           object_field("email_config").of(kEmailConfig),
           array_field("team_creator_default_permissions").of(kPermissionRef),
           array_field("team_member_default_permissions").of(kPermissionRef),
           array_field("user_default_permissions").of(kPermissionRef),
       })
    spec.fields.push_back(std::move(f));
  return spec;
}
const ObjectSpec kConfig = make_config_spec();
ObjectSpec project_body(bool create) {
  FieldSpec name = string_field("display_name");
  name.is_required = create;
  return ObjectSpec{{
      std::move(name),
      string_field("description").nullable(),
      boolean_field("is_production_mode"),
      object_field("config").of(kConfig).describe("Only the keys sent change."),
  }};
}
const ObjectSpec kProjectCreateBody = project_body(true);
const ObjectSpec kProjectPatchBody = project_body(false);
const ObjectSpec kKeySetCreateBody{{
    string_field("description").required(),
    integer_field("expires_at_millis").required(),
    boolean_field("has_publishable_client_key").required(),
    boolean_field("has_secret_server_key").required(),
    boolean_field("has_super_secret_admin_key").required(),
}};
const ObjectSpec kKeySetPatchBody{{
    string_field("description"),
    boolean_field("revoked").describe("Only true: a revoked key set stays revoked."),
}};

}  // namespace

void register_project_routes(Router& r) {
  const std::string dashboard_only = "EXPECTED_INTERNAL_PROJECT";
  // The project is the request's context: answered from memory.
  r.add(Method::kGet, "/projects/current", Access::client_plus(), get_current, Runs::kMemory,
        {.summary = "The project of the request (its client-visible config).",
         .response = &shapes::client_project()});
  r.add(Method::kGet, "/internal/projects/current", Access::admin(), get_internal_current,
        Runs::kMemory,
        {.summary = "The project of the request, with its whole config.",
         .response = &shapes::project()});
  r.add(Method::kPatch, "/internal/projects/current", Access::admin(), patch_internal_current,
        Runs::kDatabase,
        {.summary = "Update the project.",
         .body = &kProjectPatchBody,
         .errors = {"PROJECT_NOT_FOUND"},
         .response = &shapes::project()});
  r.add(Method::kDelete, "/internal/projects/current", Access::admin(), delete_internal_current,
        Runs::kDatabase,
        {.summary = "Delete the project.",
         .errors = {"PROJECT_NOT_FOUND"},
         .response = &shapes::success()});
  r.add(Method::kGet, "/internal/projects", Access::client_plus(), list_internal_projects,
        Runs::kDatabase,
        {.summary = "The signed-in dashboard user's projects (internal project only).",
         .errors = {"USER_AUTHENTICATION_REQUIRED", dashboard_only},
         .response = &shapes::list_of(shapes::project())});
  r.add(Method::kPost, "/internal/projects", Access::client_plus(), create_internal_project,
        Runs::kDatabase,
        {.summary = "Create a project owned by the signed-in dashboard user.",
         .body = &kProjectCreateBody,
         .errors = {"USER_AUTHENTICATION_REQUIRED", dashboard_only},
         .response = &shapes::project(),
         .status = 201});
  r.add(Method::kGet, "/internal/api-keys", Access::admin(), list_keys, Runs::kDatabase,
        {.summary = "The project's key sets.", .response = &shapes::list_of(shapes::key_set())});
  r.add(Method::kPost, "/internal/api-keys", Access::admin(), create_keys, Runs::kDatabase,
        {.summary = "Create a key set (its keys are shown once).",
         .body = &kKeySetCreateBody,
         .response = &shapes::created_key_set()});
  r.add(Method::kGet, "/internal/api-keys/{api_key_id}", Access::admin(), get_keys, Runs::kDatabase,
        {.summary = "A key set.", .errors = {"API_KEY_NOT_FOUND"}, .response = &shapes::key_set()});
  r.add(Method::kPatch, "/internal/api-keys/{api_key_id}", Access::admin(), patch_keys,
        Runs::kDatabase,
        {.summary = "Update or revoke a key set.",
         .body = &kKeySetPatchBody,
         .errors = {"API_KEY_NOT_FOUND"},
         .response = &shapes::key_set()});
}

}  // namespace latchkey::api
