#include "core/oauth/runtime.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "core/project_config.hpp"

namespace latchkey::core::oauth {

std::string Runtime::callback_url(const std::string& provider_id) const {
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/api/v1/auth/oauth/callback/" + provider_id;
}

ProviderEnvironment provider_environment(const EnvLookup& env, bool test_mode,
                                         const std::function<void(const std::string&)>& warn) {
  ProviderEnvironment out;
  for (const auto& id : oauth_provider_ids()) {
    std::string upper = id;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    const std::string id_name = "STACK_" + upper + "_CLIENT_ID";
    const std::string secret_name = "STACK_" + upper + "_CLIENT_SECRET";
    auto client_id = env(id_name);
    auto client_secret = env(secret_name);
    if (client_id == "MOCK") {
      // Stack refuses a MOCK id with a real secret (and needs the server).
      if (client_secret != "MOCK")
        throw std::invalid_argument(secret_name + " must be MOCK when " + id_name + " is MOCK");
      if (!env("STACK_OAUTH_MOCK_URL"))
        throw std::invalid_argument("STACK_OAUTH_MOCK_URL must be set when " + id_name +
                                    " is MOCK");
      out.mock_providers.insert(id);
    } else if (client_id && client_secret) {
      out.shared_keys[id] = {*client_id, *client_secret};
    }
    std::string test_name = "LATCHKEY_OAUTH_TEST_BASE_URL_" + upper;
    if (auto base = env(test_name)) {
      if (test_mode)
        out.test_base_urls[id] = *base;
      else
        warn(test_name + " is set but ignored: it only takes effect with --test-mode");
    }
  }
  if (auto mock = env("STACK_OAUTH_MOCK_URL")) {
    if (mock->rfind("http://", 0) != 0 && mock->rfind("https://", 0) != 0)
      throw std::invalid_argument("STACK_OAUTH_MOCK_URL must be an http(s) URL: " + *mock);
    out.mock_url = *mock;
  }
  return out;
}

std::unique_ptr<Runtime> make_runtime(std::string public_url, std::string_view server_secret,
                                      ProviderEnvironment env, std::unique_ptr<HttpClient> http) {
  auto rt = std::make_unique<Runtime>();
  rt->public_url = std::move(public_url);
  rt->http = http ? std::move(http) : make_curl_http_client();
  rt->providers = std::make_unique<Providers>(*rt->http, std::move(env), rt->real_clock);
  rt->cipher = std::make_unique<TokenCipher>(server_secret);
  return rt;
}

}  // namespace latchkey::core::oauth
