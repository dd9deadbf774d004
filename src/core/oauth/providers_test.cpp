// The provider table and the provider client against a fake HTTP client:
// authorization URLs, client authentication, token and error answers, the
// user-info calls, Apple's client secret and ID token, and generic OIDC.
#include "core/oauth/providers.hpp"

#include <gtest/gtest.h>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <map>
#include <set>

#include "core/crypto.hpp"
#include "core/oauth/jws.hpp"
#include "core/oauth/runtime.hpp"
#include "core/oauth/test_keys.hpp"

namespace latchkey::core::oauth {
namespace {

using testing::TestKey;

class FakeHttp final : public HttpClient {
 public:
  std::vector<HttpRequest> requests;
  bool unreachable = false;

  void on(std::string url_prefix, int status, std::string body,
          std::string content_type = "application/json") {
    routes_.push_back({std::move(url_prefix), HttpResponse{status, content_type, std::move(body)}});
  }
  HttpResponse send(const HttpRequest& r) override {
    requests.push_back(r);
    if (unreachable) throw HttpError("request to https://example failed: Connection refused");
    for (const auto& [prefix, res] : routes_)
      if (r.url.rfind(prefix, 0) == 0) return res;
    return HttpResponse{404, "application/json", "{}"};
  }
  std::string header(size_t i, const std::string& name) const {
    for (const auto& [k, v] : requests.at(i).headers)
      if (k == name) return v;
    return "";
  }

 private:
  std::vector<std::pair<std::string, HttpResponse>> routes_;
};

class FixedClock final : public Clock {
 public:
  int64_t now = 1700000000000;
  int64_t now_millis() const override { return now; }
};

// Query parameter `key` of `url` ("" when absent), and whether it is there.
std::string param(const std::string& url, const std::string& key) {
  auto u = boost::urls::parse_uri(url);
  for (auto p : u->params())
    if (p.key == key) return std::string(p.value);
  return "";
}
bool has_param(const std::string& url, const std::string& key) {
  auto u = boost::urls::parse_uri(url);
  for (auto p : u->params())
    if (p.key == key) return true;
  return false;
}
std::string without_query(const std::string& url) { return url.substr(0, url.find('?')); }

ProviderConfig standard(const std::string& id) {
  ProviderConfig c;
  c.id = id;
  c.client_id = "client-" + id;
  c.client_secret = "secret-" + id;
  return c;
}

AuthorizationParams authz() {
  AuthorizationParams a;
  a.redirect_uri = "https://auth.example.com/api/v1/auth/oauth/callback/x";
  a.state = "inner-state";
  a.code_challenge = "challenge";
  a.nonce = "the-nonce";
  return a;
}

struct ProvidersTest : ::testing::Test {
  FakeHttp http;
  FixedClock clock;
  ProviderEnvironment env;
  std::unique_ptr<Providers> providers;
  void SetUp() override { providers = std::make_unique<Providers>(http, env, clock); }
  void reset_env(ProviderEnvironment e) {
    providers = std::make_unique<Providers>(http, std::move(e), clock);
  }
};

struct Expected {
  const char* id;
  const char* endpoint;
  const char* scope;
  bool pkce;
};

TEST_F(ProvidersTest, AuthorizationUrlsOfEveryProvider) {
  const Expected table[] = {
      {"google", "https://accounts.google.com/o/oauth2/v2/auth",
       "https://www.googleapis.com/auth/userinfo.email "
       "https://www.googleapis.com/auth/userinfo.profile",
       true},
      {"github", "https://github.com/login/oauth/authorize", "user:email", true},
      {"microsoft", "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize",
       "User.Read openid", true},
      {"spotify", "https://accounts.spotify.com/authorize", "user-read-email user-read-private",
       true},
      {"facebook", "https://www.facebook.com/v20.0/dialog/oauth", "openid public_profile email",
       true},
      {"discord", "https://discord.com/oauth2/authorize", "identify email", true},
      {"gitlab", "https://gitlab.com/oauth/authorize", "read_user", true},
      {"bitbucket", "https://bitbucket.org/site/oauth2/authorize", "account email", true},
      {"linkedin", "https://www.linkedin.com/oauth/v2/authorization", "openid profile email",
       false},
      {"apple", "https://appleid.apple.com/auth/authorize", "name email", true},
      {"x", "https://twitter.com/i/oauth2/authorize", "users.read offline.access tweet.read", true},
      {"twitch", "https://id.twitch.tv/oauth2/authorize", "user:read:email", false},
  };
  for (const auto& e : table) {
    SCOPED_TRACE(e.id);
    auto p = providers->resolve(standard(e.id));
    std::string url = providers->authorization_url(p, authz());
    EXPECT_EQ(without_query(url), e.endpoint);
    EXPECT_EQ(param(url, "client_id"), std::string("client-") + e.id);
    EXPECT_EQ(param(url, "redirect_uri"), "https://auth.example.com/api/v1/auth/oauth/callback/x");
    EXPECT_EQ(param(url, "response_type"), "code");
    EXPECT_EQ(param(url, "scope"), e.scope);
    EXPECT_EQ(param(url, "state"), "inner-state");
    EXPECT_EQ(param(url, "access_type"), "offline");
    EXPECT_EQ(has_param(url, "code_challenge"), e.pkce);
    if (e.pkce) {
      EXPECT_EQ(param(url, "code_challenge_method"), "S256");
    }
    EXPECT_FALSE(has_param(url, "nonce"));  // only the generic OIDC provider sends one
    EXPECT_EQ(url.find(' '), std::string::npos);
  }
}

TEST_F(ProvidersTest, ProviderSpecificAuthorizeParameters) {
  std::string google =
      providers->authorization_url(providers->resolve(standard("google")), authz());
  EXPECT_EQ(param(google, "prompt"), "consent");
  EXPECT_EQ(param(google, "include_granted_scopes"), "true");
  std::string apple = providers->authorization_url(providers->resolve(standard("apple")), authz());
  EXPECT_EQ(param(apple, "response_mode"), "form_post");
  auto fb = standard("facebook");
  fb.facebook_config_id = "cfg-123";
  EXPECT_EQ(param(providers->authorization_url(providers->resolve(fb), authz()), "config_id"),
            "cfg-123");
  auto ms = standard("microsoft");
  ms.microsoft_tenant_id = "contoso.onmicrosoft.com";
  auto resolved = providers->resolve(ms);
  EXPECT_EQ(without_query(providers->authorization_url(resolved, authz())),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize");
  EXPECT_EQ(resolved.token_endpoint,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
  ms.microsoft_tenant_id = "a/b?c";  // encoded, cannot escape the path segment
  EXPECT_EQ(providers->resolve(ms).token_endpoint,
            "https://login.microsoftonline.com/a%2Fb%3Fc/oauth2/v2.0/token");
  // provider_scope is appended, without duplicates.
  auto a = authz();
  a.extra_scope = "repo user:email  gist";
  EXPECT_EQ(param(providers->authorization_url(providers->resolve(standard("github")), a), "scope"),
            "user:email repo gist");
}

TEST_F(ProvidersTest, SharedAndIncompleteConfigurationsAreConfigErrors) {
  auto shared = standard("github");
  shared.shared = true;
  EXPECT_THROW(providers->resolve(shared), ProviderConfigError);
  auto no_secret = standard("github");
  no_secret.client_secret = "";
  EXPECT_THROW(providers->resolve(no_secret), ProviderConfigError);
  ProviderEnvironment e;
  e.shared_keys["github"] = {"shared-id", "shared-secret"};
  reset_env(e);
  auto p = providers->resolve(shared);
  EXPECT_EQ(p.client_id, "shared-id");
  EXPECT_TRUE(p.shared);
  auto oidc = standard("oidc");
  EXPECT_THROW(providers->resolve(oidc), ProviderConfigError);  // no discovery_url
}

TEST_F(ProvidersTest, TestBaseUrlReplacesSchemeAndHostOnly) {
  ProviderEnvironment e;
  e.test_base_urls["google"] = "http://127.0.0.1:4000/";
  reset_env(e);
  auto p = providers->resolve(standard("google"));
  EXPECT_EQ(p.authorization_endpoint, "http://127.0.0.1:4000/o/oauth2/v2/auth");
  EXPECT_EQ(p.token_endpoint, "http://127.0.0.1:4000/token");
  EXPECT_EQ(*p.userinfo_endpoint, "http://127.0.0.1:4000/v1/userinfo");
  // Other providers are untouched.
  EXPECT_EQ(providers->resolve(standard("github")).token_endpoint,
            "https://github.com/login/oauth/access_token");
}

TEST(ProviderEnvironment, TestUrlsOnlyInTestMode) {
  auto lookup = [](const std::string& name) -> std::optional<std::string> {
    if (name == "LATCHKEY_OAUTH_TEST_BASE_URL_GOOGLE") return "http://127.0.0.1:1";
    if (name == "STACK_SPOTIFY_CLIENT_ID") return "sid";
    if (name == "STACK_SPOTIFY_CLIENT_SECRET") return "ssecret";
    if (name == "STACK_GITHUB_CLIENT_ID") return "only-the-id";
    return std::nullopt;
  };
  std::vector<std::string> warnings;
  auto prod =
      provider_environment(lookup, false, [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_TRUE(prod.test_base_urls.empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("LATCHKEY_OAUTH_TEST_BASE_URL_GOOGLE"), std::string::npos);
  EXPECT_EQ(prod.shared_keys.size(), 1u);  // spotify; github lacks its secret
  EXPECT_EQ(prod.shared_keys["spotify"].first, "sid");
  auto test = provider_environment(lookup, true, [&](const std::string&) { FAIL(); });
  EXPECT_EQ(test.test_base_urls["google"], "http://127.0.0.1:1");
}

TEST(ProviderEnvironment, MockKeysNeedTheMockServer) {
  std::map<std::string, std::string> vars = {{"STACK_SPOTIFY_CLIENT_ID", "MOCK"},
                                             {"STACK_SPOTIFY_CLIENT_SECRET", "MOCK"},
                                             {"STACK_OAUTH_MOCK_URL", "http://localhost:8114"}};
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  auto ignore = [](const std::string&) {};
  auto env = provider_environment(lookup, false, ignore);
  EXPECT_EQ(env.mock_providers, std::set<std::string>{"spotify"});
  EXPECT_TRUE(env.shared_keys.empty());
  EXPECT_EQ(env.mock_url, "http://localhost:8114");

  auto refused = [&](const char* variable) {
    try {
      provider_environment(lookup, false, ignore);
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(variable), std::string::npos) << e.what();
      return;
    }
    ADD_FAILURE() << "accepted, expected a complaint about " << variable;
  };
  vars["STACK_SPOTIFY_CLIENT_SECRET"] = "real-secret";
  refused("STACK_SPOTIFY_CLIENT_SECRET");
  vars["STACK_SPOTIFY_CLIENT_SECRET"] = "MOCK";
  vars.erase("STACK_OAUTH_MOCK_URL");
  refused("STACK_OAUTH_MOCK_URL");
  vars["STACK_OAUTH_MOCK_URL"] = "localhost:8114";
  refused("STACK_OAUTH_MOCK_URL");
}

TEST_F(ProvidersTest, MockProviderSignsInThroughTheMockServer) {
  ProviderEnvironment e;
  e.mock_providers = {"spotify"};
  e.mock_url = "http://localhost:8114";
  reset_env(e);
  http.on(
      "http://localhost:8114/.well-known/openid-configuration", 200,
      R"({"issuer": "http://localhost:8114", "authorization_endpoint": "http://localhost:8114/auth",
              "token_endpoint": "http://localhost:8114/token",
              "userinfo_endpoint": "http://localhost:8114/me",
              "jwks_uri": "http://localhost:8114/jwks"})");
  auto c = standard("spotify");
  c.shared = true;
  auto p = providers->resolve(c);
  EXPECT_TRUE(p.mock);
  EXPECT_EQ(p.client_id, "spotify");
  EXPECT_EQ(p.client_secret, "MOCK-SERVER-SECRET");
  auto url = providers->authorization_url(p, authz());
  EXPECT_EQ(without_query(url), "http://localhost:8114/auth");
  EXPECT_EQ(param(url, "scope"), "openid");
  EXPECT_EQ(param(url, "client_id"), "spotify");
  EXPECT_EQ(param(url, "code_challenge_method"), "S256");
  EXPECT_FALSE(has_param(url, "nonce"));

  http.on("http://localhost:8114/token", 200, R"({"access_token": "at", "expires_in": 3600})");
  http.on("http://localhost:8114/me", 200, R"({"sub": "a@example.com", "email": "a@example.com"})");
  auto t = providers->exchange_code(p, "code", "verifier", "http://localhost:8102/cb");
  EXPECT_EQ(http.header(http.requests.size() - 1, "Authorization"),
            "Basic " + base64_encode("spotify:MOCK-SERVER-SECRET"));
  auto u = providers->user_info(p, t, Json::object(), std::nullopt);
  EXPECT_EQ(u.account_id, "a@example.com");
  EXPECT_EQ(u.email, "a@example.com");
  EXPECT_TRUE(u.email_verified);

  // A standard provider of the same id keeps its real endpoints.
  EXPECT_EQ(providers->resolve(standard("spotify")).token_endpoint,
            "https://accounts.spotify.com/api/token");
}

TEST_F(ProvidersTest, ExchangeUsesBasicOrPostClientAuthentication) {
  http.on("https://oauth2.googleapis.com/token", 200,
          R"({"access_token": "ya29.a0", "expires_in": 3599, "token_type": "Bearer",
              "scope": "openid https://www.googleapis.com/auth/userinfo.email",
              "refresh_token": "1//0g", "id_token": "x.y.z"})");
  auto g = standard("google");
  g.client_secret = "s&cret:+";
  auto t =
      providers->exchange_code(providers->resolve(g), "the-code", "the-verifier", "https://cb");
  EXPECT_EQ(t.access_token, "ya29.a0");
  EXPECT_EQ(t.refresh_token, "1//0g");
  EXPECT_EQ(t.expires_in_seconds, 3599);
  EXPECT_EQ(t.scope, "openid https://www.googleapis.com/auth/userinfo.email");
  ASSERT_EQ(http.requests.size(), 1u);
  const auto& req = http.requests[0];
  EXPECT_EQ(req.method, "POST");
  // RFC 6749 §2.3.1: form-encoded, then base64.
  EXPECT_EQ(http.header(0, "Authorization"),
            "Basic " + base64_encode("client-google:s%26cret%3A%2B"));
  EXPECT_EQ(req.body,
            "grant_type=authorization_code&code=the-code&redirect_uri=https%3A%2F%2Fcb&"
            "code_verifier=the-verifier");

  http.on("https://github.com/login/oauth/access_token", 200,
          R"({"access_token": "gho_abc", "token_type": "bearer", "scope": "repo,user:email"})");
  auto gh =
      providers->exchange_code(providers->resolve(standard("github")), "c", "v", "https://cb");
  EXPECT_EQ(gh.scope, "repo user:email");  // GitHub separates with commas
  EXPECT_FALSE(gh.expires_in_seconds);
  EXPECT_EQ(http.header(1, "Authorization"), "");
  EXPECT_NE(http.requests[1].body.find("client_id=client-github&client_secret=secret-github"),
            std::string::npos);
  EXPECT_EQ(http.header(1, "Accept"), "application/json");

  // LinkedIn: no PKCE verifier; Twitch's scope array; a form-encoded answer.
  http.on("https://www.linkedin.com/oauth/v2/accessToken", 200,
          "access_token=AQX&expires_in=5184000", "application/x-www-form-urlencoded");
  auto li =
      providers->exchange_code(providers->resolve(standard("linkedin")), "c", "v", "https://cb");
  EXPECT_EQ(li.access_token, "AQX");
  EXPECT_EQ(li.expires_in_seconds, 5184000);
  EXPECT_EQ(http.requests[2].body.find("code_verifier"), std::string::npos);
  http.on("https://id.twitch.tv/oauth2/token", 200,
          R"({"access_token": "tw", "expires_in": 14124, "refresh_token": "r",
              "scope": ["user:read:email", "chat:read"], "token_type": "bearer"})");
  EXPECT_EQ(providers->exchange_code(providers->resolve(standard("twitch")), "c", "v", "u").scope,
            "user:read:email chat:read");
}

ProviderFailure failure_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ProviderError& e) {
    return e.failure();
  }
  ADD_FAILURE() << "no ProviderError";
  return ProviderFailure::kFailed;
}

TEST_F(ProvidersTest, TokenErrorsAreMapped) {
  auto discord = providers->resolve(standard("discord"));
  auto exchange = [&] { providers->exchange_code(discord, "c", "v", "u"); };
  http.on("https://discord.com/api/oauth2/token", 400,
          R"({"error": "invalid_grant", "error_description": "Invalid \"code\" in request."})");
  EXPECT_EQ(failure_of(exchange), ProviderFailure::kInvalidGrant);

  auto github = providers->resolve(standard("github"));
  http.on(
      "https://github.com/login/oauth/access_token", 200,
      R"({"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."})");
  EXPECT_EQ(failure_of([&] { providers->exchange_code(github, "c", "v", "u"); }),
            ProviderFailure::kInvalidGrant);

  auto spotify = providers->resolve(standard("spotify"));
  http.on("https://accounts.spotify.com/api/token", 401, "");
  EXPECT_EQ(failure_of([&] { providers->exchange_code(spotify, "c", "v", "u"); }),
            ProviderFailure::kInvalidClient);

  auto gitlab = providers->resolve(standard("gitlab"));
  http.on("https://gitlab.com/oauth/token", 500, "<html>oops</html>", "text/html");
  EXPECT_EQ(failure_of([&] { providers->exchange_code(gitlab, "c", "v", "u"); }),
            ProviderFailure::kFailed);

  auto linkedin = providers->resolve(standard("linkedin"));
  http.on("https://www.linkedin.com/oauth/v2/accessToken", 400,
          R"({"error": "unauthorized_scope_error",
              "error_description": "Scope \"r_emailaddress\" is not authorized for your application"})");
  try {
    providers->exchange_code(linkedin, "c", "v", "u");
    FAIL();
  } catch (const ProviderError& e) {
    EXPECT_EQ(e.failure(), ProviderFailure::kUnauthorizedScope);
    EXPECT_EQ(e.scope(), "r_emailaddress");
  }

  auto x = providers->resolve(standard("x"));
  http.on("https://api.x.com/2/oauth2/token", 200, R"({"token_type": "bearer"})");
  EXPECT_EQ(failure_of([&] { providers->exchange_code(x, "c", "v", "u"); }),
            ProviderFailure::kFailed);  // no access token

  http.unreachable = true;
  EXPECT_EQ(failure_of(exchange), ProviderFailure::kFailed);
}

TEST(ProviderError, CallbackErrorCodes) {
  EXPECT_EQ(provider_error("g", "access_denied", "").failure(), ProviderFailure::kAccessDenied);
  EXPECT_EQ(provider_error("g", "consent_required", "").failure(), ProviderFailure::kAccessDenied);
  EXPECT_EQ(provider_error("g", "invalid_client", "").failure(), ProviderFailure::kInvalidClient);
  EXPECT_EQ(provider_error("g", "server_error", "").failure(), ProviderFailure::kFailed);
  EXPECT_EQ(merge_scopes("a b", "b c a d"), "a b c d");
  EXPECT_EQ(merge_scopes("", ""), "");
}

TEST_F(ProvidersTest, RefreshSendsScope) {
  http.on("https://discord.com/api/oauth2/token", 200,
          R"({"access_token": "new", "expires_in": 604800, "refresh_token": "rotated"})");
  auto t = providers->refresh(providers->resolve(standard("discord")), "old-refresh",
                              std::string("identify"));
  EXPECT_EQ(t.access_token, "new");
  EXPECT_EQ(t.refresh_token, "rotated");
  EXPECT_EQ(http.requests[0].body,
            "grant_type=refresh_token&refresh_token=old-refresh&scope=identify");
}

TEST_F(ProvidersTest, GitHubUserInfoUsesBothEndpointsAndApiVersion) {
  http.on("https://api.github.com/user/emails", 200,
          R"([{"email": "octocat@github.com", "verified": true, "primary": true}])");
  http.on("https://api.github.com/user", 200,
          R"({"login": "octocat", "id": 1, "name": "The Octocat",
              "avatar_url": "https://avatars.githubusercontent.com/u/1"})");
  TokenSet t;
  t.access_token = "gho_abc";
  auto u =
      providers->user_info(providers->resolve(standard("github")), t, Json::object(), std::nullopt);
  EXPECT_EQ(u.account_id, "1");
  EXPECT_EQ(u.email, "octocat@github.com");
  EXPECT_TRUE(u.email_verified);
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[0].url, "https://api.github.com/user");
  EXPECT_EQ(http.requests[1].url, "https://api.github.com/user/emails");
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(http.header(i, "Authorization"), "Bearer gho_abc");
    EXPECT_EQ(http.header(i, "X-GitHub-Api-Version"), "2022-11-28");
  }
}

TEST_F(ProvidersTest, UserInfoCallsOfTheOtherProviders) {
  TokenSet t;
  t.access_token = "at";
  http.on("https://api.twitch.tv/helix/users", 200,
          R"({"data": [{"id": "141981764", "login": "twitchdev", "display_name": "TwitchDev",
              "email": "not-real@email.com"}]})");
  auto tw =
      providers->user_info(providers->resolve(standard("twitch")), t, Json::object(), std::nullopt);
  EXPECT_EQ(tw.account_id, "141981764");
  EXPECT_EQ(http.header(0, "Client-Id"), "client-twitch");

  http.on("https://gitlab.com/api/v4/user/emails", 403, R"({"message": "403 Forbidden"})");
  http.on("https://gitlab.com/api/v4/user", 200,
          R"({"id": 7, "username": "jo", "email": "jo@example.com"})");
  auto gl =
      providers->user_info(providers->resolve(standard("gitlab")), t, Json::object(), std::nullopt);
  EXPECT_EQ(gl.account_id, "7");
  EXPECT_FALSE(gl.email_verified);  // the e-mail list was refused

  http.on("https://graph.microsoft.com/v1.0/me", 401,
          R"({"error": {"code": "InvalidAuthenticationToken"}})");
  EXPECT_EQ(failure_of([&] {
              providers->user_info(providers->resolve(standard("microsoft")), t, Json::object(),
                                   std::nullopt);
            }),
            ProviderFailure::kFailed);
}

TEST_F(ProvidersTest, AppleSignsItsClientSecretAndReadsTheIdToken) {
  auto client_key = TestKey::ec();  // the project's .p8 key
  auto apple_key = TestKey::rsa();  // Apple's ID-token key
  auto cfg = standard("apple");
  cfg.client_id = "com.example.web";
  cfg.client_secret = client_key.pem();
  EXPECT_THROW(providers->resolve(cfg), ProviderConfigError);  // team and key ids missing
  cfg.apple_team_id = "TEAM123456";
  cfg.apple_key_id = "KEY1234567";
  auto p = providers->resolve(cfg);

  int64_t now = clock.now_seconds();
  std::string id_token = apple_key.rs256(Json{{"alg", "RS256"}, {"kid", "apple-1"}},
                                         Json{{"iss", "https://appleid.apple.com"},
                                              {"aud", "com.example.web"},
                                              {"exp", now + 600},
                                              {"iat", now},
                                              {"sub", "001234.abc.1234"},
                                              {"email", "abc@privaterelay.appleid.com"},
                                              {"email_verified", "true"}});
  http.on("https://appleid.apple.com/auth/token", 200,
          Json{{"access_token", "a"},
               {"token_type", "Bearer"},
               {"expires_in", 3600},
               {"refresh_token", "r"},
               {"id_token", id_token}}
              .dump());
  http.on("https://appleid.apple.com/auth/keys", 200,
          Json{{"keys", Json::array({apple_key.jwk("apple-1")})}}.dump());
  auto t = providers->exchange_code(p, "c", "v", "https://cb");
  // The client secret: an ES256 JWT by the project's key, for Apple.
  std::string body = http.requests[0].body;
  auto at = body.find("client_secret=");
  ASSERT_NE(at, std::string::npos);
  std::string secret = body.substr(at + 14);
  secret = secret.substr(0, secret.find('&'));
  auto jwt = parse_jwt(secret);
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->header["kid"], "KEY1234567");
  EXPECT_EQ(jwt->claims["iss"], "TEAM123456");
  EXPECT_EQ(jwt->claims["sub"], "com.example.web");
  EXPECT_EQ(jwt->claims["aud"], "https://appleid.apple.com");
  EXPECT_TRUE(verify_jwt_signature(*jwt, client_key.jwk("KEY1234567")));

  Json params{{"user", R"({"name":{"firstName":"Jane","lastName":"Appleseed"}})"}};
  auto u = providers->user_info(p, t, params, std::nullopt);
  EXPECT_EQ(u.account_id, "001234.abc.1234");
  EXPECT_TRUE(u.email_verified);
  EXPECT_EQ(u.display_name, "Jane Appleseed");

  // A token for another audience is refused.
  t.id_token = apple_key.rs256(Json{{"alg", "RS256"}, {"kid", "apple-1"}},
                               Json{{"iss", "https://appleid.apple.com"},
                                    {"aud", "other"},
                                    {"exp", now + 600},
                                    {"sub", "x"}});
  EXPECT_EQ(failure_of([&] { providers->user_info(p, t, params, std::nullopt); }),
            ProviderFailure::kFailed);
  // A pre-made client secret (not a PEM key) is sent as it is.
  auto premade = standard("apple");
  premade.client_secret = "eyJhbGciOiJFUzI1NiJ9.e30.sig";
  EXPECT_EQ(providers->resolve(premade).client_secret, "eyJhbGciOiJFUzI1NiJ9.e30.sig");
}

struct OidcProviderTest : ProvidersTest {
  TestKey key = TestKey::rsa();
  std::string discovery = "https://idp.example.com/.well-known/openid-configuration";
  void SetUp() override {
    ProvidersTest::SetUp();
    http.on(discovery, 200, R"({"issuer": "https://idp.example.com",
      "authorization_endpoint": "https://idp.example.com/authorize",
      "token_endpoint": "https://idp.example.com/token",
      "userinfo_endpoint": "https://idp.example.com/userinfo",
      "jwks_uri": "https://idp.example.com/jwks",
      "token_endpoint_auth_methods_supported": ["client_secret_post"]})");
    http.on("https://idp.example.com/jwks", 200,
            Json{{"keys", Json::array({key.jwk("k")})}}.dump());
  }
  ProviderConfig cfg() {
    auto c = standard("oidc");
    c.discovery_url = discovery;
    return c;
  }
  std::string id_token(const std::string& nonce, const std::string& sub = "user-1",
                       int64_t exp_offset = 600) {
    int64_t now = clock.now_seconds();
    return key.rs256(Json{{"alg", "RS256"}, {"kid", "k"}}, Json{{"iss", "https://idp.example.com"},
                                                                {"aud", "client-oidc"},
                                                                {"exp", now + exp_offset},
                                                                {"iat", now},
                                                                {"sub", sub},
                                                                {"nonce", nonce}});
  }
};

TEST_F(OidcProviderTest, DiscoveryDrivesEndpointsAndClientAuth) {
  auto p = providers->resolve(cfg());
  EXPECT_EQ(p.token_endpoint, "https://idp.example.com/token");
  EXPECT_EQ(p.client_auth, ClientAuth::kPost);
  std::string url = providers->authorization_url(p, authz());
  EXPECT_EQ(without_query(url), "https://idp.example.com/authorize");
  EXPECT_EQ(param(url, "scope"), "openid email profile");
  EXPECT_EQ(param(url, "nonce"), "the-nonce");
  providers->resolve(cfg());
  size_t discovery_fetches = 0;
  for (const auto& r : http.requests) discovery_fetches += r.url == discovery;
  EXPECT_EQ(discovery_fetches, 1u);  // cached
}

TEST_F(OidcProviderTest, IdTokenAndUserinfoAreChecked) {
  auto p = providers->resolve(cfg());
  http.on("https://idp.example.com/userinfo", 200,
          R"({"sub": "user-1", "email": "u@example.com", "email_verified": true, "name": "U"})");
  TokenSet t;
  t.access_token = "at";
  t.id_token = id_token("n1");
  auto u = providers->user_info(p, t, Json::object(), std::string("n1"));
  EXPECT_EQ(u.account_id, "user-1");
  EXPECT_EQ(u.email, "u@example.com");
  EXPECT_TRUE(u.email_verified);
  // Wrong nonce, expired token, bad signature.
  EXPECT_EQ(failure_of([&] { providers->user_info(p, t, Json::object(), std::string("n2")); }),
            ProviderFailure::kFailed);
  t.id_token = id_token("n1", "user-1", -3600);
  EXPECT_EQ(failure_of([&] { providers->user_info(p, t, Json::object(), std::string("n1")); }),
            ProviderFailure::kFailed);
  t.id_token = TestKey::rsa().rs256(Json{{"alg", "RS256"}, {"kid", "k"}},
                                    Json{{"iss", "https://idp.example.com"},
                                         {"aud", "client-oidc"},
                                         {"exp", clock.now_seconds() + 60},
                                         {"sub", "user-1"},
                                         {"nonce", "n1"}});
  EXPECT_EQ(failure_of([&] { providers->user_info(p, t, Json::object(), std::string("n1")); }),
            ProviderFailure::kFailed);
  // The userinfo must describe the ID token's subject.
  t.id_token = id_token("n1", "someone-else");
  EXPECT_EQ(failure_of([&] { providers->user_info(p, t, Json::object(), std::string("n1")); }),
            ProviderFailure::kFailed);
}

TEST_F(ProvidersTest, BrokenDiscoveryIsAConfigError) {
  auto c = standard("oidc");
  c.discovery_url = "https://broken.example.com/.well-known/openid-configuration";
  http.on(*c.discovery_url, 200, R"({"issuer": "https://broken.example.com"})");
  EXPECT_THROW(providers->resolve(c), ProviderConfigError);
  c.discovery_url = "https://down.example.com/.well-known/openid-configuration";
  EXPECT_THROW(providers->resolve(c), ProviderConfigError);  // 404
}

}  // namespace
}  // namespace latchkey::core::oauth
