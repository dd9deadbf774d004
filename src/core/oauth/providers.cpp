#include "core/oauth/providers.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/crypto.hpp"
#include "core/json_extent.hpp"
#include "core/oauth/jws.hpp"
#include "core/oauth/user_info.hpp"

namespace latchkey::core::oauth {
namespace {

// RFC 3986 unreserved characters stay; everything else is %-encoded (spaces
// as %20, which every provider reads as a space in a query).
std::string query_component(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::optional<std::string> opt_string(const Json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<int64_t> opt_seconds(const Json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (it->is_number()) {
    double v = it->get<double>();
    if (v >= 0 && v < 1e12) return static_cast<int64_t>(v);
    return std::nullopt;
  }
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty() || s.size() > 12 || !std::all_of(s.begin(), s.end(), ::isdigit))
      return std::nullopt;
    return std::stoll(s);
  }
  return std::nullopt;
}

// Providers disagree on the scope format: space- or comma-separated
// strings (GitHub uses commas), or arrays (Twitch).
std::optional<std::string> scope_of(const Json& o) {
  auto it = o.find("scope");
  if (it == o.end()) return std::nullopt;
  std::string joined;
  auto add = [&](std::string s) {
    std::replace(s.begin(), s.end(), ',', ' ');
    if (!joined.empty()) joined += ' ';
    joined += s;
  };
  if (it->is_string())
    add(it->get<std::string>());
  else if (it->is_array())
    for (const auto& s : *it)
      if (s.is_string()) add(s.get<std::string>());
  if (joined.empty()) return std::nullopt;
  return merge_scopes(joined, "");
}

Json parse_form(std::string_view body) {
  Json out = Json::object();
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    std::string_view pair = body.substr(start, amp == std::string_view::npos ? amp : amp - start);
    size_t eq = pair.find('=');
    auto decode = [](std::string_view s) {
      std::string r;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+')
          r.push_back(' ');
        else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit((unsigned char)s[i + 1]) &&
                 std::isxdigit((unsigned char)s[i + 2])) {
          r.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
          i += 2;
        } else
          r.push_back(s[i]);
      }
      return r;
    };
    if (!pair.empty() && eq != std::string_view::npos)
      out[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

// A discovery document's endpoints, issuer and client authentication (the
// generic OIDC provider and Stack's mock OAuth server alike).
void use_discovered_endpoints(ResolvedProvider& p, const OpenIdConfiguration& oc) {
  p.authorization_endpoint = oc.authorization_endpoint;
  p.token_endpoint = oc.token_endpoint;
  p.userinfo_endpoint = oc.userinfo_endpoint;
  p.jwks_uri = oc.jwks_uri;
  p.issuer = oc.issuer;
  p.client_auth = oc.supports_client_secret_basic ? ClientAuth::kBasic : ClientAuth::kPost;
}

}  // namespace

std::optional<ProviderConfig> find_provider_config(const Json& config, std::string_view id) {
  if (!config.is_object() || !config.contains("oauth_providers") ||
      !config["oauth_providers"].is_array())
    return std::nullopt;
  for (const auto& p : config["oauth_providers"]) {
    if (!p.is_object() || p.value("id", "") != id) continue;
    ProviderConfig c;
    c.id = std::string(id);
    c.shared = p.value("type", "") == "shared";
    c.client_id = p.value("client_id", "");
    c.client_secret = p.value("client_secret", "");
    c.facebook_config_id = opt_string(p, "facebook_config_id");
    c.microsoft_tenant_id = opt_string(p, "microsoft_tenant_id");
    c.apple_team_id = opt_string(p, "apple_team_id");
    c.apple_key_id = opt_string(p, "apple_key_id");
    c.discovery_url = opt_string(p, "discovery_url");
    return c;
  }
  return std::nullopt;
}

std::string merge_scopes(std::string_view base, std::string_view extra) {
  std::vector<std::string> out;
  for (std::string_view text : {base, extra}) {
    std::istringstream in{std::string(text)};
    for (std::string s; in >> s;)
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  std::string joined;
  for (const auto& s : out) joined += (joined.empty() ? "" : " ") + s;
  return joined;
}

ProviderError provider_error(std::string_view provider_id, std::string_view error,
                             std::string_view description) {
  std::string what = std::string(provider_id) + " answered " + std::string(error) +
                     (description.empty() ? "" : ": " + std::string(description));
  if (error == "invalid_grant" || error == "bad_verification_code")  // GitHub's name
    return ProviderError(ProviderFailure::kInvalidGrant, what);
  if (error == "access_denied" || error == "consent_required")
    return ProviderError(ProviderFailure::kAccessDenied, what);
  if (error == "invalid_client" || error == "incorrect_client_credentials" ||  // GitHub
      error == "unauthorized_client")
    return ProviderError(ProviderFailure::kInvalidClient, what);
  if (error == "unauthorized_scope_error" || error == "invalid_scope") {
    // LinkedIn: 'Scope "r_emailaddress" is not authorized for your application'
    std::string scope;
    auto q1 = description.find('"');
    auto q2 = q1 == std::string_view::npos ? q1 : description.find('"', q1 + 1);
    if (q2 != std::string_view::npos) scope = std::string(description.substr(q1 + 1, q2 - q1 - 1));
    return ProviderError(ProviderFailure::kUnauthorizedScope, what, scope);
  }
  return ProviderError(ProviderFailure::kFailed, what);
}

Providers::Providers(HttpClient& http, ProviderEnvironment env, const Clock& real_clock)
    : http_(http), env_(std::move(env)), clock_(real_clock), directory_(http) {}

std::string Providers::endpoint(const std::string& provider_id, std::string_view url) const {
  auto it = env_.test_base_urls.find(provider_id);
  if (it == env_.test_base_urls.end()) return std::string(url);
  // Keep the path and query, swap scheme and host: the test provider
  // serves the real paths.
  size_t scheme = url.find("://");
  size_t path = scheme == std::string_view::npos ? 0 : url.find('/', scheme + 3);
  std::string base = it->second;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(path == std::string_view::npos ? "" : url.substr(path));
}

ResolvedProvider Providers::resolve(const ProviderConfig& c) {
  ResolvedProvider p;
  p.id = c.id;
  p.config = c;
  p.shared = c.shared;
  if (c.shared && env_.mock_providers.count(c.id)) return resolve_mock(c);
  if (c.shared) {
    auto keys = env_.shared_keys.find(c.id);
    if (keys == env_.shared_keys.end())
      throw ProviderConfigError(
          "The OAuth provider \"" + c.id +
          "\" is configured to use shared development keys, which this server does not have. "
          "Configure it with type \"standard\" and your own client_id and client_secret.");
    p.client_id = keys->second.first;
    p.client_secret = keys->second.second;
  } else {
    p.client_id = c.client_id;
    p.client_secret = c.client_secret;
  }
  if (p.client_id.empty() || p.client_secret.empty())
    throw ProviderConfigError("The OAuth provider \"" + c.id +
                              "\" has no client_id or client_secret configured.");

  if (c.id == "oidc") {
    if (!c.discovery_url || c.discovery_url->empty())
      throw ProviderConfigError("The OAuth provider \"oidc\" has no discovery_url configured.");
    OpenIdConfiguration oc;
    try {
      oc = directory_.configuration(*c.discovery_url);
    } catch (const ProviderConfigError& e) {
      throw ProviderConfigError(
          "The OpenID discovery document of the OAuth provider \"oidc\" "
          "cannot be used: " +
          std::string(e.what()));
    }
    use_discovered_endpoints(p, oc);
    p.base_scope = "openid email profile";
    p.uses_nonce = true;
    if (!p.userinfo_endpoint && !p.jwks_uri)
      throw ProviderConfigError(
          "The OpenID discovery document of the OAuth provider \"oidc\" "
          "has neither a userinfo_endpoint nor a jwks_uri.");
    return p;
  }

  const ProviderSpec* s = find_provider_spec(c.id);
  if (!s) throw ProviderConfigError("Unknown OAuth provider \"" + c.id + "\".");
  auto url = [&](const char* u) -> std::string {
    std::string v = u;
    if (c.id == "microsoft") {
      // The tenant is part of the path (default: personal accounts).
      std::string tenant = c.microsoft_tenant_id && !c.microsoft_tenant_id->empty()
                               ? *c.microsoft_tenant_id
                               : "consumers";
      auto at = v.find("{tenant}");
      if (at != std::string::npos) v.replace(at, 8, query_component(tenant));
    }
    return endpoint(c.id, v);
  };
  p.authorization_endpoint = url(s->authorize);
  p.token_endpoint = url(s->token);
  if (s->userinfo) p.userinfo_endpoint = url(s->userinfo);
  if (s->emails) p.emails_endpoint = url(s->emails);
  if (s->jwks) p.jwks_uri = url(s->jwks);
  if (s->issuer) p.issuer = url(s->issuer);
  p.base_scope = s->scope;
  p.client_auth = s->auth;
  p.pkce = s->pkce;
  p.form_post = s->form_post;
  p.default_token_lifetime_seconds = s->lifetime_seconds;
  p.extra_authorize_params = s->extra;
  if (c.id == "facebook" && c.facebook_config_id && !c.facebook_config_id->empty())
    p.extra_authorize_params.emplace_back("config_id", *c.facebook_config_id);
  if (c.id == "apple") {
    // Fail at authorize time, not after the user signed in at Apple.
    (void)client_secret_for_request(p);
  }
  return p;
}

// As Stack's MockProvider: endpoints from the mock server's discovery
// document, the provider id as client id, scope `openid`, PKCE, Basic
// client authentication, no nonce.
ResolvedProvider Providers::resolve_mock(const ProviderConfig& c) {
  ResolvedProvider p;
  p.id = c.id;
  p.config = c;
  p.shared = true;
  p.mock = true;
  p.client_id = c.id;
  p.client_secret = kMockClientSecret;
  std::string url = env_.mock_url;
  if (url.find("/.well-known/") == std::string::npos) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += "/.well-known/openid-configuration";
  }
  OpenIdConfiguration oc;
  try {
    oc = directory_.configuration(url);
  } catch (const ProviderConfigError& e) {
    throw ProviderConfigError("The mock OAuth server at STACK_OAUTH_MOCK_URL cannot be used: " +
                              std::string(e.what()));
  }
  use_discovered_endpoints(p, oc);
  p.base_scope = "openid";
  if (!p.userinfo_endpoint)
    throw ProviderConfigError(
        "The mock OAuth server at STACK_OAUTH_MOCK_URL has no userinfo_endpoint.");
  return p;
}

std::string Providers::client_secret_for_request(const ResolvedProvider& p) const {
  if (p.id != "apple" || p.client_secret.rfind("-----BEGIN", 0) != 0) return p.client_secret;
  // Apple's client secret is a short-lived ES256 JWT signed with the
  // project's key (team id, key id and the .p8 key in client_secret).
  const auto& c = p.config;
  if (!c.apple_team_id || c.apple_team_id->empty() || !c.apple_key_id || c.apple_key_id->empty())
    throw ProviderConfigError(
        "The OAuth provider \"apple\" has a private key as client_secret but no apple_team_id "
        "and apple_key_id.");
  int64_t now = clock_.now_seconds();
  Json claims{{"iss", *c.apple_team_id},
              {"iat", now},
              {"exp", now + 300},
              {"aud", "https://appleid.apple.com"},
              {"sub", p.client_id}};
  try {
    return sign_es256_jwt(Json{{"kid", *c.apple_key_id}}, claims, p.client_secret);
  } catch (const KeyError& e) {
    throw ProviderConfigError("The OAuth provider \"apple\" has an unusable private key: " +
                              std::string(e.what()));
  }
}

std::string Providers::authorization_url(const ResolvedProvider& p,
                                         const AuthorizationParams& a) const {
  std::vector<std::pair<std::string, std::string>> q = {
      {"client_id", p.client_id}, {"redirect_uri", a.redirect_uri},
      {"response_type", "code"},  {"scope", merge_scopes(p.base_scope, a.extra_scope)},
      {"state", a.state},         {"access_type", "offline"},
  };
  if (p.pkce) {
    q.emplace_back("code_challenge", a.code_challenge);
    q.emplace_back("code_challenge_method", "S256");
  }
  if (p.uses_nonce && a.nonce) q.emplace_back("nonce", *a.nonce);
  for (const auto& kv : p.extra_authorize_params) q.push_back(kv);
  std::string url = p.authorization_endpoint;
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : q) {
    url += sep + query_component(k) + "=" + query_component(v);
    sep = '&';
  }
  return url;
}

TokenSet Providers::token_request(const ResolvedProvider& p,
                                  std::vector<std::pair<std::string, std::string>> fields) {
  HttpRequest req;
  req.method = "POST";
  req.url = p.token_endpoint;
  req.headers = {{"Accept", "application/json"},
                 {"Content-Type", "application/x-www-form-urlencoded"}};
  std::string secret = client_secret_for_request(p);
  if (p.client_auth == ClientAuth::kBasic) {
    // RFC 6749 §2.3.1: both parts form-encoded before base64.
    req.headers.emplace_back(
        "Authorization",
        "Basic " + base64_encode(form_component(p.client_id) + ":" + form_component(secret)));
  } else {
    fields.emplace_back("client_id", p.client_id);
    fields.emplace_back("client_secret", secret);
  }
  req.body = form_encode(fields);
  HttpResponse res;
  try {
    res = http_.send(req);
  } catch (const HttpError& e) {
    throw ProviderError(ProviderFailure::kFailed, e.what());
  }
  Json body = Json::parse(res.body, nullptr, false);
  if (!body.is_object()) body = parse_form(res.body);
  if (auto error = opt_string(body, "error"))
    throw provider_error(p.id, *error, opt_string(body, "error_description").value_or(""));
  if (res.status == 401)
    throw ProviderError(ProviderFailure::kInvalidClient,
                        p.id + " refused the client credentials (HTTP 401)");
  if (res.status < 200 || res.status >= 300)
    throw ProviderError(ProviderFailure::kFailed,
                        p.id + " token endpoint answered HTTP " + std::to_string(res.status));
  TokenSet t;
  auto access = opt_string(body, "access_token");
  if (!access || access->empty())
    throw ProviderError(ProviderFailure::kFailed,
                        p.id + " token endpoint returned no access token");
  t.access_token = *access;
  t.refresh_token = opt_string(body, "refresh_token");
  if (t.refresh_token && t.refresh_token->empty()) t.refresh_token.reset();
  t.expires_in_seconds = opt_seconds(body, "expires_in");
  t.scope = scope_of(body);
  t.id_token = opt_string(body, "id_token");
  return t;
}

TokenSet Providers::exchange_code(const ResolvedProvider& p, const std::string& code,
                                  const std::string& code_verifier,
                                  const std::string& redirect_uri) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", redirect_uri}};
  if (p.pkce) fields.emplace_back("code_verifier", code_verifier);
  return token_request(p, std::move(fields));
}

TokenSet Providers::refresh(const ResolvedProvider& p, const std::string& refresh_token,
                            const std::optional<std::string>& scope) {
  std::vector<std::pair<std::string, std::string>> fields = {{"grant_type", "refresh_token"},
                                                             {"refresh_token", refresh_token}};
  if (scope && !scope->empty()) fields.emplace_back("scope", *scope);
  return token_request(p, std::move(fields));
}

Json Providers::get_json(const ResolvedProvider& p, const std::string& url,
                         const std::string& access_token,
                         std::vector<std::pair<std::string, std::string>> extra_headers) {
  HttpRequest req;
  req.url = url;
  req.headers = {{"Authorization", "Bearer " + access_token}, {"Accept", "application/json"}};
  for (auto& h : extra_headers) req.headers.push_back(std::move(h));
  HttpResponse res;
  try {
    res = http_.send(req);
  } catch (const HttpError& e) {
    throw ProviderError(ProviderFailure::kFailed, e.what());
  }
  if (res.status < 200 || res.status >= 300)
    throw ProviderError(
        ProviderFailure::kFailed,
        p.id + " user information request answered HTTP " + std::to_string(res.status));
  Json body = Json::parse(res.body, nullptr, false);
  if (body.is_discarded())
    throw ProviderError(ProviderFailure::kFailed, p.id + " user information is not JSON");
  return body;
}

UserInfo Providers::user_info(const ResolvedProvider& p, const TokenSet& t,
                              const Json& callback_params,
                              const std::optional<std::string>& nonce) {
  const std::string& at = t.access_token;
  // The e-mail lists are a second call that some account types refuse
  // (e.g. without the e-mail permission): then there is no verified address.
  auto optional_json = [&](const std::optional<std::string>& url,
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!url) return Json();
    try {
      return get_json(p, *url, at, std::move(headers));
    } catch (const ProviderError&) {
      return Json();
    }
  };
  if (p.mock) {
    // The ID token is checked when there is one (openid-client does so in
    // Stack); the user comes from userinfo, with the subject as the e-mail,
    // which the mock server vouches for.
    if (t.id_token && p.jwks_uri) {
      IdTokenExpectations expect{p.issuer, p.client_id, std::nullopt, clock_.now_seconds()};
      validate_id_token(directory_, *p.jwks_uri, *t.id_token, expect);
    }
    return map_mock(get_json(p, *p.userinfo_endpoint, at));
  }
  if (p.id == "github") {
    std::vector<std::pair<std::string, std::string>> h = {{"Accept", "application/vnd.github+json"},
                                                          {"X-GitHub-Api-Version", "2022-11-28"}};
    Json user = get_json(p, *p.userinfo_endpoint, at, h);
    return map_github(user, optional_json(p.emails_endpoint, h));
  }
  if (p.id == "gitlab")
    return map_gitlab(get_json(p, *p.userinfo_endpoint, at), optional_json(p.emails_endpoint));
  if (p.id == "bitbucket")
    return map_bitbucket(get_json(p, *p.userinfo_endpoint, at), optional_json(p.emails_endpoint));
  if (p.id == "google") return map_google(get_json(p, *p.userinfo_endpoint, at));
  if (p.id == "linkedin") return map_linkedin(get_json(p, *p.userinfo_endpoint, at));
  if (p.id == "facebook") return map_facebook(get_json(p, *p.userinfo_endpoint, at));
  if (p.id == "microsoft") return map_microsoft(get_json(p, *p.userinfo_endpoint, at));
  if (p.id == "spotify") return map_spotify(get_json(p, *p.userinfo_endpoint, at));
  if (p.id == "discord") return map_discord(get_json(p, *p.userinfo_endpoint, at));
  if (p.id == "x") return map_x(get_json(p, *p.userinfo_endpoint, at));
  if (p.id == "twitch")
    return map_twitch(get_json(p, *p.userinfo_endpoint, at, {{"Client-Id", p.client_id}}));

  IdTokenExpectations expect{p.issuer, p.client_id, std::nullopt, clock_.now_seconds()};
  if (p.id == "apple") {
    if (!t.id_token)
      throw ProviderError(ProviderFailure::kFailed, "apple token endpoint returned no ID token");
    Json claims = validate_id_token(directory_, *p.jwks_uri, *t.id_token, expect);
    // Apple posts the name once, on the first sign-in, as a JSON string (a
    // form field of the callback: only a small object is parsed, as with
    // any JSON from a request, core/json_extent.hpp).
    Json user = Json();
    if (auto it = callback_params.find("user"); it != callback_params.end() && it->is_string()) {
      const std::string& text = it->get_ref<const std::string&>();
      const JsonExtent extent = json_extent(text, 4);
      if (extent.depth <= 4 && extent.widest_object <= 16) user = Json::parse(text, nullptr, false);
    }
    return map_apple(claims, user.is_discarded() ? Json() : user);
  }
  if (p.id == "oidc") {
    Json claims = Json::object();
    if (t.id_token && p.jwks_uri) {
      expect.nonce = nonce;
      claims = validate_id_token(directory_, *p.jwks_uri, *t.id_token, expect);
    } else if (!p.userinfo_endpoint) {
      throw ProviderError(ProviderFailure::kFailed, "oidc token endpoint returned no ID token");
    }
    if (p.userinfo_endpoint) {
      Json info = get_json(p, *p.userinfo_endpoint, at);
      if (!info.is_object())
        throw ProviderError(ProviderFailure::kFailed, "oidc userinfo is not a JSON object");
      // OIDC Core §5.3.2: the userinfo sub must be the ID token's.
      if (claims.contains("sub") && info.value("sub", Json()) != claims["sub"])
        throw ProviderError(ProviderFailure::kFailed, "oidc userinfo names another subject");
      for (auto& [k, v] : info.items()) claims[k] = v;
    }
    return map_openid_claims(claims);
  }
  throw ProviderError(ProviderFailure::kFailed, "unknown provider " + p.id);
}

}  // namespace latchkey::core::oauth
