// OpenID Connect plumbing shared by the generic OIDC provider and Apple:
// discovery documents and JWK sets fetched over HTTP and cached, and ID
// token validation (signature, issuer, audience, expiry, nonce).
#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/oauth/http_client.hpp"

namespace latchkey::core::oauth {

struct OpenIdConfiguration {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::optional<std::string> userinfo_endpoint;
  std::optional<std::string> jwks_uri;
  bool supports_client_secret_basic = true;  // else client_secret_post
};

// Parses a discovery document; nullopt (with `error` set) when a required
// member is missing or not an http(s) URL.
std::optional<OpenIdConfiguration> parse_openid_configuration(const Json& doc, std::string* error);

class OidcDirectory {
 public:
  explicit OidcDirectory(HttpClient& http, std::chrono::seconds ttl = std::chrono::minutes(10))
      : http_(http), ttl_(ttl) {}
  // Throws ProviderConfigError when the document cannot be fetched or used.
  OpenIdConfiguration configuration(const std::string& discovery_url);
  // The key set at `jwks_uri`; `refresh` bypasses the cache (after a key
  // rotation the token names a kid the cached set lacks). Throws
  // ProviderError(kFailed).
  Json key_set(const std::string& jwks_uri, bool refresh = false);

 private:
  struct Entry {
    Json value;
    std::chrono::steady_clock::time_point fetched;
  };
  Json fetch_json(const std::string& url, const char* what);

  HttpClient& http_;
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::map<std::string, Entry> discovery_;
  std::map<std::string, Entry> jwks_;
};

struct IdTokenExpectations {
  std::string issuer;
  std::string client_id;
  std::optional<std::string> nonce;
  int64_t now_seconds = 0;
};

// Validates `id_token` (a compact JWS) against the key set at `jwks_uri`
// and the expectations; returns its claims. Throws ProviderError(kFailed).
Json validate_id_token(OidcDirectory& directory, const std::string& jwks_uri,
                       const std::string& id_token, const IdTokenExpectations& expect);

}  // namespace latchkey::core::oauth
