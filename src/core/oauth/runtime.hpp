// The server's OAuth services, built once at start: the outbound HTTP
// client, the provider table with its caches, and the cipher for stored
// provider tokens.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/oauth/http_client.hpp"
#include "core/oauth/providers.hpp"
#include "core/oauth/token_cipher.hpp"

namespace latchkey::core::oauth {

struct Runtime {
  std::string public_url;  // Latchkey's public base URL (inner redirect URIs)
  SystemClock real_clock;  // what providers see; never the test clock
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<Providers> providers;
  std::unique_ptr<TokenCipher> cipher;

  // <public url>/api/v1/auth/oauth/callback/<provider_id>
  std::string callback_url(const std::string& provider_id) const;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads STACK_<ID>_CLIENT_ID / STACK_<ID>_CLIENT_SECRET (shared keys; both
// `MOCK`: the mock OAuth server at STACK_OAUTH_MOCK_URL) and, only when
// `test_mode` is set, LATCHKEY_OAUTH_TEST_BASE_URL_<ID>; outside test mode a
// set test variable is reported through `warn` and ignored, so it cannot
// take effect in production. Throws std::invalid_argument naming the
// variable when the values cannot work together.
ProviderEnvironment provider_environment(const EnvLookup& env, bool test_mode,
                                         const std::function<void(const std::string&)>& warn);

std::unique_ptr<Runtime> make_runtime(std::string public_url, std::string_view server_secret,
                                      ProviderEnvironment env,
                                      std::unique_ptr<HttpClient> http = nullptr);

}  // namespace latchkey::core::oauth
