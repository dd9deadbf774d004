#include "http/metrics.hpp"

#include <gtest/gtest.h>

namespace latchkey::http {
namespace {

Response ok(RequestContext&) { return Response::empty(200); }

Request request(Method m, std::string target) {
  Request r;
  r.method = m;
  r.target = std::move(target);
  return r;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

// The label is the route's template, never the path it was called with.
TEST(HttpMetrics, CountsByRouteTemplateMethodAndStatus) {
  Router r;
  r.add(Method::kGet, "/metrics-test/users/{user_id}", Access::any(), ok);
  r.add(Method::kPost, "/auth/password/sign-in", Access::any(), ok);
  HttpMetrics m;
  for (const char* id : {"a1", "b2", "c3"}) {
    auto req = request(Method::kGet, std::string("/metrics-test/users/") + id);
    m.record(req, r.match(Method::kGet, req.path()), 200, 2'000'000);
  }
  auto missing = request(Method::kGet, "/metrics-test/users/x");
  m.record(missing, r.match(Method::kGet, missing.path()), 404, 900'000);
  auto sign_in = request(Method::kPost, "/auth/password/sign-in");
  auto sign_in_match = r.match(Method::kPost, sign_in.path());
  m.record(sign_in, sign_in_match, 200, 1);
  m.record(sign_in, sign_in_match, 400, 1);
  m.record(sign_in, sign_in_match, 429, 1);
  auto health = request(Method::kGet, "/health");
  m.record(health, {}, 200, 1);

  std::string text = HttpMetrics::scrape();
  const std::string route = "route=\"/metrics-test/users/{user_id}\",method=\"GET\"";
  EXPECT_TRUE(has_line(text, "latchkey_http_requests_total{" + route + ",status=\"200\"} 3"))
      << text;
  EXPECT_TRUE(has_line(text, "latchkey_http_requests_total{" + route + ",status=\"404\"} 1"))
      << text;
  EXPECT_TRUE(
      has_line(text, "latchkey_http_request_duration_seconds_bucket{" + route + ",le=\"0.001\"} 1"))
      << text;
  EXPECT_TRUE(has_line(
      text, "latchkey_http_request_duration_seconds_bucket{" + route + ",le=\"0.0025\"} 4"))
      << text;
  EXPECT_EQ(text.find("/metrics-test/users/a1"), std::string::npos);
  EXPECT_TRUE(has_line(
      text, "latchkey_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "latchkey_sign_ins_total{method=\"password\",outcome=\"success\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "latchkey_sign_ins_total{method=\"password\",outcome=\"failure\"} 1"))
      << text;
  EXPECT_TRUE(
      has_line(text, "latchkey_sign_ins_total{method=\"password\",outcome=\"throttled\"} 1"))
      << text;
}

TEST(HttpMetrics, ManyDistinctStatusesOfOneRouteStayBounded) {
  Router r;
  r.add(Method::kGet, "/metrics-test/statuses", Access::any(), ok);
  HttpMetrics m;
  auto req = request(Method::kGet, "/metrics-test/statuses");
  auto match = r.match(Method::kGet, req.path());
  for (int s = 200; s < 240; ++s) m.record(req, match, s, 1);
  std::string text = HttpMetrics::scrape();
  EXPECT_TRUE(has_line(text,
                       "latchkey_http_requests_total{route=\"/metrics-test/statuses\",method="
                       "\"GET\",status=\"other\"} 24"))
      << text;
}

TEST(HttpMetrics, ActualStatusOfAnOverriddenError) {
  Response r = Response::empty(200);
  EXPECT_EQ(HttpMetrics::actual_status(r), 200);
  r.set_header("x-stack-actual-status", "409");
  EXPECT_EQ(HttpMetrics::actual_status(r), 409);
}

}  // namespace
}  // namespace latchkey::http
