// OAuth sign-in (auth-endpoints.md §6): GET /auth/oauth/authorize/{provider},
// the provider's callback (GET, or a POST form for Apple), the token
// endpoint's authorization_code grant and the connected-account access
// tokens (§6.5). The flow itself is core/oauth/flow.
#include "api/auth_oauth.hpp"

#include <algorithm>
#include <ctime>

#include "api/routes.hpp"
#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/oauth/flow.hpp"

namespace latchkey::api {
namespace e = core::errors;
namespace oauth = core::oauth;

namespace {

constexpr const char* kCookiePrefix = "stack-oauth-inner-";

oauth::FlowServices services(RequestContext& ctx) {
  return {*ctx.app.store, *ctx.app.clock, *ctx.app.tokens, *ctx.app.oauth, *ctx.app.activity};
}

bool is_vschar(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// RFC 6749 §5.2 error of the token endpoint (no known-error code).
Response oauth_request_error(std::string description) {
  return Response::json(
      400, Json{{"error", "invalid_request"}, {"error_description", std::move(description)}});
}

std::string http_date(int64_t millis) {
  std::time_t t = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

bool secure_cookies(const RequestContext& ctx) {
  return ctx.app.config.public_url.rfind("https://", 0) == 0;
}

// "<project>[#<branch>]": the project, if it exists on a branch with a
// tenancy (only main).
std::shared_ptr<const store::Project> oauth_client_project(RequestContext& ctx,
                                                           const std::string& client_id,
                                                           std::string* branch_out) {
  auto hash = client_id.find('#');
  std::string project_id = client_id.substr(0, hash);
  std::string branch = hash == std::string::npos ? "main" : client_id.substr(hash + 1);
  if (branch != "main" || project_id.empty()) return nullptr;
  if (branch_out) *branch_out = branch;
  return ctx.app.cache->get_project(project_id);
}

bool valid_publishable_key(RequestContext& ctx, const std::string& project_id,
                           const std::string& key) {
  // Compared as digests, like the header keys.
  return ctx.app.cache->is_valid_key(project_id, store::KeyKind::kPublishableClient,
                                     core::sha256_hex(key), ctx.app.clock->now_millis());
}

// §6.2
Response authorize(RequestContext& ctx) {
  auto provider_id = ctx.param("provider_id").string(true);
  auto q = ctx.query_reader();
  auto client_id = q.field("client_id").string(true);
  auto client_secret = q.field("client_secret").string(true);
  auto redirect_uri = q.field("redirect_uri").url(true);
  auto scope = q.field("scope").string(true);
  auto state = q.field("state").string(true);
  q.field("grant_type").one_of(true, {"authorization_code"});
  auto code_challenge = q.field("code_challenge").string(true);
  auto code_challenge_method = q.field("code_challenge_method").string(true);
  auto response_type = q.field("response_type").string(true);
  auto type = q.field("type").one_of(false, {"authenticate", "link"});
  auto token = q.field("token").string(false);
  auto provider_scope = q.field("provider_scope").string(false);
  auto error_redirect_uri = q.field("error_redirect_uri").url(false);
  // The deprecated name, still sent by the JS SDK.
  auto error_redirect_url = q.field("error_redirect_url").url(false);
  auto after_callback = q.field("after_callback_redirect_url").string(false);
  q.reject_unknown();
  ctx.validate();

  std::string branch = "main";
  auto project = oauth_client_project(ctx, *client_id, &branch);
  if (!project) throw e::invalid_oauth_client_id_or_secret(*client_id);
  if (!valid_publishable_key(ctx, project->id, *client_secret))
    throw e::invalid_publishable_client_key(project->id);
  auto config = oauth::find_provider_config(project->config, *provider_id);
  if (!config) throw e::oauth_provider_not_found_or_not_enabled();

  oauth::OuterRequest outer;
  if (type.value_or("authenticate") == "link") {
    auto verified = ctx.app.tokens->verify(token.value_or(""));
    if (auto* err = std::get_if<core::TokenError>(&verified)) {
      if (err->failure == core::TokenFailure::kExpired)
        throw e::access_token_expired(err->expired_at_millis);
      throw e::unparsable_access_token();
    }
    const auto& claims = std::get<core::AccessTokenClaims>(verified);
    if (claims.aud != project->id)
      throw core::PlainError(403, "The access token is not valid for this project");
    if (claims.branch_id != branch)
      throw core::PlainError(403, "The access token is not valid for this branch");
    if (!core::find_user(*ctx.app.store, project->id, claims.sub)) throw e::user_not_found();
    if (provider_scope && !provider_scope->empty() && config->shared)
      throw e::oauth_extra_scope_not_available_with_shared_oauth_keys();
    outer.link_user_id = claims.sub;
  }
  std::string redirect = *redirect_uri;
  redirect = redirect.substr(0, redirect.find('#'));  // fragments never reach a server
  outer.redirect_uri = redirect;
  outer.scope = *scope;
  outer.state = *state;
  outer.code_challenge = *code_challenge;
  outer.code_challenge_method = *code_challenge_method;
  outer.response_type = *response_type;
  outer.provider_scope = provider_scope.value_or("");
  outer.error_redirect_uri = error_redirect_uri ? error_redirect_uri : error_redirect_url;
  outer.after_callback_redirect_url = after_callback;

  auto svc = services(ctx);
  auto start = oauth::start_authorization(svc, *project, branch, *provider_id, outer);
  Response r = Response::empty(307);
  r.set_header("Location", start.location);
  std::string c = std::string(kCookiePrefix) + start.inner_state +
                  "=true; Path=/; Expires=" + http_date(start.expires_at_millis) +
                  "; Max-Age=" + std::to_string(oauth::kOuterStateLifetimeMillis / 1000) +
                  "; HttpOnly";
  if (secure_cookies(ctx)) {
    c += "; Secure";
    // Apple's answer is a cross-site POST, which browsers send no Lax
    // cookie with (and cookies without SameSite default to Lax).
    if (start.form_post) c += "; SameSite=None";
  }
  r.set_header("Set-Cookie", c);
  return r;
}

// §6.3
Response callback(RequestContext& ctx) {
  auto provider_id = ctx.param("provider_id").string(true);
  ctx.validate();
  // Query and form body merged; Apple posts its answer as a form.
  Json params = Json::object();
  if (ctx.body && ctx.body->is_object())
    for (auto& [k, v] : ctx.body->items()) params[k] = v;
  for (auto& [k, v] : ctx.query.items()) params[k] = v;
  std::string state;
  if (ctx.query.contains("state") && ctx.query["state"].is_string())
    state = ctx.query["state"].get<std::string>();
  else if (ctx.body && ctx.body->is_object() && ctx.body->contains("state") &&
           (*ctx.body)["state"].is_string())
    state = (*ctx.body)["state"].get<std::string>();

  // The cookie is removed by every answer, errors included.
  std::string name = std::string(kCookiePrefix) + state;
  ctx.response_headers.emplace_back(
      "Set-Cookie", name + "=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly" +
                        (secure_cookies(ctx) ? "; Secure" : ""));
  if (http::cookie_value(ctx.req.headers, name) != "true")
    throw core::PlainError(400,
                           "Inner OAuth cookie not found. This is likely because you refreshed the "
                           "page during the OAuth sign in process. Please try signing in again");
  auto outer_state = oauth::take_outer_state(*ctx.app.store, state);
  if (!outer_state)
    throw core::PlainError(400, "Invalid OAuth cookie. Please try signing in again.");

  auto svc = services(ctx);
  std::string location;
  try {
    location = oauth::complete_callback(svc, *outer_state, *provider_id, params);
  } catch (const core::KnownError& err) {
    auto target = oauth::error_redirect_target(*ctx.app.store, *outer_state);
    if (!target) throw;
    Response r = Response::empty(307);
    r.set_header("Location", oauth::error_redirect_location(*target, err));
    return r;
  }
  Response r = Response::json(303, Json::object());
  r.set_header("Location", location);
  return r;
}

// §6.5
Response connected_account_token(RequestContext& ctx, std::optional<std::string> user_id) {
  if (!user_id) {
    auto f = ctx.param("user_id");
    auto v = f.string(true);
    if (v && *v != "me" && !core::is_uuid(*v)) f.add_error("must be a valid UUID");
    user_id = v;
  }
  auto provider_id = ctx.param("provider_id").string(true);
  auto body = ctx.body_reader(/*required=*/false);
  auto scope = body.field("scope").string(false);
  body.reject_unknown();
  ctx.validate();
  std::string uid = *user_id;
  if (uid == "me") {
    if (!ctx.user) throw e::cannot_get_own_user_without_user();
    uid = ctx.user->id;
  }
  std::transform(uid.begin(), uid.end(), uid.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ctx.access_type == AccessType::kClient && (!ctx.user || ctx.user->id != uid))
    throw core::PlainError(403, "Client can only access its own connected accounts");
  const auto& project = ctx.require_project();
  if (!core::find_user(*ctx.app.store, project.id, uid)) throw e::user_not_found();
  auto svc = services(ctx);
  std::string token = oauth::connected_account_access_token(svc, project, uid, *provider_id, scope);
  return Response::json(201, Json{{"access_token", token}});
}

}  // namespace

Response oauth_authorization_code_grant(RequestContext& ctx) {
  auto body = ctx.body_reader();
  auto client_id = body.field("client_id").string(false);
  auto client_secret = body.field("client_secret").string(false);
  auto code = body.field("code").string(false);
  auto redirect_uri = body.field("redirect_uri").string(false);
  auto code_verifier = body.field("code_verifier").string(false);
  ctx.validate();

  auto fail = [] { return e::invalid_oauth_client_id_or_secret(std::nullopt); };
  if (!client_id || client_id->empty()) throw fail();
  std::string branch = "main";
  auto project = oauth_client_project(ctx, *client_id, &branch);
  if (!project) throw fail();
  bool has_secret = client_secret && !client_secret->empty();
  // PKCE stands in for the client secret (a public client, §6.4).
  if (!has_secret && !(code_verifier && !code_verifier->empty())) throw fail();
  if (has_secret && !valid_publishable_key(ctx, project->id, *client_secret)) throw fail();

  if (!code || code->empty()) return oauth_request_error("Missing parameter: `code`");
  if (!is_vschar(*code)) return oauth_request_error("Invalid parameter: `code`");
  oauth::CodeExchange x;
  x.project_id = project->id;
  x.branch_id = branch;
  x.code = *code;
  if (redirect_uri && !redirect_uri->empty()) x.redirect_uri = redirect_uri;
  if (code_verifier && !code_verifier->empty()) x.code_verifier = code_verifier;
  auto svc = services(ctx);
  oauth::ExchangeResult result;
  try {
    result = oauth::exchange_authorization_code(svc, x, ctx.client());
  } catch (const oauth::OAuthRequestError& err) {
    return oauth_request_error(err.what());
  }
  Json after =
      result.after_callback_redirect_url ? Json(*result.after_callback_redirect_url) : Json();
  Response r = Response::json(200, Json{{"access_token", result.session.access_token},
                                        {"token_type", "Bearer"},
                                        // The OAuth library's nominal hour,
                                        // not the JWT's lifetime (§6.4).
                                        {"expires_in", 3599},
                                        {"refresh_token", result.session.refresh_token},
                                        {"scope", "legacy"},
                                        {"newUser", result.new_user},
                                        {"is_new_user", result.new_user},
                                        {"afterCallbackRedirectUrl", after},
                                        {"after_callback_redirect_url", after}});
  r.set_header("Pragma", "no-cache");
  return r;
}

namespace {

// What the handlers above read (route_spec.hpp).
const ObjectSpec kAuthorizeQuery{{
    string_field("client_id").required().describe("The project's id (#branch optional)."),
    string_field("client_secret").required().describe("The project's publishable client key."),
    string_field("redirect_uri").url().required(),
    string_field("scope").required(),
    string_field("state").required(),
    one_of_field("grant_type", {"authorization_code"}).required(),
    string_field("code_challenge").required(),
    string_field("code_challenge_method").required(),
    string_field("response_type").required(),
    one_of_field("type", {"authenticate", "link"}),
    string_field("token").describe("With type link: the access token of the user to link."),
    string_field("provider_scope").describe("Extra scopes to ask the provider for."),
    string_field("error_redirect_uri").url(),
    string_field("error_redirect_url").url().describe("Deprecated name of error_redirect_uri."),
    string_field("after_callback_redirect_url"),
}};
// What the provider sends back, read as it comes (documentation: the
// callback reads the query and form as one object, without readers).
const ObjectSpec kCallbackParams{
    .fields = {string_field("code"), string_field("state").describe("Also in the form (Apple)."),
               string_field("error"), string_field("error_description"),
               string_field("user").describe("Apple's first sign-in: the user's name (JSON).")},
    .optional = true,
    .open = true};
const ObjectSpec kConnectedAccountBody{{string_field("scope")}, /*optional=*/true};

}  // namespace

void register_oauth_routes(Router& r) {
  const std::vector<std::string> callback_errors = {
      "OUTER_OAUTH_TIMEOUT",
      "OAUTH_PROVIDER_ACCESS_DENIED",
      "INVALID_AUTHORIZATION_CODE",
      "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED",
      "SIGN_UP_NOT_ENABLED",
      "OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER",
      "USER_ALREADY_CONNECTED_TO_ANOTHER_OAUTH_CONNECTION",
      "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE",
      "REDIRECT_URL_NOT_WHITELISTED"};
  r.add(Method::kGet, "/auth/oauth/authorize/{provider_id}", Access::any(), authorize, Runs::kLong,
        {.summary = "Start an OAuth sign-in (or, with type link, connect an account): redirects to "
                    "the provider.",
         .query = &kAuthorizeQuery,
         .errors = {"INVALID_OAUTH_CLIENT_ID_OR_SECRET", "INVALID_PUBLISHABLE_CLIENT_KEY",
                    "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED", "ACCESS_TOKEN_EXPIRED",
                    "UNPARSABLE_ACCESS_TOKEN", "USER_NOT_FOUND",
                    "OAUTH_EXTRA_SCOPE_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS"},
         .status = 307,
         .answers = "A redirect (Location) to the provider's consent page, with a cookie that "
                    "the callback checks."});
  // The provider's answer is a query (GET) or, for Apple, a form (POST):
  // read raw, as the provider words it (code, state, error, user, ...).
  const std::string callback_answer =
      "A redirect (303, Location) to the redirect_uri of the authorization with its code and "
      "state; when the flow fails and it named an error_redirect_uri, a redirect (307) there "
      "with the error.";
  r.add(Method::kGet, "/auth/oauth/callback/{provider_id}", Access::any(), callback, Runs::kLong,
        {.summary = "The provider's redirect back (query: code, state, or error).",
         .query = &kCallbackParams,
         .errors = callback_errors,
         .status = 303,
         .answers = callback_answer});
  r.add(Method::kPost, "/auth/oauth/callback/{provider_id}", Access::any(), callback, Runs::kLong,
        {.summary = "The provider's answer as a form post (Apple: code, state, user).",
         .body = &kCallbackParams,
         .query = &kCallbackParams,
         .errors = callback_errors,
         .status = 303,
         .answers = callback_answer,
         .form = true});
  const std::vector<std::string> token_errors = {
      "CANNOT_GET_OWN_USER_WITHOUT_USER",
      "USER_NOT_FOUND",
      "OAUTH_CONNECTION_NOT_CONNECTED_TO_USER",
      "OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE",
      "OAUTH_ACCESS_TOKEN_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS",
      "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED"};
  r.add(Method::kPost, "/connected-accounts/{user_id}/{provider_id}/access-token",
        Access::client_plus(),
        [](RequestContext& ctx) { return connected_account_token(ctx, std::nullopt); }, Runs::kLong,
        {.summary = "An access token of the user's connected account at the provider.",
         .body = &kConnectedAccountBody,
         .errors = token_errors,
         .response = &shapes::access_token(),
         .status = 201});
  // Deprecated alias (§6.5): the same as user `me`.
  r.add(Method::kPost, "/auth/oauth/connected-accounts/{provider_id}/access-token",
        Access::client_plus(),
        [](RequestContext& ctx) { return connected_account_token(ctx, std::string("me")); },
        Runs::kLong,
        {.summary = "Deprecated: the signed-in user's connected-account access token.",
         .body = &kConnectedAccountBody,
         .errors = token_errors,
         .response = &shapes::access_token(),
         .status = 201});
}

}  // namespace latchkey::api
