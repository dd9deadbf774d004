#include "core/oauth/flow.hpp"

#include <gtest/gtest.h>

namespace latchkey::core::oauth {
namespace {

TEST(Pkce, S256AndPlain) {
  // RFC 7636 appendix B.
  EXPECT_TRUE(pkce_matches("S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                           "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
  EXPECT_FALSE(pkce_matches("S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl"));
  EXPECT_TRUE(pkce_matches("plain", "verifier", "verifier"));
  EXPECT_FALSE(pkce_matches("plain", "verifier", "other"));
  EXPECT_FALSE(pkce_matches("S512", "x", "x"));
}

TEST(OuterRequest, JsonRoundTrip) {
  OuterRequest o;
  o.redirect_uri = "http://localhost:3000/cb?x=1";
  o.scope = "legacy";
  o.state = "outer-state";
  o.code_challenge = "challenge";
  o.code_challenge_method = "S256";
  o.response_type = "code";
  o.link_user_id = "user-1";
  o.provider_scope = "repo";
  o.after_callback_redirect_url = "/after";
  auto back = OuterRequest::from_json(o.to_json());
  EXPECT_EQ(back.redirect_uri, o.redirect_uri);
  EXPECT_EQ(back.link_user_id, "user-1");
  EXPECT_FALSE(back.error_redirect_uri);
  EXPECT_EQ(back.after_callback_redirect_url, "/after");
  EXPECT_EQ(back.provider_scope, "repo");
}

TEST(ErrorRedirect, CarriesCodeMessageAndDetails) {
  std::string url = error_redirect_location("https://app.example.com/error?keep=1",
                                            errors::oauth_provider_access_denied());
  EXPECT_EQ(url,
            "https://app.example.com/error?keep=1&errorCode=OAUTH_PROVIDER_ACCESS_DENIED&"
            "message=The%20OAuth%20provider%20denied%20access%20to%20the%20user.&details=%7B%7D");
}

// An error redirect URL with an empty query before a fragment crashed
// Boost.URL 1.81 (as build_code_link did, fuzz/trusted_url_fuzz.cpp).
TEST(ErrorRedirect, EmptyQueryBeforeAFragment) {
  std::string url = error_redirect_location("https://app.example.com/error?#f",
                                            errors::oauth_provider_access_denied());
  EXPECT_EQ(url,
            "https://app.example.com/error?errorCode=OAUTH_PROVIDER_ACCESS_DENIED&"
            "message=The%20OAuth%20provider%20denied%20access%20to%20the%20user.&details=%7B%7D#f");
}

}  // namespace
}  // namespace latchkey::core::oauth
