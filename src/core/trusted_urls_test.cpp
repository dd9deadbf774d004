#include "core/trusted_urls.hpp"

#include <gtest/gtest.h>

namespace latchkey::core {
namespace {

Json config(bool allow_localhost, std::vector<std::string> domains) {
  Json d = Json::array();
  for (auto& s : domains) d.push_back(Json{{"domain", s}, {"handler_path", "/handler"}});
  return Json{{"allow_localhost", allow_localhost}, {"domains", d}};
}

TEST(TrustedUrls, LocalhostOnlyWhenAllowed) {
  for (const char* url : {"http://localhost", "http://localhost:3000/verify?x=1",
                          "https://LOCALHOST/a", "http://app.localhost:8080/", "ftp://localhost/x",
                          "http://127.0.0.1/", "http://127.12.34.56:9/x#frag"}) {
    EXPECT_TRUE(is_trusted_url(config(true, {}), url)) << url;
    EXPECT_FALSE(is_trusted_url(config(false, {}), url)) << url;
  }
}

TEST(TrustedUrls, LookalikesOfLocalhostAreNotLocalhost) {
  for (const char* url :
       {"http://localhost.evil.com/", "http://evillocalhost/", "http://.localhost.com/",
        "http://128.0.0.1/", "http://127.0.0.1.evil.com/", "http://[::1]/",
        "http://user@evil.com/localhost", "http://127.0.0.1:80evil.com/",
        "http://localhost:80.evil.com/"}) {
    EXPECT_FALSE(is_trusted_url(config(true, {}), url)) << url;
  }
}

TEST(TrustedUrls, DomainSchemeAndHostMustMatchPortIgnored) {
  auto c = config(false, {"https://example.com"});
  EXPECT_TRUE(is_trusted_url(c, "https://example.com"));
  EXPECT_TRUE(is_trusted_url(c, "https://example.com/verify-email?code=abc"));
  EXPECT_TRUE(is_trusted_url(c, "https://EXAMPLE.com:8443/x"));
  EXPECT_FALSE(is_trusted_url(c, "http://example.com/verify"));
  EXPECT_FALSE(is_trusted_url(c, "https://sub.example.com/"));
  EXPECT_FALSE(is_trusted_url(c, "https://example.com.evil.com/"));
  EXPECT_FALSE(is_trusted_url(c, "https://evil.com/https://example.com"));
  EXPECT_FALSE(is_trusted_url(c, "https://example.com@evil.com/"));
}

TEST(TrustedUrls, DomainPathIsAPlainPrefix) {
  auto c = config(false, {"https://example.com/app"});
  EXPECT_TRUE(is_trusted_url(c, "https://example.com/app"));
  EXPECT_TRUE(is_trusted_url(c, "https://example.com/app/callback"));
  // A plain string prefix, as the reference does (auth-endpoints.md §0.2).
  EXPECT_TRUE(is_trusted_url(c, "https://example.com/application"));
  EXPECT_FALSE(is_trusted_url(c, "https://example.com/"));
  EXPECT_FALSE(is_trusted_url(c, "https://example.com/ap"));
  // Dot segments are resolved before the prefix check, as a browser would.
  EXPECT_FALSE(is_trusted_url(c, "https://example.com/app/../admin"));
  EXPECT_FALSE(is_trusted_url(c, "https://example.com/app/%2e%2e/admin"));
}

TEST(TrustedUrls, AnyOfSeveralDomains) {
  auto c = config(false, {"https://a.example", "http://b.example:8080/x"});
  EXPECT_TRUE(is_trusted_url(c, "https://a.example/anything"));
  EXPECT_TRUE(is_trusted_url(c, "http://b.example/x/y"));
  EXPECT_FALSE(is_trusted_url(c, "http://b.example/y"));
  EXPECT_FALSE(is_trusted_url(c, "https://c.example/"));
}

TEST(TrustedUrls, NotAnAbsoluteUrl) {
  auto c = config(true, {"https://example.com"});
  for (const char* url : {"", "/relative", "example.com/x", "https://", "mailto:a@example.com",
                          "https://exa mple.com/", "javascript:alert(1)", "https:example.com"}) {
    EXPECT_FALSE(is_trusted_url(c, url)) << url;
  }
}

TEST(TrustedUrls, MalformedConfigTrustsNothing) {
  EXPECT_FALSE(is_trusted_url(Json(), "http://localhost/"));
  EXPECT_FALSE(is_trusted_url(Json{{"allow_localhost", "yes"}}, "http://localhost/"));
  Json bad{{"allow_localhost", false},
           {"domains", Json::array({Json(1), Json{{"domain", 2}}, Json{{"domain", "not a url"}}})}};
  EXPECT_FALSE(is_trusted_url(bad, "https://example.com/"));
}

}  // namespace
}  // namespace latchkey::core
