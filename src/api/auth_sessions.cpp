// Sessions and refresh: /auth/sessions (list, create, delete), sign-out and
// refresh of the current session, the OAuth token endpoint's refresh grant
// and anonymous sign-up (auth-endpoints.md §3, §6.4, §7; tokens.md §6–§7).
#include <algorithm>
#include <cctype>

#include "api/auth_oauth.hpp"
#include "api/routes.hpp"
#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/sessions.hpp"
#include "core/users.hpp"

namespace latchkey::api {
namespace e = core::errors;

namespace {

constexpr int64_t kMaxSessionLifetimeMillis = 31708800000;  // 367 days (§3.2)
constexpr const char* kRefreshTokenHeader = "x-stack-refresh-token";

core::SessionServices services(RequestContext& ctx) {
  return {*ctx.app.store, *ctx.app.tokens, *ctx.app.clock, *ctx.app.activity,
          ctx.app.token_claims.get()};
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Response success() { return Response::json(200, Json{{"success", true}}); }

// A `user_id` that is a UUID or `me`; "me" or the lower-cased UUID, nullopt
// when absent or invalid (recorded). `required` false: absence is no error.
std::optional<std::string> read_user_id_or_me(Field f, bool required) {
  if (!f.present() && !required) return std::nullopt;
  auto v = f.string(true);
  if (!v) return std::nullopt;
  if (*v == "me") return v;
  if (!core::is_uuid(*v)) {
    f.add_error("must be a valid UUID");
    return std::nullopt;
  }
  return lower(*v);
}

// The sessions query's user_id is required by the reference, but the docs'
// Python examples send none: a request that carries a signed-in user may
// omit it and means `me`. Without a user it stays required.
std::optional<std::string> read_sessions_user_id(RequestContext& ctx, ObjectReader& query) {
  Field f = query.field("user_id");
  if (!f.present() && ctx.user) return std::string("me");
  return read_user_id_or_me(f, /*required=*/true);
}

// Resolves "me" after validation (CANNOT_GET_OWN_USER_WITHOUT_USER).
std::string resolve_me(const RequestContext& ctx, const std::string& user_id) {
  if (user_id != "me") return user_id;
  if (!ctx.user) throw e::cannot_get_own_user_without_user();
  return ctx.user->id;
}

// The refresh token in the header, when it is there once and not empty; also
// refresh_current_session's Route::session_hint.
std::optional<std::string> refresh_token_in_header(const Request& req) {
  if (req.headers.count(kRefreshTokenHeader) != 1) return std::nullopt;
  auto v = req.headers.get_nonempty(kRefreshTokenHeader);
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

// The refresh-token header (a one-element tuple in the reference schema).
std::optional<std::string> read_refresh_token_header(RequestContext& ctx, bool required) {
  if (auto token = refresh_token_in_header(ctx.req)) return token;
  const auto& h = ctx.req.headers;
  size_t n = h.count(kRefreshTokenHeader);
  if (n > 1) {
    Json values = Json::array();
    for (auto v : h.values(kRefreshTokenHeader)) values.push_back(std::string(v));
    ctx.schema.add(std::string("headers.") + kRefreshTokenHeader +
                   " tuple value has too many items, expected a length of 1 but got " +
                   std::to_string(n) + " for value: " + values.dump());
    return std::nullopt;
  }
  // Absent, or empty (= absent, overview §2).
  if (required) ctx.schema.add(std::string("headers.") + kRefreshTokenHeader + " must be defined");
  return std::nullopt;
}

Json session_view(const store::Session& s, const std::optional<std::string>& current_id,
                  const core::ActivityRecorder& activity) {
  Json j{{"id", s.id}, {"user_id", s.user_id}, {"created_at", s.created_at_millis}};
  std::optional<int64_t> last_used_at = s.last_used_at_millis;
  // The stored use may lag this process's own recent token issuances.
  if (auto recent = activity.last_use(s.project_id, s.id);
      recent && (!last_used_at || recent->at_millis >= *last_used_at))
    last_used_at = recent->at_millis;
  if (last_used_at) j["last_used_at"] = *last_used_at;
  j["is_impersonation"] = s.is_impersonation;
  // last_used_at_end_user_ip_info is Stack's geo record of the address
  // (country, region, city, ...). Latchkey has no geo lookup, and Stack
  // omits the field when it has no geo data, so it is never sent.
  j["is_current_session"] = current_id && *current_id == s.id;
  return j;
}

// §3.1
Response list_sessions(RequestContext& ctx) {
  auto query = ctx.query_reader();
  auto user_id = read_sessions_user_id(ctx, query);
  query.reject_unknown();
  ctx.validate();
  std::string uid = resolve_me(ctx, *user_id);
  if (ctx.access_type == AccessType::kClient) {
    if (!ctx.user) throw e::cannot_get_own_user_without_user();
    if (ctx.user->id != uid)
      throw core::PlainError(403, "Client can only list sessions for their own user.");
  }
  bool show_impersonation = ctx.access_type == AccessType::kAdmin;
  auto sessions = core::list_user_sessions(services(ctx), ctx.require_project().id, uid);
  Json items = Json::array();
  for (auto it = sessions.rbegin(); it != sessions.rend(); ++it)  // newest first
    if (show_impersonation || !it->is_impersonation)
      items.push_back(session_view(*it, ctx.session_id, *ctx.app.activity));
  return Response::json(200, Json{{"items", items}, {"is_paginated", false}});
}

// §3.2
Response create_session(RequestContext& ctx) {
  auto body = ctx.body_reader();
  if (!body.valid()) ctx.validate();  // yup: no field checks inside a missing body
  auto user_id = read_user_id_or_me(body.field("user_id"), /*required=*/true);
  auto expires_in =
      body.field("expires_in_millis")
          .integer(false, std::numeric_limits<int64_t>::min(), kMaxSessionLifetimeMillis);
  auto is_impersonation = body.field("is_impersonation").boolean(false);
  body.reject_unknown();
  ctx.validate();
  std::string uid = resolve_me(ctx, *user_id);
  const auto& project = ctx.require_project();
  if (!core::find_user(*ctx.app.store, project.id, uid)) throw e::user_id_does_not_exist(uid);
  core::SessionOptions options;
  if (expires_in) options.expires_in_millis = *expires_in;
  options.is_impersonation = is_impersonation.value_or(false);
  // No MFA and no sign_up_enabled check here (§3.2).
  auto s =
      core::create_session(services(ctx), project.id, ctx.branch_id, uid, options, ctx.client());
  return Response::json(200,
                        Json{{"refresh_token", s.refresh_token}, {"access_token", s.access_token}});
}

// §3.3
Response delete_session(RequestContext& ctx) {
  auto id = ctx.param("id").uuid(true);
  auto query = ctx.query_reader();
  auto user_id = read_sessions_user_id(ctx, query);
  query.reject_unknown();
  ctx.validate();
  resolve_me(ctx, *user_id);  // validated like the list, otherwise unused (§3.3)
  const auto& project = ctx.require_project();
  auto s = core::find_session(services(ctx), project.id, lower(*id));
  bool owned =
      s && (ctx.access_type != AccessType::kClient || (ctx.user && ctx.user->id == s->user_id));
  if (!owned) throw core::PlainError(404, "Session not found.");
  if (ctx.session_id && *ctx.session_id == s->id) throw e::cannot_delete_current_session();
  core::end_session(services(ctx), project.id, s->id);
  return success();
}

// §3.4
Response delete_current_session(RequestContext& ctx) {
  const auto& project = ctx.require_project();
  std::optional<std::string> session_id = ctx.session_id;
  if (!session_id) {
    // The reference only looks at the access token; accepting the refresh
    // token as well lets a client that lost its access token sign out
    // (the spec allows this fallback).
    auto token = read_refresh_token_header(ctx, /*required=*/false);
    ctx.validate();
    if (!token) throw e::access_token_expired(ctx.app.clock->now_millis());
    auto s = core::find_session_by_refresh_token(services(ctx), *token);
    if (!s || s->project_id != project.id) throw e::refresh_token_not_found_or_expired();
    session_id = s->id;
  }
  if (!core::end_session(services(ctx), project.id, *session_id))
    throw e::refresh_token_not_found_or_expired();
  return success();
}

// The stored session of `token`, for core::refresh_access_token: the row the
// server read before running the handler (RequestContext::session_read) when
// it is this token's, else read here into `read_here`. nullptr in memory
// without such a row, or without its user's token claims in memory: the
// request needs the database.
const std::optional<store::Session>* session_of(RequestContext& ctx, const std::string& project_id,
                                                const std::string& token,
                                                std::optional<store::Session>& read_here) {
  if (ctx.session_read && ctx.session_read->refresh_token == token) {
    const auto& row = ctx.session_read->session;
    // Only a session of this project is answered with a token (the others
    // are refused, from memory): its claims must be in memory too.
    if (ctx.in_memory && row && row->project_id == project_id &&
        !(ctx.app.token_claims && ctx.app.token_claims->peek(row->project_id, row->user_id)))
      return nullptr;
    return &row;
  }
  if (ctx.in_memory) return nullptr;
  read_here = core::find_session_by_refresh_token(services(ctx), token);
  return &read_here;
}

// §3.5
std::optional<Response> refresh_current_session(RequestContext& ctx) {
  auto token = read_refresh_token_header(ctx, /*required=*/true);
  ctx.validate();
  const auto& project = ctx.require_project();
  std::optional<store::Session> read_here;
  auto* session = session_of(ctx, project.id, *token, read_here);
  if (!session) return std::nullopt;
  std::string access =
      core::refresh_access_token(services(ctx), project.id, ctx.branch_id, *session, ctx.client());
  return Response::json(200, Json{{"access_token", access}});
}

// RFC 6749 §5.2 errors of the token endpoint: not known errors, no code
// header (auth-endpoints.md §6.4).
Response oauth_request_error(std::string description) {
  return Response::json(
      400, Json{{"error", "invalid_request"}, {"error_description", std::move(description)}});
}

bool is_vschar(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// The client of the token endpoint: client_id = "<project>[#<branch>]",
// client_secret = a publishable key of that project. Returns the project id;
// nullopt in memory when the read cache cannot tell (needs the database).
std::optional<std::string> authenticate_oauth_client(RequestContext& ctx,
                                                     const std::optional<std::string>& id,
                                                     const std::optional<std::string>& secret) {
  auto fail = [] { return e::invalid_oauth_client_id_or_secret(std::nullopt); };
  if (!id || !secret || id->empty() || secret->empty()) throw fail();
  std::string project_id = id->substr(0, id->find('#'));
  std::string branch = id->find('#') == std::string::npos ? "main" : id->substr(id->find('#') + 1);
  if (branch != "main") throw fail();  // only the main branch has a tenancy
  auto project = ctx.cached_project(project_id);
  if (!project) return std::nullopt;
  if (!*project) throw fail();
  // Keys are compared as digests, like the header keys.
  auto valid = ctx.cached_key_valid(project_id, store::KeyKind::kPublishableClient,
                                    core::sha256_hex(*secret));
  if (!valid) return std::nullopt;
  if (!*valid) throw fail();
  return project_id;
}

// §6.4 grant_type=refresh_token: the JS SDK's refresh path.
std::optional<Response> oauth_refresh_grant(RequestContext& ctx,
                                            const std::optional<std::string>& client_id,
                                            const std::optional<std::string>& client_secret,
                                            const std::optional<std::string>& refresh_token) {
  auto project_id = authenticate_oauth_client(ctx, client_id, client_secret);
  if (!project_id) return std::nullopt;
  if (!refresh_token || refresh_token->empty())
    return oauth_request_error("Missing parameter: `refresh_token`");
  if (!is_vschar(*refresh_token)) return oauth_request_error("Invalid parameter: `refresh_token`");
  std::optional<store::Session> read_here;
  auto* session = session_of(ctx, *project_id, *refresh_token, read_here);
  if (!session) return std::nullopt;
  std::string access =
      core::refresh_access_token(services(ctx), *project_id, "main", *session, ctx.client());
  Response r = Response::json(200, Json{{"access_token", access},
                                        {"token_type", "Bearer"},
                                        // The OAuth library's nominal hour, not
                                        // the JWT's lifetime (§6.4).
                                        {"expires_in", 3599},
                                        {"scope", "legacy"}});
  r.set_header("Pragma", "no-cache");
  return r;
}

// The token oauth_token reads for a refresh grant (Route::session_hint): from
// a form body, which is what OAuth clients send (the JS SDK's included).
std::optional<std::string> refresh_token_in_grant(const Request& req) {
  auto type = req.headers.get("content-type");
  if (!type || type->substr(0, type->find(';')) != "application/x-www-form-urlencoded")
    return std::nullopt;
  std::optional<std::string> grant, token;
  for (auto& [k, v] : parse_query(req.body)) {  // the last of repeated keys, as the body parser
    if (k == "grant_type") grant = v;
    if (k == "refresh_token") token = v;
  }
  if (grant != "refresh_token" || !token || token->empty()) return std::nullopt;
  return token;
}

// §6.4
std::optional<Response> oauth_token(RequestContext& ctx) {
  auto body = ctx.body_reader();
  if (!body.valid()) ctx.validate();  // yup: no field checks inside a missing body
  auto grant_type = body.field("grant_type").one_of(true, {"authorization_code", "refresh_token"});
  // Other keys are allowed; these are read as strings (form bodies always are).
  auto client_id = body.field("client_id").string(false);
  auto client_secret = body.field("client_secret").string(false);
  auto refresh_token = body.field("refresh_token").string(false);
  ctx.validate();
  if (*grant_type == "authorization_code") {
    if (ctx.in_memory) return std::nullopt;  // it reads and writes its code
    return oauth_authorization_code_grant(ctx);
  }
  return oauth_refresh_grant(ctx, client_id, client_secret, refresh_token);
}

// §7
Response anonymous_sign_up(RequestContext& ctx) {
  const auto& project = ctx.require_project();
  if (!core::anonymous_sign_up_enabled(project.config)) throw e::anonymous_accounts_not_enabled();
  if (auto address = ctx.rate_limit_address(); !address.empty())
    ctx.app.rate_limits->count_sign_up({project.id, project.config}, address);
  core::NewUser n;
  n.display_name = "Anonymous user";
  n.is_anonymous = true;
  // Not subject to sign_up_enabled nor MFA (§0.3, §7).
  store::User user = core::create_user(*ctx.app.store, *ctx.app.clock, project.id, std::move(n));
  auto s = core::create_session(services(ctx), project.id, ctx.branch_id, user.id,
                                core::SessionOptions{}, ctx.client());
  return Response::json(200, Json{{"access_token", s.access_token},
                                  {"refresh_token", s.refresh_token},
                                  {"user_id", user.id}});
}

}  // namespace

void register_session_routes(Router& r) {
  static const ObjectSpec sessions_query{{
      string_field("user_id").required().describe(
          "A user's id, or me; may be left out when a user is signed in (then me)."),
  }};
  static const ObjectSpec create_body{{
      string_field("user_id").required().describe("A user's id, or me."),
      integer_field("expires_in_millis").at_most(kMaxSessionLifetimeMillis),
      boolean_field("is_impersonation"),
  }};
  const std::string no_user = "CANNOT_GET_OWN_USER_WITHOUT_USER";
  r.add(Method::kGet, "/auth/sessions", Access::client_plus(), list_sessions, Runs::kDatabase,
        {.summary = "List a user's sessions.",
         .query = &sessions_query,
         .errors = {no_user},
         .response = &shapes::list_of(shapes::session())});
  r.add(Method::kPost, "/auth/sessions", Access::server_plus(), create_session, Runs::kDatabase,
        {.summary = "Create a session for a user (server).",
         .body = &create_body,
         .errors = {no_user, "USER_ID_DOES_NOT_EXIST"},
         .response = &shapes::tokens()});
  r.add(Method::kDelete, "/auth/sessions/current", Access::client_plus(), delete_current_session,
        Runs::kDatabase,
        {.summary = "Sign out: end the session of the access (or x-stack-refresh-token) token.",
         .errors = {"ACCESS_TOKEN_EXPIRED", "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED"},
         .response = &shapes::success()});
  r.add(Method::kDelete, "/auth/sessions/{id}", Access::client_plus(), delete_session,
        Runs::kDatabase,
        {.summary = "End a session.",
         .query = &sessions_query,
         .errors = {no_user, "CANNOT_DELETE_CURRENT_SESSION"},
         .response = &shapes::success()});
  r.add(Method::kPost, "/auth/sessions/current/refresh", Access::client_plus(),
        refresh_current_session, Runs::kSessionRead,
        {.summary = "A new access token for the session of the x-stack-refresh-token header.",
         .errors = {"REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED"},
         .response = &shapes::access_token()},
        refresh_token_in_header);
  // Both grants' fields (oauth_authorization_code_grant reads the code's);
  // other keys are allowed, as OAuth clients send them.
  static const ObjectSpec token_body{
      .fields = {one_of_field("grant_type", {"authorization_code", "refresh_token"}).required(),
                 string_field("client_id").describe("The project's id (#branch optional)."),
                 string_field("client_secret")
                     .describe("The project's publishable client key (or PKCE's code_verifier)."),
                 string_field("refresh_token").describe("grant_type refresh_token."),
                 string_field("code").describe("grant_type authorization_code."),
                 string_field("redirect_uri"), string_field("code_verifier")},
      .open = true};
  // Also the authorization-code grant, which reads nothing before its code.
  r.add(Method::kPost, "/auth/oauth/token", Access::any(), oauth_token, Runs::kSessionRead,
        {.summary = "OAuth 2 token endpoint: exchange an authorization code, or refresh an access "
                    "token. Its own errors are RFC 6749's {error, error_description} (400).",
         .body = &token_body,
         .errors = {"INVALID_OAUTH_CLIENT_ID_OR_SECRET", "INVALID_AUTHORIZATION_CODE",
                    "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED", "MULTI_FACTOR_AUTHENTICATION_REQUIRED"},
         .response = &shapes::oauth_tokens(),
         .form = true},
        refresh_token_in_grant);
  r.add(Method::kPost, "/auth/anonymous/sign-up", Access::client_plus(), anonymous_sign_up,
        Runs::kDatabase,
        {.summary = "Sign up an anonymous user.",
         .errors = {"ANONYMOUS_ACCOUNTS_NOT_ENABLED", "TOO_MANY_REQUESTS"},
         .response = &shapes::sign_in()});
}

}  // namespace latchkey::api
