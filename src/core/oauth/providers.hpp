// The OAuth providers (auth-endpoints.md §6.6): a table of each provider's
// endpoints, scopes and quirks, and one object that speaks to them — builds
// authorization URLs, exchanges codes, refreshes tokens and reads the user.
// The generic `oidc` provider takes its endpoints from a discovery document.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/oauth/discovery.hpp"
#include "core/oauth/http_client.hpp"
#include "core/oauth/provider_table.hpp"
#include "core/oauth/types.hpp"

namespace latchkey::core::oauth {

// What a project configures for one provider (project-config.md §3.1, plus
// Latchkey's apple_team_id / apple_key_id / discovery_url).
struct ProviderConfig {
  std::string id;
  bool shared = false;
  std::string client_id;
  std::string client_secret;
  std::optional<std::string> facebook_config_id;
  std::optional<std::string> microsoft_tenant_id;
  std::optional<std::string> apple_team_id;
  std::optional<std::string> apple_key_id;
  std::optional<std::string> discovery_url;
};

// The entry for `provider_id` in a project's config (admin REST view);
// nullopt when the project does not list it.
std::optional<ProviderConfig> find_provider_config(const Json& project_config,
                                                   std::string_view provider_id);

// Server-wide settings: Stack's shared development keys, when the operator
// supplies them (STACK_<ID>_CLIENT_ID / _SECRET), and, in test mode only,
// base URLs that replace the scheme and host of a provider's endpoints.
struct ProviderEnvironment {
  std::map<std::string, std::pair<std::string, std::string>> shared_keys;
  std::map<std::string, std::string> test_base_urls;
  // Stack's development convention: a shared provider whose keys are both
  // `MOCK` signs in through the OpenID provider at STACK_OAUTH_MOCK_URL
  // (Stack's mock OAuth server), as the client named after the provider.
  std::set<std::string> mock_providers;
  std::string mock_url;
};

// The mock OAuth server's secret for every client (Stack's
// apps/mock-oauth-server).
inline constexpr const char* kMockClientSecret = "MOCK-SERVER-SECRET";

// A provider with its credentials and endpoints resolved for one project.
struct ResolvedProvider {
  std::string id;
  std::string client_id;
  std::string client_secret;  // for Apple: the team/key fields sign it per request
  bool shared = false;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::optional<std::string> userinfo_endpoint;
  std::optional<std::string> emails_endpoint;
  std::optional<std::string> jwks_uri;
  std::string issuer;  // OpenID issuer, when ID tokens are read
  std::string base_scope;
  ClientAuth client_auth = ClientAuth::kBasic;
  bool pkce = true;
  bool form_post = false;   // Apple: the callback arrives as a POST form
  bool uses_nonce = false;  // generic OIDC
  bool mock = false;        // through the mock OAuth server (ProviderEnvironment)
  int64_t default_token_lifetime_seconds = 3600;
  std::vector<std::pair<std::string, std::string>> extra_authorize_params;
  ProviderConfig config;
};

struct AuthorizationParams {
  std::string redirect_uri;  // Latchkey's callback URL
  std::string state;
  std::string code_challenge;  // S256 of the inner verifier
  std::optional<std::string> nonce;
  std::string extra_scope;  // provider_scope, space-separated
};

// The scope sent to the provider: base + extra, de-duplicated, in order.
std::string merge_scopes(std::string_view base, std::string_view extra);

class Providers {
 public:
  // `real_clock`: the wall clock, for what providers check (ID token expiry,
  // Apple's client secret), never the test clock.
  Providers(HttpClient& http, ProviderEnvironment env, const Clock& real_clock);

  // Throws ProviderConfigError (shared keys this server lacks, a missing
  // client id/secret or Apple key field, an unusable discovery document).
  ResolvedProvider resolve(const ProviderConfig& config);

  std::string authorization_url(const ResolvedProvider& p, const AuthorizationParams& a) const;
  // Throws ProviderError.
  TokenSet exchange_code(const ResolvedProvider& p, const std::string& code,
                         const std::string& code_verifier, const std::string& redirect_uri);
  TokenSet refresh(const ResolvedProvider& p, const std::string& refresh_token,
                   const std::optional<std::string>& scope);
  // `callback_params`: what the provider sent to the callback (Apple's
  // `user`). Throws ProviderError.
  UserInfo user_info(const ResolvedProvider& p, const TokenSet& tokens, const Json& callback_params,
                     const std::optional<std::string>& nonce);

  HttpClient& http() { return http_; }

 private:
  TokenSet token_request(const ResolvedProvider& p,
                         std::vector<std::pair<std::string, std::string>> fields);
  Json get_json(const ResolvedProvider& p, const std::string& url, const std::string& access_token,
                std::vector<std::pair<std::string, std::string>> extra_headers = {});
  std::string client_secret_for_request(const ResolvedProvider& p) const;
  ResolvedProvider resolve_mock(const ProviderConfig& config);
  std::string endpoint(const std::string& provider_id, std::string_view url) const;

  HttpClient& http_;
  ProviderEnvironment env_;
  const Clock& clock_;
  OidcDirectory directory_;
};

// Maps an OAuth error code (RFC 6749 §5.2, §4.1.2.1, plus providers' own
// names) and its description to a ProviderError.
ProviderError provider_error(std::string_view provider_id, std::string_view error,
                             std::string_view description);

}  // namespace latchkey::core::oauth
