#include "http/router.hpp"

#include <gtest/gtest.h>

namespace latchkey::http {
namespace {

Response ok(RequestContext&) { return Response::empty(200); }

std::optional<std::string> no_token(const Request&) { return std::nullopt; }

TEST(Router, CarriesHowARouteRuns) {
  Router r;
  r.add(Method::kPost, "/auth/password/sign-in", Access::client_plus(), ok, Runs::kLong);
  r.add(Method::kGet, "/users/me", Access::client_plus(), ok, Runs::kMemory);
  r.add(Method::kPost, "/auth/sessions/current/refresh", Access::client_plus(), ok,
        Runs::kSessionRead, no_token);
  r.add(Method::kGet, "/teams", Access::client_plus(), ok);
  auto runs = [&](Method m, std::string_view path) {
    auto match = r.match(m, path);
    EXPECT_TRUE(match.route) << path;
    return match.route ? match.route->runs : Runs::kDatabase;
  };
  EXPECT_EQ(runs(Method::kPost, "/auth/password/sign-in"), Runs::kLong);
  EXPECT_EQ(runs(Method::kGet, "/users/me"), Runs::kMemory);
  EXPECT_EQ(runs(Method::kPost, "/auth/sessions/current/refresh"), Runs::kSessionRead);
  EXPECT_EQ(r.match(Method::kPost, "/auth/sessions/current/refresh").route->session_hint, no_token);
  EXPECT_EQ(runs(Method::kGet, "/teams"), Runs::kDatabase);  // the default
}

// A session read needs to know which session: without a hint the route
// could only run on a worker, which says kDatabase.
TEST(Router, ASessionReadRouteNeedsAHint) {
  Router r;
  EXPECT_THROW(r.add(Method::kPost, "/refresh", Access::any(), ok, Runs::kSessionRead),
               std::logic_error);
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
