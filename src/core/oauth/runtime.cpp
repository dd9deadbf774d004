#include "core/oauth/runtime.hpp"

#include <algorithm>
#include <cctype>

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
    auto client_id = env("STACK_" + upper + "_CLIENT_ID");
    auto client_secret = env("STACK_" + upper + "_CLIENT_SECRET");
    if (client_id && client_secret) out.shared_keys[id] = {*client_id, *client_secret};
    std::string test_name = "LATCHKEY_OAUTH_TEST_BASE_URL_" + upper;
    if (auto base = env(test_name)) {
      if (test_mode)
        out.test_base_urls[id] = *base;
      else
        warn(test_name + " is set but ignored: it only takes effect with --test-mode");
    }
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
