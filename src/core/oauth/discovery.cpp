#include "core/oauth/discovery.hpp"

#include "core/crypto.hpp"
#include "core/oauth/jws.hpp"
#include "core/oauth/types.hpp"

namespace latchkey::core::oauth {
namespace {

// Leeway for clocks that disagree a little with the provider's.
constexpr int64_t kClockSkewSeconds = 120;

bool is_web_url(const std::string& s) {
  return (s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0) &&
         s.find_first_of(" \t\r\n") == std::string::npos;
}

std::optional<std::string> url_member(const Json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string() || !is_web_url(it->get<std::string>()))
    return std::nullopt;
  return it->get<std::string>();
}

[[noreturn]] void fail(const std::string& why) {
  throw ProviderError(ProviderFailure::kFailed, "invalid ID token: " + why);
}

}  // namespace

std::optional<OpenIdConfiguration> parse_openid_configuration(const Json& doc, std::string* error) {
  auto set_error = [&](std::string e) {
    if (error) *error = std::move(e);
    return std::nullopt;
  };
  if (!doc.is_object()) return set_error("the discovery document is not a JSON object");
  OpenIdConfiguration c;
  auto issuer = doc.find("issuer");
  if (issuer == doc.end() || !issuer->is_string() || issuer->get<std::string>().empty())
    return set_error("the discovery document has no issuer");
  c.issuer = issuer->get<std::string>();
  auto authz = url_member(doc, "authorization_endpoint");
  auto token = url_member(doc, "token_endpoint");
  if (!authz) return set_error("the discovery document has no valid authorization_endpoint");
  if (!token) return set_error("the discovery document has no valid token_endpoint");
  c.authorization_endpoint = *authz;
  c.token_endpoint = *token;
  c.userinfo_endpoint = url_member(doc, "userinfo_endpoint");
  c.jwks_uri = url_member(doc, "jwks_uri");
  // RFC 8414: absent means client_secret_basic.
  auto methods = doc.find("token_endpoint_auth_methods_supported");
  if (methods != doc.end() && methods->is_array()) {
    bool basic = false, post = false;
    for (const auto& m : *methods) {
      if (m == "client_secret_basic") basic = true;
      if (m == "client_secret_post") post = true;
    }
    c.supports_client_secret_basic = basic || !post;
  }
  return c;
}

Json OidcDirectory::fetch_json(const std::string& url, const char* what) {
  HttpRequest req;
  req.url = url;
  req.headers = {{"Accept", "application/json"}};
  HttpResponse res;
  try {
    res = http_.send(req);
  } catch (const HttpError& e) {
    throw ProviderError(ProviderFailure::kFailed,
                        std::string("could not fetch the ") + what + ": " + e.what());
  }
  if (res.status != 200)
    throw ProviderError(ProviderFailure::kFailed, std::string("the ") + what + " answered HTTP " +
                                                      std::to_string(res.status));
  Json doc = Json::parse(res.body, nullptr, false);
  if (doc.is_discarded())
    throw ProviderError(ProviderFailure::kFailed, std::string("the ") + what + " is not JSON");
  return doc;
}

OpenIdConfiguration OidcDirectory::configuration(const std::string& url) {
  Json doc;
  {
    std::lock_guard lock(mutex_);
    auto it = discovery_.find(url);
    if (it != discovery_.end() && std::chrono::steady_clock::now() - it->second.fetched < ttl_)
      doc = it->second.value;
  }
  if (doc.is_null()) {
    try {
      doc = fetch_json(url, "OpenID discovery document");
    } catch (const ProviderError& e) {
      throw ProviderConfigError(e.what());
    }
    std::string error;
    if (!parse_openid_configuration(doc, &error)) throw ProviderConfigError(error);
    std::lock_guard lock(mutex_);
    discovery_[url] = Entry{doc, std::chrono::steady_clock::now()};
  }
  return *parse_openid_configuration(doc, nullptr);
}

Json OidcDirectory::key_set(const std::string& uri, bool refresh) {
  {
    std::lock_guard lock(mutex_);
    auto it = jwks_.find(uri);
    if (it != jwks_.end()) {
      auto age = std::chrono::steady_clock::now() - it->second.fetched;
      // A forced refresh is still rate-limited: a token naming an unknown
      // kid must not make every request hit the provider.
      if (age < ttl_ && (!refresh || age < std::chrono::seconds(10))) return it->second.value;
    }
  }
  Json keys = fetch_json(uri, "JSON Web Key Set");
  std::lock_guard lock(mutex_);
  jwks_[uri] = Entry{keys, std::chrono::steady_clock::now()};
  return keys;
}

Json validate_id_token(OidcDirectory& directory, const std::string& jwks_uri,
                       const std::string& id_token, const IdTokenExpectations& expect) {
  auto jwt = parse_jwt(id_token);
  if (!jwt) fail("not a JWS");
  Json keys = directory.key_set(jwks_uri);
  const Json* key = find_jwk(keys, *jwt);
  if (!key) {
    keys = directory.key_set(jwks_uri, /*refresh=*/true);
    key = find_jwk(keys, *jwt);
  }
  if (!key) fail("no matching signing key");
  if (!verify_jwt_signature(*jwt, *key)) fail("bad signature");
  const Json& c = jwt->claims;
  if (c.value("iss", Json()) != expect.issuer) fail("wrong issuer");
  const Json aud = c.value("aud", Json());
  bool aud_ok = aud == expect.client_id;
  if (aud.is_array()) {
    for (const auto& a : aud) aud_ok = aud_ok || a == expect.client_id;
    // Several audiences: the token must have been issued to us.
    if (aud.size() > 1 && c.value("azp", Json()) != expect.client_id) aud_ok = false;
  }
  if (!aud_ok) fail("wrong audience");
  auto exp = c.find("exp");
  if (exp == c.end() || !exp->is_number() ||
      exp->get<double>() + kClockSkewSeconds < double(expect.now_seconds))
    fail("expired");
  if (auto iat = c.find("iat"); iat != c.end() && iat->is_number() &&
                                iat->get<double>() > double(expect.now_seconds + kClockSkewSeconds))
    fail("issued in the future");
  if (expect.nonce) {
    auto nonce = c.find("nonce");
    if (nonce == c.end() || !nonce->is_string() ||
        !constant_time_equals(nonce->get<std::string>(), *expect.nonce))
      fail("wrong nonce");
  }
  return c;
}

}  // namespace latchkey::core::oauth
