// Contact channels: /contact-channels CRUD, per-channel and legacy
// send-verification-code, verify and verify/check-code (contact-channels.md).
#include "core/contact_channels.hpp"

#include "api/code_body.hpp"
#include "api/routes.hpp"
#include "core/errors.hpp"
#include "core/users.hpp"

namespace latchkey::api {
namespace e = core::errors;

namespace {

// A user id field that may be "me" (kept as "me" for resolve_user).
std::optional<std::string> user_id_field(Field f, bool required) {
  if (!f.present() || f.is_null()) return f.uuid(required);
  auto s = f.string(required);
  if (s && *s == "me") return s;
  return s ? f.uuid(required) : std::nullopt;
}

// "me" → the signed-in user (400 CANNOT_GET_OWN_USER_WITHOUT_USER without one).
std::string resolve_user(RequestContext& ctx, const std::string& id) {
  if (id != "me") return id;
  if (!ctx.user) throw e::cannot_get_own_user_without_user();
  return ctx.user->id;
}

bool is_client(const RequestContext& ctx) { return ctx.access_type == AccessType::kClient; }

// A client acts only for the user of its access token (§3).
void require_client_user(RequestContext& ctx) {
  if (is_client(ctx) && !ctx.user) throw e::cannot_get_own_user_without_user();
}

// Client callers may only touch their own channels; `verb` names the action
// in the 403 text.
void require_own(RequestContext& ctx, const std::string& user_id, const char* verb) {
  if (is_client(ctx) && user_id != ctx.user->id)
    throw core::PlainError(
        403, std::string("Client can only ") + verb + " contact channels for their own user.");
}

// body.value: an e-mail address (checked after trimming, stored normalised).
std::optional<std::string> email_value(Field f, bool required) {
  auto s = f.string(required);
  if (!s) return std::nullopt;
  if (!is_valid_email(core::normalize_email(*s))) {
    f.add_error("must be a valid email");
    return std::nullopt;
  }
  return s;
}

struct Path {
  std::string user_id;
  std::string channel_id;
};

Path read_path(RequestContext& ctx) {
  auto user_id = user_id_field(ctx.param("user_id"), true);
  auto channel_id = ctx.param("contact_channel_id").uuid(true);
  return {user_id.value_or(""), channel_id.value_or("")};
}

Response channel_json(int status, const store::ContactChannel& c) {
  return Response::json(status, core::contact_channel_view(c));
}

// §3.1
Response list(RequestContext& ctx) {
  auto q = ctx.query_reader();
  auto user_id = user_id_field(q.field("user_id"), false);
  auto channel_id = q.field("contact_channel_id").uuid(false);
  q.reject_unknown();
  ctx.validate();
  require_client_user(ctx);
  std::optional<std::string> uid;
  if (user_id) uid = resolve_user(ctx, *user_id);
  if (is_client(ctx) && uid != ctx.user->id)
    throw core::PlainError(403, "Client can only list contact channels for their own user.");
  Json items = Json::array();
  for (const auto& c :
       core::list_contact_channels(*ctx.app.store, ctx.require_project().id, uid, channel_id))
    items.push_back(core::contact_channel_view(c));
  return Response::json(200, Json{{"items", items}, {"is_paginated", false}});
}

// §3.2
Response create(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto user_id = user_id_field(body.field("user_id"), true);
  auto type = body.field("type").one_of(true, {"email"});
  auto value = email_value(body.field("value"), true);
  auto used_for_auth = body.field("used_for_auth").boolean(true);
  auto is_primary = body.field("is_primary").boolean(false);
  std::optional<bool> is_verified;
  if (!is_client(ctx)) is_verified = body.field("is_verified").boolean(false);
  body.reject_unknown();
  ctx.validate();
  require_client_user(ctx);
  std::string uid = resolve_user(ctx, *user_id);
  if (is_client(ctx) && uid != ctx.user->id)
    throw core::PlainError(403, "Client can only create contact channels for their own user.");

  core::NewContactChannel n;
  n.user_id = uid;
  n.type = *type;
  n.value = *value;
  n.used_for_auth = *used_for_auth;
  n.is_primary = is_primary.value_or(false);
  n.is_verified = is_verified.value_or(false);
  auto c = core::create_contact_channel(*ctx.app.store, *ctx.app.clock, ctx.require_project().id,
                                        std::move(n));
  return channel_json(201, c);
}

// §3.3
Response get(RequestContext& ctx) {
  Path p = read_path(ctx);
  ctx.validate();
  require_client_user(ctx);
  std::string uid = resolve_user(ctx, p.user_id);
  require_own(ctx, uid, "read");
  auto c = core::find_contact_channel(*ctx.app.store, ctx.require_project().id, uid, p.channel_id);
  if (!c) throw core::PlainError(404, "Contact channel not found.");
  return channel_json(200, *c);
}

// §3.4
Response update(RequestContext& ctx) {
  Path p = read_path(ctx);
  auto body = ctx.body_reader();
  auto value = email_value(body.field("value"), false);
  body.field("type").one_of(false, {"email"});
  auto used_for_auth = body.field("used_for_auth").boolean(false);
  auto is_primary = body.field("is_primary").boolean(false);
  std::optional<bool> is_verified;
  if (!is_client(ctx)) is_verified = body.field("is_verified").boolean(false);
  body.reject_unknown();
  ctx.validate();
  require_client_user(ctx);
  std::string uid = resolve_user(ctx, p.user_id);
  require_own(ctx, uid, "update");

  store::ContactChannelUpdate up;
  up.value = value;
  up.used_for_auth = used_for_auth;
  up.is_primary = is_primary;
  up.is_verified = is_verified;
  auto c = core::update_contact_channel(*ctx.app.store, ctx.require_project().id, uid, p.channel_id,
                                        std::move(up));
  return channel_json(200, c);
}

// §3.5
Response remove(RequestContext& ctx) {
  Path p = read_path(ctx);
  ctx.validate();
  require_client_user(ctx);
  std::string uid = resolve_user(ctx, p.user_id);
  require_own(ctx, uid, "delete");
  core::delete_contact_channel(*ctx.app.store, ctx.require_project().id, uid, p.channel_id);
  return Response::json(200, Json{{"success", true}});
}

// §4.1
Response send_verification_code(RequestContext& ctx) {
  Path p = read_path(ctx);
  auto body = ctx.body_reader();
  auto callback_url = body.field("callback_url").url(true);
  body.reject_unknown();
  ctx.validate();
  require_client_user(ctx);
  std::string uid = resolve_user(ctx, p.user_id);
  if (is_client(ctx) && uid != ctx.user->id)
    throw core::PlainError(400, "Can only send verification code for your own user");
  const auto& project = ctx.require_project();
  auto user = core::find_user(*ctx.app.store, project.id, uid);
  if (!user) throw e::user_id_does_not_exist(uid);
  core::send_contact_channel_verification(email_services(ctx), project, ctx.branch_id, *user,
                                          p.channel_id, *callback_url);
  return Response::json(200, Json{{"success", true}});
}

// §4.4 (deprecated)
Response send_primary_verification_code(RequestContext& ctx) {
  ctx.require_user_schema();
  auto body = ctx.body_reader();
  auto email = body.field("email").email(true, /*strict=*/true);
  auto callback_url = body.field("callback_url").url(true);
  body.reject_unknown();
  ctx.validate();
  const auto& project = ctx.require_project();
  auto user = core::find_user(*ctx.app.store, project.id, ctx.user->id);
  if (!user) throw e::user_id_does_not_exist(ctx.user->id);
  core::send_primary_email_verification(email_services(ctx), project, ctx.branch_id, *user, *email,
                                        *callback_url);
  return Response::json(200, Json{{"success", true}});
}

// §4.2
Response verify(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto code = read_code(body);
  body.reject_unknown();
  ctx.validate();
  core::verify_contact_channel(*ctx.app.store, *ctx.app.clock, ctx.require_project().id,
                               ctx.branch_id, *code);
  return Response::json(200, Json{{"success", true}});
}

// §4.3
Response check_code(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto code = read_code(body);
  body.reject_unknown();
  ctx.validate();
  core::check_code(*ctx.app.store, *ctx.app.clock, ctx.require_project().id, ctx.branch_id,
                   core::CodeType::kContactChannelVerification, *code);
  return code_is_valid();
}

}  // namespace

void register_contact_channel_routes(Router& r) {
  // What the handlers above read (route_spec.hpp). user_id_field reads a
  // UUID or me.
  auto user_id = [](bool required) {
    FieldSpec f = string_field("user_id").uuid().describe("A user's id, or me.");
    f.is_required = required;
    return f;
  };
  static const ObjectSpec list_query{{user_id(false), string_field("contact_channel_id").uuid()}};
  static const ObjectSpec create_body{{
      user_id(true),
      one_of_field("type", {"email"}).required(),
      string_field("value").email().required(),
      boolean_field("used_for_auth").required(),
      boolean_field("is_primary"),
      boolean_field("is_verified").server_only(),
  }};
  static const ObjectSpec update_body{{
      string_field("value").email(),
      one_of_field("type", {"email"}),
      boolean_field("used_for_auth"),
      boolean_field("is_primary"),
      boolean_field("is_verified").server_only(),
  }};
  static const ObjectSpec send_body{{string_field("callback_url").url().required()}};
  static const ObjectSpec send_primary_body{{
      string_field("email").email().required(),
      string_field("callback_url").url().required(),
  }};
  const std::string no_user = "CANNOT_GET_OWN_USER_WITHOUT_USER";
  const auto a = Access::client_plus();
  r.add(Method::kGet, "/contact-channels", a, list, Runs::kDatabase,
        {.summary = "List contact channels.",
         .query = &list_query,
         .errors = {no_user},
         .response = &shapes::list_of(shapes::contact_channel())});
  r.add(Method::kPost, "/contact-channels", a, create, Runs::kDatabase,
        {.summary = "Add a contact channel to a user.",
         .body = &create_body,
         .errors = {no_user, "USER_NOT_FOUND",
                    "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE"},
         .response = &shapes::contact_channel(),
         .status = 201});
  r.add(Method::kGet, "/contact-channels/{user_id}/{contact_channel_id}", a, get, Runs::kDatabase,
        {.summary = "A contact channel.",
         .errors = {no_user},
         .response = &shapes::contact_channel()});
  r.add(Method::kPatch, "/contact-channels/{user_id}/{contact_channel_id}", a, update,
        Runs::kDatabase,
        {.summary = "Update a contact channel.",
         .body = &update_body,
         .errors = {no_user, "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE"},
         .response = &shapes::contact_channel()});
  r.add(Method::kDelete, "/contact-channels/{user_id}/{contact_channel_id}", a, remove,
        Runs::kDatabase,
        {.summary = "Delete a contact channel.",
         .errors = {no_user},
         .response = &shapes::success()});
  r.add(Method::kPost, "/contact-channels/{user_id}/{contact_channel_id}/send-verification-code", a,
        send_verification_code, Runs::kLong,
        {.summary = "Send a verification e-mail for a contact channel.",
         .body = &send_body,
         .errors = {no_user, "USER_ID_DOES_NOT_EXIST", "EMAIL_ALREADY_VERIFIED",
                    "REDIRECT_URL_NOT_WHITELISTED", "TOO_MANY_REQUESTS"},
         .response = &shapes::success()});
  r.add(Method::kPost, "/contact-channels/send-verification-code", a,
        send_primary_verification_code, Runs::kLong,
        {.summary = "Send a verification e-mail for the primary e-mail (deprecated).",
         .body = &send_primary_body,
         .errors = {"USER_ID_DOES_NOT_EXIST", "EMAIL_IS_NOT_PRIMARY_EMAIL",
                    "EMAIL_ALREADY_VERIFIED", "REDIRECT_URL_NOT_WHITELISTED", "TOO_MANY_REQUESTS"},
         .response = &shapes::success()});
  r.add(Method::kPost, "/contact-channels/verify", a, verify, Runs::kDatabase,
        {.summary = "Verify a contact channel with the e-mail's code.",
         .body = &kCodeBody,
         .errors = code_errors(),
         .response = &shapes::success()});
  r.add(Method::kPost, "/contact-channels/verify/check-code", a, check_code, Runs::kDatabase,
        {.summary = "Check a verification code without using it.",
         .body = &kCodeBody,
         .errors = code_errors(),
         .response = &shapes::code_is_valid()});
}

}  // namespace latchkey::api
