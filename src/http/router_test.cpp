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

}  // namespace
}  // namespace latchkey::http
