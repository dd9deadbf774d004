#include "http/router.hpp"

#include <gtest/gtest.h>

namespace latchkey::http {
namespace {

Response ok(RequestContext&) { return Response::empty(200); }

TEST(Router, CarriesWhatARouteWaitsOn) {
  Router r;
  r.add(Method::kPost, "/auth/password/sign-in", Access::client_plus(), ok, Waits::kLong);
  r.add(Method::kPost, "/auth/sessions/current/refresh", Access::client_plus(), ok);
  auto sign_in = r.match(Method::kPost, "/auth/password/sign-in");
  ASSERT_TRUE(sign_in.route);
  EXPECT_EQ(sign_in.route->waits, Waits::kLong);
  auto refresh = r.match(Method::kPost, "/auth/sessions/current/refresh");
  ASSERT_TRUE(refresh.route);
  EXPECT_EQ(refresh.route->waits, Waits::kDatabase);
}

TEST(Router, LiteralSegmentsWinOverParameters) {
  Router r;
  r.add(Method::kGet, "/users/{user_id}", Access::server_plus(), ok);
  r.add(Method::kGet, "/users/me", Access::client_plus(), ok);
  auto me = r.match(Method::kGet, "/users/me");
  ASSERT_TRUE(me.route);
  EXPECT_EQ(me.route->pattern, "/users/me");
  auto other = r.match(Method::kGet, "/users/abc");
  ASSERT_TRUE(other.route);
  EXPECT_EQ(other.params.at("user_id"), "abc");
  auto wrong_method = r.match(Method::kDelete, "/users/me");
  EXPECT_FALSE(wrong_method.route);
  EXPECT_TRUE(wrong_method.path_exists);
}

TEST(Router, AnEncodedSlashStaysInItsSegment) {
  Router r;
  r.add(Method::kGet, "/users/{user_id}", Access::server_plus(), ok);
  r.add(Method::kGet, "/users/{user_id}/{x}", Access::server_plus(), ok);
  auto m = r.match(Method::kGet, "/users/abc%2Fdef");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.route->pattern, "/users/{user_id}");
  EXPECT_EQ(m.params.at("user_id"), "abc/def");
  auto lower = r.match(Method::kGet, "/users/abc%2fdef");
  ASSERT_TRUE(lower.route);
  EXPECT_EQ(lower.params.at("user_id"), "abc/def");
}

TEST(Router, AnEncodedSlashDoesNotReachALongerRoute) {
  Router r;
  r.add(Method::kPost, "/team-memberships/{team_id}/{user_id}", Access::server_plus(), ok);
  auto m = r.match(Method::kPost, "/team-memberships/t%2Fu");
  EXPECT_FALSE(m.route);
  EXPECT_FALSE(m.path_exists);
  auto literal = r.match(Method::kPost, "/team-memberships%2Ft/u");
  EXPECT_FALSE(literal.path_exists);
}

TEST(Router, SegmentsAreDecodedExactlyOnce) {
  Router r;
  r.add(Method::kGet, "/users/{user_id}", Access::server_plus(), ok);
  auto m = r.match(Method::kGet, "/users/abc%252Fdef");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.params.at("user_id"), "abc%2Fdef");
  auto plus = r.match(Method::kGet, "/users/a+b%20c%zz%");
  ASSERT_TRUE(plus.route);
  EXPECT_EQ(plus.params.at("user_id"), "a+b c%zz%");  // '+' is not a space in a path
}

TEST(Router, LiteralSegmentsCompareDecoded) {
  Router r;
  r.add(Method::kGet, "/users/{user_id}", Access::server_plus(), ok);
  r.add(Method::kGet, "/users/me", Access::client_plus(), ok);
  auto me = r.match(Method::kGet, "/users/m%65");
  ASSERT_TRUE(me.route);
  EXPECT_EQ(me.route->pattern, "/users/me");
  EXPECT_TRUE(me.params.empty());
}

TEST(Router, TheFirstLiteralDecidesBetweenPatterns) {
  Router r;
  r.add(Method::kGet, "/a/{x}/c", Access::any(), ok);
  r.add(Method::kGet, "/{y}/b/c", Access::any(), ok);
  r.add(Method::kGet, "/{y}/{z}/{w}", Access::any(), ok);
  EXPECT_EQ(r.match(Method::kGet, "/a/b/c").route->pattern, "/a/{x}/c");
  EXPECT_EQ(r.match(Method::kGet, "/q/b/c").route->pattern, "/{y}/b/c");
  auto any = r.match(Method::kGet, "/q/r/s");
  EXPECT_EQ(any.route->pattern, "/{y}/{z}/{w}");
  EXPECT_EQ(any.params.at("w"), "s");
}

TEST(Router, RepeatedSlashesAreNoSegments) {
  Router r;
  r.add(Method::kGet, "/projects/current", Access::client_plus(), ok);
  EXPECT_TRUE(r.match(Method::kGet, "//projects//current/").route);
}

TEST(Router, APathDeeperThanEveryPatternMatchesNothing) {
  Router r;
  r.add(Method::kGet, "/{a}", Access::any(), ok);
  std::string deep;
  for (size_t i = 0; i < Router::kMaxSegments + 4; ++i) deep += "/x";
  auto m = r.match(Method::kGet, deep);
  EXPECT_FALSE(m.route);
  EXPECT_FALSE(m.path_exists);
}

}  // namespace
}  // namespace latchkey::http
