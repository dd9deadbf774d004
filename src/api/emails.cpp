// The e-mail platform's routes (emails.md §4.4, §5; projects.md §5.4): the
// sent-e-mail log, custom e-mails to users, notification preferences and
// unsubscribe, theme previews, the SMTP test, sign-in invitations, the
// failed-e-mails digest and the project's e-mail templates.
#include <cstdlib>

#include "api/code_body.hpp"
#include "api/routes.hpp"
#include "core/custom_emails.hpp"
#include "core/email_codes.hpp"
#include "core/email_operations.hpp"
#include "core/email_templates.hpp"
#include "core/errors.hpp"
#include "core/notifications.hpp"

namespace latchkey::api {
namespace e = core::errors;

namespace {

constexpr int kListLimit = 100;

const std::vector<std::string>& template_type_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (auto t : core::email_template_types()) names.emplace_back(mail::template_type_name(t));
    return names;
  }();
  return kNames;
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

Json sent_email_view(const store::SentEmail& m) {
  return Json{{"id", m.id},
              {"subject", m.subject},
              {"sent_at_millis", m.sent_at_millis},
              {"to", m.to},
              {"sender_config", m.sender_config},
              {"error", m.error}};
}

// §5.1. Without limit or cursor, the 100 most recent as the reference lists
// them (is_paginated false); with either, a page in the shape of Stack's
// later e-mail lists: limit 1..100 (default 100), cursor the id of the
// page's first e-mail, pagination.next_cursor that of the next page's.
Response list_emails(RequestContext& ctx) {
  auto q = ctx.query_reader();
  auto limit = q.field("limit").integer(false, 1, kListLimit);
  auto cursor = q.field("cursor").uuid(false);
  q.reject_unknown();
  ctx.validate();
  const std::string& project_id = ctx.require_project().id;
  Json items = Json::array();
  if (!limit && !cursor) {
    for (const auto& m : core::recent_sent_emails(*ctx.app.store, project_id, kListLimit))
      items.push_back(sent_email_view(m));
    return Response::json(200, Json{{"items", items}, {"is_paginated", false}});
  }
  auto page = core::sent_email_page(*ctx.app.store, project_id,
                                    static_cast<int>(limit.value_or(kListLimit)), cursor);
  for (const auto& m : page.items) items.push_back(sent_email_view(m));
  return Response::json(
      200, Json{{"items", items},
                {"is_paginated", true},
                {"pagination",
                 Json{{"next_cursor", page.next_cursor ? Json(*page.next_cursor) : Json()}}}});
}

// §5.3
Response send_email(RequestContext& ctx) {
  auto body = ctx.body_reader();
  core::CustomEmail email;
  Field ids = body.field("user_ids");
  if (auto list = ids.array(true))
    for (size_t i = 0; i < list->size(); ++i) {
      Field item(ids.path() + "[" + std::to_string(i) + "]", &(*list)[i], ctx.schema);
      if (auto id = item.string(true)) email.user_ids.push_back(*id);
    }
  auto html = body.field("html").string(true);
  auto subject = body.field("subject").string(true);
  auto category = body.field("notification_category_name").string(true);
  body.reject_unknown();
  ctx.validate();
  email.html = *html;
  email.subject = *subject;
  email.notification_category_name = *category;
  Json results = Json::array();
  for (const auto& r : core::send_custom_email(email_services(ctx), ctx.require_project(),
                                               ctx.app.config.public_url,
                                               core::EmailRendering::from_env(), email)) {
    Json item{{"user_id", r.user_id}};
    if (r.user_email) item["user_email"] = *r.user_email;
    item["success"] = r.success;
    if (r.error) item["error"] = *r.error;
    results.push_back(std::move(item));
  }
  return Response::json(200, Json{{"results", results}});
}

// §5.4: the user of the path ("me" or a UUID), then whether this caller may
// act for that user (a client only for its own).
std::string preference_user(RequestContext& ctx, const std::optional<std::string>& id,
                            const char* verb) {
  std::string user_id = *id;
  if (user_id == "me") {
    if (!ctx.user) throw e::cannot_get_own_user_without_user();
    user_id = ctx.user->id;
  }
  if (ctx.access_type == AccessType::kClient) {
    if (!ctx.user) throw e::user_authentication_required();
    if (user_id != ctx.user->id)
      throw core::PlainError(
          403, std::string("You can only ") + verb + " your own notification preferences");
  }
  return user_id;
}

std::optional<std::string> user_id_or_me(Field f) {
  if (f.present() && f.is_null() == false) {
    auto s = f.string(true);
    if (s && *s == "me") return s;
    if (!s) return std::nullopt;
  }
  return f.uuid(true);
}

Response list_preferences(RequestContext& ctx) {
  auto id = user_id_or_me(ctx.param("user_id"));
  ctx.query_reader().reject_unknown();
  ctx.validate();
  const std::string user_id = preference_user(ctx, id, "view");
  Json items = Json::array();
  for (const auto& [category, enabled] :
       core::list_preferences(*ctx.app.store, ctx.require_project().id, user_id))
    items.push_back(core::preference_view(*category, enabled));
  return Response::json(200, Json{{"items", items}, {"is_paginated", false}});
}

Response set_preference(RequestContext& ctx) {
  auto id = user_id_or_me(ctx.param("user_id"));
  auto category_id = ctx.param("notification_category_id").uuid(true);
  auto body = ctx.body_reader();
  auto enabled = body.field("enabled").boolean(true);
  body.reject_unknown();
  ctx.validate();
  // The user first (CANNOT_GET_OWN_USER_WITHOUT_USER), then the category,
  // then the caller's right to it, as the reference checks them.
  std::string user_id = *id;
  if (user_id == "me" && !ctx.user) throw e::cannot_get_own_user_without_user();
  if (!core::find_category_by_id(*category_id))
    throw core::PlainError(404, "Notification category not found");
  user_id = preference_user(ctx, id, "manage");
  const auto& category = core::set_preference(
      *ctx.app.store, *ctx.app.clock, ctx.require_project().id, user_id, *category_id, *enabled);
  return Response::json(200, core::preference_view(category, *enabled));
}

Response html(int status, std::string body) {
  Response r = Response::text(status, std::move(body));
  r.content_type = "text/html; charset=utf-8";
  return r;
}

// §5.5: no auth; the code alone names the project, user and category.
Response unsubscribe_link(RequestContext& ctx) {
  // A missing or malformed code is the plain 400 "Invalid code" of the
  // reference, not a SCHEMA_ERROR; other parameters are ignored.
  auto query = ctx.query_reader();
  std::string code = query.field("code").string(false).value_or("");
  ctx.schema = {};
  switch (core::unsubscribe(*ctx.app.store, *ctx.app.clock, code)) {
    case core::UnsubscribeOutcome::kAlreadyUsed:
      return html(200, "<p>You have already unsubscribed from this notification group</p>");
    case core::UnsubscribeOutcome::kUnsubscribed:
      break;
  }
  return html(200, "<p>Successfully unsubscribed from notification group</p>");
}

const std::vector<std::string> kThemes = {"default-light", "default-dark"};

// A field that one of render-email's two forms requires and the other
// leaves out (so declared optional): "must be defined" when absent, as a
// required reader says it.
Field required_in_form(Field f) {
  if (!f.present()) f.add_error("must be defined");
  return f;
}

// §5.6 with a template instead of HTML, in the shape of Stack's later
// render-email (a template and a theme in, {html, subject,
// notification_category} out): the console's live preview of a template
// being edited. Only an administrator: it reads the project's template.
Response render_template(RequestContext& ctx, ObjectReader& body) {
  if (!ctx.access_type) throw e::access_type_required();
  if (*ctx.access_type != AccessType::kAdmin)
    throw e::insufficient_access_type(access_type_name(*ctx.access_type), {"admin"});
  auto type = required_in_form(body.field("template_type")).one_of(false, template_type_names());
  auto subject = body.field("template_subject").string(false);
  auto content = body.field("template_content").object(false);
  body.reject_unknown();
  ctx.validate();
  auto rendered = core::preview_email_template(*ctx.app.store, ctx.require_project(),
                                               *core::parse_template_type(*type), subject, content);
  // Every auth e-mail is transactional: no unsubscribe link, sent whatever
  // the user's preferences.
  return Response::json(200, Json{{"html", rendered.html},
                                  {"subject", rendered.subject},
                                  {"notification_category", "Transactional"}});
}

// §5.6: an administrator, or no auth at all; with template_* members, the
// template preview above.
Response render_email(RequestContext& ctx) {
  auto body = ctx.body_reader();
  for (const char* key : {"template_type", "template_subject", "template_content"})
    if (body.field(key).present()) return render_template(ctx, body);
  if (ctx.access_type && *ctx.access_type != AccessType::kAdmin)
    throw e::insufficient_access_type(access_type_name(*ctx.access_type), {"admin"});
  auto theme = required_in_form(body.field("theme")).one_of(false, kThemes);
  auto preview = required_in_form(body.field("preview_html")).string(false);
  body.reject_unknown();
  ctx.validate();
  auto rendered = core::render_theme_preview(core::EmailRendering::from_env(), *preview,
                                             *mail::parse_email_theme(*theme));
  return Response::json(200, Json{{"html", rendered.html}});
}

// The SMTP server of send-test-email (route_spec.hpp; its reader checks it).
const ObjectSpec kSmtpConfig{{
    string_field("host").required(),
    integer_field("port").required().at_least(0).at_most(65535),
    string_field("username").required(),
    string_field("password").required(),
    string_field("sender_name").required(),
    string_field("sender_email").email().required(),
}};

// §4.4
Response send_test_email(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto recipient = body.field("recipient_email").email(true);
  mail::StandardSmtpConfig server;
  bool complete = false;
  if (auto ec = body.field("email_config").object(true)) {
    ObjectReader c("body.email_config", &*ec, ctx.schema, true, &kSmtpConfig);
    auto host = c.field("host").string(true);
    auto port = c.field("port").integer(true, 0, 65535);
    auto username = c.field("username").string(true);
    auto password = c.field("password").string(true);
    auto sender_name = c.field("sender_name").string(true);
    auto sender_email = c.field("sender_email").email(true);
    c.reject_unknown();
    if (host && port && username && password && sender_name && sender_email) {
      server = {*host, static_cast<int>(*port), *username, *password, *sender_name, *sender_email};
      complete = true;
    }
  }
  body.reject_unknown();
  ctx.validate();
  if (!complete) throw e::schema_error("body.email_config is incomplete");  // validate() caught it
  auto r = core::send_test_email(email_services(ctx), ctx.require_project(), server, *recipient);
  Json out{{"success", r.success}};
  if (r.error_message) out["error_message"] = *r.error_message;
  return Response::json(200, out);
}

// §5.2
Response send_sign_in_invitation(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto email = body.field("email").email(true);
  auto callback_url = body.field("callback_url").url(true);
  body.reject_unknown();
  ctx.validate();
  core::send_sign_in_invitation(email_services(ctx), ctx.require_project(), *email, *callback_url);
  return Response::json(200, Json{{"success", true}});
}

// §5.7: the cron job, authorised by CRON_SECRET alone.
Response failed_emails_digest(RequestContext& ctx) {
  auto authorization = ctx.header("authorization").string(true);
  auto query = ctx.query_reader();
  auto dry_run = query.field("dry_run").one_of(false, {"true", "false"});
  query.reject_unknown();
  ctx.validate();
  if (!core::is_cron_authorized(env("CRON_SECRET"), *authorization))
    throw core::PlainError(401, "Unauthorized");
  core::DigestOptions options;
  options.dry_run = dry_run && *dry_run == "true";
  options.dashboard_url = env("NEXT_PUBLIC_STACK_DASHBOARD_URL");
  auto report = core::send_failed_emails_digest(email_services(ctx), options);
  return Response::json(report.success ? 200 : 500,
                        Json{{"success", report.success},
                             {"failed_emails_by_tenancy", report.failed_emails_by_tenancy}});
}

// projects.md §5.4
mail::TemplateType template_type(RequestContext& ctx) {
  auto type = ctx.param("type").one_of(true, template_type_names());
  return type ? *core::parse_template_type(*type) : mail::TemplateType::kEmailVerification;
}

Response list_templates(RequestContext& ctx) {
  ctx.query_reader().reject_unknown();
  ctx.validate();
  return Response::json(
      200, Json{{"items", core::list_email_templates(*ctx.app.store, ctx.require_project())},
                {"is_paginated", false}});
}

Response get_template(RequestContext& ctx) {
  auto type = template_type(ctx);
  ctx.validate();
  return Response::json(200, core::get_email_template(*ctx.app.store, ctx.require_project(), type));
}

Response update_template(RequestContext& ctx) {
  auto type = template_type(ctx);
  auto body = ctx.body_reader();
  auto subject = body.field("subject").string(false);
  auto content = body.field("content").any(false);
  body.reject_unknown();
  ctx.validate();
  return Response::json(
      200, core::update_email_template(*ctx.app.store, *ctx.app.clock, ctx.require_project(), type,
                                       subject, content));
}

Response delete_template(RequestContext& ctx) {
  auto type = template_type(ctx);
  ctx.validate();
  core::delete_email_template(*ctx.app.store, ctx.require_project(), type);
  return Response::json(200, Json{{"success", true}});
}

}  // namespace

namespace {

// What the handlers above read (route_spec.hpp).
const ObjectSpec kListQuery{{
    integer_field("limit")
        .at_least(1)
        .at_most(kListLimit)
        .describe("With limit or cursor, a page (is_paginated true, pagination.next_cursor)."),
    string_field("cursor").uuid().describe("The id of the page's first e-mail."),
}};
const ObjectSpec kSendEmailBody{{
    array_field("user_ids").required().describe("The recipients: user ids."),
    string_field("html").required(),
    string_field("subject").required(),
    string_field("notification_category_name").required(),
}};
const ObjectSpec kPreferenceBody{{boolean_field("enabled").required()}};
const ObjectSpec kUnsubscribeQuery{
    .fields = {string_field("code").describe("The code of the e-mail's unsubscribe link.")},
    .open = true};
const ObjectSpec kRenderBody{{
    one_of_field("theme", kThemes).describe("Without template_*: required, with preview_html."),
    string_field("preview_html").describe("Without template_*: required, with theme."),
    one_of_field("template_type", template_type_names())
        .describe("Admin only: preview a template; required with template_subject or "
                  "template_content."),
    string_field("template_subject"),
    object_field("template_content"),
}};
const ObjectSpec kTestEmailBody{{
    string_field("recipient_email").email().required(),
    object_field("email_config").required().of(kSmtpConfig),
}};
const ObjectSpec kInvitationBody{{
    string_field("email").email().required(),
    string_field("callback_url").url().required(),
}};
const ObjectSpec kDigestQuery{{one_of_field("dry_run", {"true", "false"})}};
const ObjectSpec kTemplateBody{{
    string_field("subject"),
    any_field("content").nullable().describe("The template's content (a TSX document)."),
}};

}  // namespace

void register_email_routes(Router& r) {
  const std::string no_user = "CANNOT_GET_OWN_USER_WITHOUT_USER";
  r.add(Method::kGet, "/internal/emails", Access::admin(), list_emails, Runs::kDatabase,
        {.summary = "The project's sent e-mails, most recent first.",
         .query = &kListQuery,
         .response = &shapes::list_of(shapes::sent_email())});
  r.add(Method::kPost, "/emails/send-email", Access::server_plus(), send_email, Runs::kLong,
        {.summary = "Send an HTML e-mail to users (one result per user).",
         .body = &kSendEmailBody,
         .errors = {"USER_NOT_FOUND"},
         .response = &shapes::custom_emails_sent()});
  r.add(Method::kGet, "/emails/notification-preference/{user_id}", Access::client_plus(),
        list_preferences, Runs::kDatabase,
        {.summary = "A user's notification preferences (user_id: an id or me).",
         .query = &kNoFields,
         .errors = {no_user, "USER_AUTHENTICATION_REQUIRED", "USER_NOT_FOUND"},
         .response = &shapes::list_of(shapes::notification_preference())});
  r.add(Method::kPatch, "/emails/notification-preference/{user_id}/{notification_category_id}",
        Access::client_plus(), set_preference, Runs::kDatabase,
        {.summary = "Turn a notification category on or off for a user.",
         .body = &kPreferenceBody,
         .errors = {no_user, "USER_AUTHENTICATION_REQUIRED", "USER_NOT_FOUND"},
         .response = &shapes::notification_preference()});
  r.add(Method::kGet, "/emails/unsubscribe-link", Access::any(), unsubscribe_link, Runs::kDatabase,
        {.summary = "Follow an e-mail's unsubscribe link.",
         .query = &kUnsubscribeQuery,
         .errors = {"VERIFICATION_CODE_NOT_FOUND", "VERIFICATION_CODE_EXPIRED"},
         .answers = "An HTML page (text/html) saying the user is unsubscribed; a plain-text 400 "
                    "Invalid code for a malformed code."});
  r.add(Method::kPost, "/emails/render-email", Access::any(), render_email, Runs::kDatabase,
        {.summary = "Render a theme around HTML (no access, or admin), or preview a template "
                    "(admin).",
         .body = &kRenderBody,
         .errors = {"EMAIL_RENDERING_ERROR"},
         .response = &shapes::rendered_email()});
  r.add(Method::kPost, "/internal/send-test-email", Access::admin(), send_test_email, Runs::kLong,
        {.summary = "Send a test e-mail through an SMTP server (its outcome, not an error).",
         .body = &kTestEmailBody,
         .response = &shapes::test_email_sent()});
  r.add(Method::kPost, "/internal/send-sign-in-invitation", Access::server_plus(),
        send_sign_in_invitation, Runs::kLong,
        {.summary = "E-mail an invitation to sign in.",
         .body = &kInvitationBody,
         .errors = {"REDIRECT_URL_NOT_WHITELISTED"},
         .response = &shapes::success()});
  r.add(Method::kPost, "/internal/failed-emails-digest", Access::any(), failed_emails_digest,
        Runs::kLong,
        {.summary = "The cron job: e-mail each project's owners the e-mails that failed. "
                    "Authorization: Bearer CRON_SECRET (plain-text 401 otherwise).",
         .query = &kDigestQuery,
         .response = &shapes::failed_emails_digest()});
  r.add(Method::kGet, "/email-templates", Access::admin(), list_templates, Runs::kDatabase,
        {.summary = "The project's e-mail templates.",
         .query = &kNoFields,
         .response = &shapes::list_of(shapes::email_template())});
  r.add(Method::kGet, "/email-templates/{type}", Access::admin(), get_template, Runs::kDatabase,
        {.summary = "An e-mail template (the default until customised).",
         .response = &shapes::email_template()});
  r.add(Method::kPatch, "/email-templates/{type}", Access::admin(), update_template,
        Runs::kDatabase,
        {.summary = "Customise an e-mail template.",
         .body = &kTemplateBody,
         .errors = {"EMAIL_RENDERING_ERROR"},
         .response = &shapes::email_template()});
  r.add(Method::kDelete, "/email-templates/{type}", Access::admin(), delete_template,
        Runs::kDatabase,
        {.summary = "Reset an e-mail template to its default.", .response = &shapes::success()});
}

}  // namespace latchkey::api
