// The users API: /users/me (client, server, admin) and /users,
// /users/{user_id} (server, admin), users.md §1–§7.
#include "core/users.hpp"

#include <cctype>
#include <string_view>

#include "api/profile_image.hpp"
#include "api/routes.hpp"
#include "core/crypto.hpp"
#include "core/errors.hpp"

namespace latchkey::api {
namespace e = core::errors;

namespace {

// Who is writing, which decides the fields a body may hold (users.md §3.1).
enum class BodyKind { kClientPatch, kServerPatch, kCreate };

// A body of POST or PATCH, read and checked field by field.
struct UserBody {
  core::UserPatch patch;
  bool is_anonymous = false;  // POST only
  std::vector<core::OAuthProviderLink> oauth_providers;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

template <typename T>
std::optional<std::optional<T>> to_update(const Patch<T>& p) {
  if (!p.present) return std::nullopt;
  return std::optional<std::optional<T>>(std::in_place, p.value);
}

bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
}

// Standard alphabet, padded to a multiple of four. Hand-written: std::regex
// recurses per character and overflows the stack on megabyte inputs.
bool is_standard_base64(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i < s.size() - pad; ++i)
    if (!is_base64_char(s[i])) return false;
  return true;
}

// Lenient e-mail (x@y passes), nullable, never empty.
Patch<std::string> read_email(Field f) {
  Patch<std::string> p;
  if (!f.present()) return p;
  if (f.is_null()) {
    p.present = true;
    return p;
  }
  auto s = f.string(false);
  if (!s) return p;
  if (s->empty()) {
    f.add_error("must not be empty");
    return p;
  }
  // No deliverable address is longer than 320 characters (64 + 1 + 255),
  // and the shared e-mail check is a std::regex that overflows the stack on
  // very long inputs: refuse those before running it.
  if (s->size() > 320 || !is_valid_email(*s)) {
    f.add_error("must be a valid email");
    return p;
  }
  p.present = true;
  p.value = std::move(s);
  return p;
}

std::vector<core::OAuthProviderLink> read_oauth_providers(Field f, SchemaErrors& errors) {
  std::vector<core::OAuthProviderLink> out;
  auto arr = f.array(false);
  if (!arr) return out;
  for (size_t i = 0; i < arr->size(); ++i) {
    ObjectReader item(f.path() + "[" + std::to_string(i) + "]", &(*arr)[i], errors);
    auto id = item.field("id").string(true);
    auto account_id = item.field("account_id").string(true);
    auto email = item.field("email").nullable_string();
    item.reject_unknown();
    if (id && account_id) out.push_back({*id, *account_id, email.value});
  }
  return out;
}

// Server fields of Stack's later users API (restrictions by an
// administrator, sign-up country and risk scores), validated as Stack does:
// a reason or details only with restricted_by_admin true in the same body.
void read_restriction_and_sign_up_fields(ObjectReader& body, core::UserPatch& p) {
  auto& errors = body.errors();
  auto by_admin = body.field("restricted_by_admin").boolean(false);
  auto reason = body.field("restricted_by_admin_reason").nullable_string();
  auto details = body.field("restricted_by_admin_private_details").nullable_string();
  if (by_admin != true) {
    if (reason.value)
      errors.add("restricted_by_admin_reason must be null when restricted_by_admin is not true");
    if (details.value)
      errors.add(
          "restricted_by_admin_private_details must be null when restricted_by_admin is not true");
  }
  p.restricted_by_admin = by_admin;
  p.restricted_by_admin_reason = to_update(reason);
  p.restricted_by_admin_private_details = to_update(details);
  Field country_field = body.field("country_code");
  auto country = country_field.nullable_string();
  if (country.value && (country.value->size() != 2 ||
                        !std::isalpha(static_cast<unsigned char>((*country.value)[0])) ||
                        !std::isalpha(static_cast<unsigned char>((*country.value)[1]))))
    country_field.add_error("must be a 2-letter country code");
  if (country.present) {
    std::optional<std::string> code = country.value;
    if (code)
      for (char& c : *code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    p.country_code = code;
  }
  if (auto scores = body.field("risk_scores").object(false)) {
    ObjectReader r("body.risk_scores", &*scores, errors);
    if (auto sign_up = r.field("sign_up").object(true)) {
      ObjectReader su("body.risk_scores.sign_up", &*sign_up, errors);
      p.risk_score_bot = su.field("bot").integer(true, 0, 100);
      p.risk_score_free_trial_abuse = su.field("free_trial_abuse").integer(true, 0, 100);
      su.reject_unknown();
    }
    r.reject_unknown();
  }
}

UserBody read_user_body(RequestContext& ctx, BodyKind kind) {
  const bool server = kind != BodyKind::kClientPatch;
  const bool patch = kind != BodyKind::kCreate;
  UserBody b;
  core::UserPatch& p = b.patch;
  auto body = ctx.body_reader();

  p.display_name = to_update(body.field("display_name").nullable_string());
  {
    Field f = body.field("profile_image_url");
    auto url = f.nullable_url();
    if (url.value && js_length(*url.value) > 1000000) {
      f.add_error("must be at most 1000000 characters");
    } else {
      p.profile_image_url = to_update(url);
    }
  }
  // Metadata: any JSON; null is stored as JSON null.
  auto json_field = [&](const char* key) -> std::optional<Json> {
    auto v = body.field(key).nullable_json();
    if (!v.present) return std::nullopt;
    return v.value.value_or(Json());
  };
  p.client_metadata = json_field("client_metadata");
  if (server) {
    p.client_read_only_metadata = json_field("client_read_only_metadata");
    p.server_metadata = json_field("server_metadata");
    p.primary_email = to_update(read_email(body.field("primary_email")));
    p.primary_email_verified = body.field("primary_email_verified").boolean(false);
    p.primary_email_auth_enabled = body.field("primary_email_auth_enabled").boolean(false);
    p.password = to_update(body.field("password").nullable_string(70));
    p.password_hash = body.field("password_hash").string(false, 0, true);
  }
  p.otp_auth_enabled = body.field("otp_auth_enabled").boolean(false);
  p.passkey_auth_enabled = body.field("passkey_auth_enabled").boolean(false);
  {
    Field f = body.field("totp_secret_base64");
    auto secret = f.nullable_string();
    if (secret.value && !is_standard_base64(*secret.value)) {
      f.add_error("is not valid base64");
    } else if (secret.present) {
      std::optional<std::string> raw;
      if (secret.value) raw = core::base64_decode(*secret.value);
      p.totp_secret = std::optional<std::optional<std::string>>(std::in_place, raw);
    }
  }
  if (patch) {
    Field f = body.field("selected_team_id");
    if (f.is_null()) {
      p.selected_team_id = std::optional<std::optional<std::string>>(std::in_place);
    } else if (auto id = f.uuid(false)) {
      p.selected_team_id = lower(*id);
    }
  }
  if (server) {
    Field f = body.field("is_anonymous");
    auto v = f.boolean(false);
    if (patch && v == true) {
      f.add_error("must be one of the following values: false");
    } else if (patch) {
      p.is_anonymous = v;
    } else {
      b.is_anonymous = v.value_or(false);
    }
  }
  if (server) read_restriction_and_sign_up_fields(body, p);
  if (kind == BodyKind::kCreate)
    b.oauth_providers = read_oauth_providers(body.field("oauth_providers"), ctx.schema);
  body.reject_unknown();
  return b;
}

// Hashing blocks this worker on the hashing pool; a full queue is a 503.
core::PasswordHashFn password_hasher(RequestContext& ctx) {
  return [&ctx](std::string_view password) { return ctx.app.hasher->hash(password); };
}

Response user_response(RequestContext& ctx, const store::User& u, int status = 200) {
  return Response::json(status, core::user_view(u, ctx.is_server_or_admin(), ctx.user_views()));
}

Response success() { return Response::json(200, Json{{"success", true}}); }

// /users/me: the user of the access token.
const store::User& current_user(RequestContext& ctx) {
  if (!ctx.user) throw e::cannot_get_own_user_without_user();
  return *ctx.user;
}

// {user_id}: a UUID, or `me` for the user of the access token.
std::string path_user_id(RequestContext& ctx) {
  auto it = ctx.params.find("user_id");
  if (it != ctx.params.end() && it->second == "me") return current_user(ctx).id;
  auto id = ctx.param("user_id").uuid(true);
  // Ids are stored lower-case; a UUID matches whatever its case.
  return id ? lower(*id) : std::string();
}

Response patch_user(RequestContext& ctx, const std::string& user_id, BodyKind kind) {
  UserBody b = read_user_body(ctx, kind);
  ctx.validate();
  if (kind == BodyKind::kClientPatch && b.patch.profile_image_url && *b.patch.profile_image_url &&
      !(*b.patch.profile_image_url)->empty() &&
      !is_client_profile_image(**b.patch.profile_image_url))
    throw core::PlainError(400, "Invalid profile image URL");
  auto u = core::update_user(*ctx.app.store, *ctx.app.clock, ctx.require_project(), user_id,
                             b.patch, password_hasher(ctx));
  return user_response(ctx, u);
}

Response get_me(RequestContext& ctx) {
  const auto& u = current_user(ctx);
  ctx.validate();
  return user_response(ctx, u);
}

Response patch_me(RequestContext& ctx) {
  std::string id = current_user(ctx).id;
  return patch_user(ctx, id,
                    ctx.is_server_or_admin() ? BodyKind::kServerPatch : BodyKind::kClientPatch);
}

Response delete_me(RequestContext& ctx) {
  std::string id = current_user(ctx).id;
  ctx.validate();
  const auto& project = ctx.require_project();
  if (!ctx.is_server_or_admin() &&
      !(project.config.is_object() && project.config.value("client_user_deletion_enabled", false)))
    throw core::PlainError(400, "Client user deletion is not enabled for this project");
  core::delete_user(*ctx.app.store, project.id, id);
  return success();
}

Response list_users(RequestContext& ctx) {
  auto q = ctx.query_reader();
  core::UserListRequest r;
  r.limit = q.field("limit").integer(false, 1);
  r.cursor = q.field("cursor").uuid(false);
  q.field("order_by").one_of(false, {"signed_up_at"});  // the only order there is
  r.desc = q.field("desc").boolean(false).value_or(false);
  r.team_id = q.field("team_id").uuid(false);
  r.query = q.field("query").string(false);
  q.reject_unknown();
  ctx.validate();
  if (r.cursor) r.cursor = lower(*r.cursor);
  auto page = core::list_users(*ctx.app.store, ctx.require_project().id, r);
  Json items = Json::array();
  core::UserViewContext views = ctx.user_views();
  for (const auto& u : page.items) items.push_back(core::user_view(u, true, views));
  return Response::json(
      200, Json{{"items", items},
                {"is_paginated", true},
                {"pagination",
                 Json{{"next_cursor", page.next_cursor ? Json(*page.next_cursor) : Json()}}}});
}

Response create_user(RequestContext& ctx) {
  UserBody b = read_user_body(ctx, BodyKind::kCreate);
  ctx.validate();
  const core::UserPatch& p = b.patch;
  core::CreateUserRequest r;
  core::NewUser& n = r.user;
  if (p.display_name) n.display_name = *p.display_name;
  if (p.profile_image_url) n.profile_image_url = *p.profile_image_url;
  if (p.client_metadata) n.client_metadata = *p.client_metadata;
  if (p.client_read_only_metadata) n.client_read_only_metadata = *p.client_read_only_metadata;
  if (p.server_metadata) n.server_metadata = *p.server_metadata;
  if (p.primary_email) n.primary_email = *p.primary_email;
  n.primary_email_verified = p.primary_email_verified.value_or(false);
  n.primary_email_auth_enabled = p.primary_email_auth_enabled.value_or(false);
  n.restricted_by_admin = p.restricted_by_admin.value_or(false);
  if (p.restricted_by_admin_reason) n.restricted_by_admin_reason = *p.restricted_by_admin_reason;
  if (p.restricted_by_admin_private_details)
    n.restricted_by_admin_private_details = *p.restricted_by_admin_private_details;
  if (p.country_code) n.country_code = *p.country_code;
  n.risk_score_bot = p.risk_score_bot.value_or(0);
  n.risk_score_free_trial_abuse = p.risk_score_free_trial_abuse.value_or(0);
  if (p.password) r.password = *p.password;
  n.password_hash = p.password_hash;
  n.otp_auth_enabled = p.otp_auth_enabled.value_or(false);
  // passkey_auth_enabled is accepted and ignored on create; a TOTP secret is
  // stored without requiring MFA (quirk kept, users.md §3.2).
  if (p.totp_secret) n.totp_secret = *p.totp_secret;
  n.is_anonymous = b.is_anonymous;
  r.oauth_providers = std::move(b.oauth_providers);
  auto u = core::create_user_from_api(*ctx.app.store, *ctx.app.clock, ctx.require_project(),
                                      std::move(r), password_hasher(ctx));
  return user_response(ctx, u, 201);
}

Response get_user(RequestContext& ctx) {
  std::string id = path_user_id(ctx);
  ctx.validate();
  auto u = core::find_user(*ctx.app.store, ctx.require_project().id, id);
  if (!u) throw e::user_not_found();
  return user_response(ctx, *u);
}

Response patch_user_by_id(RequestContext& ctx) {
  std::string id = path_user_id(ctx);
  return patch_user(ctx, id, BodyKind::kServerPatch);
}

Response delete_user(RequestContext& ctx) {
  std::string id = path_user_id(ctx);
  ctx.validate();
  core::delete_user(*ctx.app.store, ctx.require_project().id, id);
  return success();
}

// A search reads up to its time limit (store::kSearchTimeLimitMillis): on
// the long pool, so that searches never occupy the few workers that serve
// cheap reads (which would then wait behind them).
Runs list_users_runs(const Request& req) {
  for (const auto& [key, value] : req.query)
    if (key == "query" && !value.empty()) return Runs::kLong;
  return Runs::kDatabase;
}

// The bodies and query read_user_body and list_users read (route_spec.hpp).
const ObjectSpec kOAuthProvider{{
    string_field("id").required(),
    string_field("account_id").required(),
    string_field("email").nullable(),
}};
const ObjectSpec kSignUpRiskScores{{
    integer_field("bot").required().at_least(0).at_most(100),
    integer_field("free_trial_abuse").required().at_least(0).at_most(100),
}};
const ObjectSpec kRiskScores{{object_field("sign_up").required().of(kSignUpRiskScores)}};

ObjectSpec user_body_spec(BodyKind kind) {
  const bool create = kind == BodyKind::kCreate;
  auto server = [](FieldSpec f) { return std::move(f).server_only(); };
  std::vector<FieldSpec> fields = {
      string_field("display_name").nullable(),
      string_field("profile_image_url").url().nullable().max(1000000),
      any_field("client_metadata").nullable(),
      server(any_field("client_read_only_metadata").nullable()),
      server(any_field("server_metadata").nullable()),
      server(string_field("primary_email").email().nullable()),
      server(boolean_field("primary_email_verified")),
      server(boolean_field("primary_email_auth_enabled")),
      server(string_field("password").nullable().max(70)),
      server(string_field("password_hash")
                 .min(1)
                 .describe("A bcrypt or argon2id hash to store as the password.")),
      boolean_field("otp_auth_enabled"),
      boolean_field("passkey_auth_enabled"),
      string_field("totp_secret_base64").nullable().describe("Standard base64."),
      server(boolean_field("is_anonymous")
                 .describe(create ? "" : "Only false: an anonymous user can be upgraded.")),
      server(boolean_field("restricted_by_admin")),
      server(string_field("restricted_by_admin_reason")
                 .nullable()
                 .describe("Only with restricted_by_admin true.")),
      server(string_field("restricted_by_admin_private_details")
                 .nullable()
                 .describe("Only with restricted_by_admin true.")),
      server(string_field("country_code").nullable().min(2).max(2).describe("ISO 3166-1 alpha-2.")),
      server(object_field("risk_scores").of(kRiskScores)),
  };
  if (create)
    fields.push_back(array_field("oauth_providers").of(kOAuthProvider));
  else
    fields.push_back(string_field("selected_team_id").uuid().nullable());
  return ObjectSpec{std::move(fields)};
}

const ObjectSpec kUserPatchBody = user_body_spec(BodyKind::kServerPatch);
const ObjectSpec kUserCreateBody = user_body_spec(BodyKind::kCreate);
const ObjectSpec kUserListQuery{{
    integer_field("limit").at_least(1),
    string_field("cursor").uuid(),
    one_of_field("order_by", {"signed_up_at"}),
    boolean_field("desc"),
    string_field("team_id").uuid(),
    string_field("query").describe("Matches the display name, primary e-mail or id."),
}};

}  // namespace

// PATCH and POST may set a password (argon2id): Runs::kLong.
void register_user_routes(Router& r) {
  r.add(Method::kGet, "/users/me", Access::client_plus(), get_me, Runs::kMemory,
        {.summary = "The signed-in user.",
         .errors = {"CANNOT_GET_OWN_USER_WITHOUT_USER"},
         .response = &shapes::user()});
  r.add(Method::kPatch, "/users/me", Access::client_plus(), patch_me, Runs::kLong,
        {.summary = "Update the signed-in user.",
         .body = &kUserPatchBody,
         .errors = {"CANNOT_GET_OWN_USER_WITHOUT_USER", "USER_EMAIL_ALREADY_EXISTS",
                    "TEAM_MEMBERSHIP_NOT_FOUND"},
         .response = &shapes::user()});
  r.add(Method::kDelete, "/users/me", Access::client_plus(), delete_me, Runs::kDatabase,
        {.summary = "Delete the signed-in user.",
         .errors = {"CANNOT_GET_OWN_USER_WITHOUT_USER"},
         .response = &shapes::success()});
  r.add(Method::kGet, "/users", Access::server_plus(), list_users, list_users_runs,
        {.summary = "List the project's users.",
         .query = &kUserListQuery,
         .response = &shapes::list_of(shapes::user())});
  r.add(Method::kPost, "/users", Access::server_plus(), create_user, Runs::kLong,
        {.summary = "Create a user.",
         .body = &kUserCreateBody,
         .errors = {"USER_EMAIL_ALREADY_EXISTS",
                    "OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER"},
         .response = &shapes::user(),
         .status = 201});
  r.add(Method::kGet, "/users/{user_id}", Access::server_plus(), get_user, Runs::kDatabase,
        {.summary = "A user by id (or me).",
         .errors = {"USER_NOT_FOUND", "CANNOT_GET_OWN_USER_WITHOUT_USER"},
         .response = &shapes::user()});
  r.add(Method::kPatch, "/users/{user_id}", Access::server_plus(), patch_user_by_id, Runs::kLong,
        {.summary = "Update a user.",
         .body = &kUserPatchBody,
         .errors = {"USER_NOT_FOUND", "CANNOT_GET_OWN_USER_WITHOUT_USER",
                    "USER_EMAIL_ALREADY_EXISTS", "TEAM_MEMBERSHIP_NOT_FOUND"},
         .response = &shapes::user()});
  r.add(Method::kDelete, "/users/{user_id}", Access::server_plus(), delete_user, Runs::kDatabase,
        {.summary = "Delete a user.",
         .errors = {"USER_NOT_FOUND", "CANNOT_GET_OWN_USER_WITHOUT_USER"},
         .response = &shapes::success()});
}

}  // namespace latchkey::api
