#include "http/console.hpp"

#include <gtest/gtest.h>

#include "http/static_files.hpp"

namespace latchkey::http {
namespace {

Request get(std::string target, std::optional<std::string> if_none_match = std::nullopt) {
  Request r;
  r.method = Method::kGet;
  r.method_text = "GET";
  r.target = std::move(target);
  if (if_none_match) r.headers.add("If-None-Match", *if_none_match);
  return r;
}

std::optional<std::string> header(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return std::nullopt;
}

Response console(std::string target, std::optional<std::string> inm = std::nullopt) {
  return console_response(get(std::move(target), std::move(inm)), "pck_test", "https://auth.test");
}

TEST(ConsolePages, OwnsOnlyItsPaths) {
  EXPECT_TRUE(is_console_path("/console"));
  EXPECT_TRUE(is_console_path("/console/"));
  EXPECT_TRUE(is_console_path("/console/projects/x/users"));
  EXPECT_FALSE(is_console_path("/consoles"));
  EXPECT_FALSE(is_console_path("/api/v1/console"));
}

TEST(ConsolePages, ServesTheIndexWithAStrictPolicy) {
  Response r = console("/console/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("<script type=\"module\" src=\"/console/js/main.js\">"), std::string::npos);
  EXPECT_NE(r.fixed_headers.find("Content-Security-Policy: default-src 'self'; script-src 'self'; "
                                 "style-src 'self';"),
            std::string_view::npos);
  EXPECT_NE(r.fixed_headers.find("frame-ancestors 'none'"), std::string_view::npos);
  // No inline script in the page itself.
  EXPECT_EQ(r.body.find("<script>"), std::string::npos);
}

TEST(ConsolePages, TheEmailPreviewFrameHasAPolicyOfItsOwn) {
  // Inline style (e-mails are styled inline) and images, never a script;
  // framed by the console only.
  Response r = console("/console/preview.html");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.fixed_headers.find("Content-Security-Policy: default-src 'none'; style-src "
                                 "'unsafe-inline'; img-src data: https:;"),
            std::string_view::npos);
  EXPECT_EQ(r.fixed_headers.find("script-src"), std::string_view::npos);
  EXPECT_NE(r.fixed_headers.find("frame-ancestors 'self'"), std::string_view::npos);
  EXPECT_NE(r.fixed_headers.find("X-Frame-Options: SAMEORIGIN"), std::string_view::npos);
  // Every other page keeps the console's policy.
  EXPECT_EQ(console("/console/js/main.js").fixed_headers.find("unsafe-inline"), std::string::npos);
}

TEST(ConsolePages, RedirectsTheBarePathToTheFolder) {
  Response r = console("/console");
  EXPECT_EQ(r.status, 308);
  EXPECT_EQ(header(r, "Location"), "/console/");
}

TEST(ConsolePages, ServesFilesWithTheirTypesAndRevalidates) {
  Response js = console("/console/js/main.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "no-cache");
  auto etag = header(js, "ETag");
  ASSERT_TRUE(etag);
  EXPECT_EQ(console("/console/console.css").content_type, "text/css; charset=utf-8");

  Response again = console("/console/js/main.js", *etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(console("/console/js/main.js", "W/" + *etag + ", \"other\"").status, 304);
  EXPECT_EQ(console("/console/js/main.js", "\"other\"").status, 200);
}

TEST(ConsolePages, DeepLinksGetTheIndexAndMissingFilesA404) {
  Response deep = console("/console/projects/abc/users?query=x");
  EXPECT_EQ(deep.status, 200);
  EXPECT_EQ(deep.body, console("/console/").body);
  EXPECT_EQ(console("/console/js/missing.js").status, 404);
  EXPECT_EQ(console("/console/../src/main.cpp").status, 404);
}

TEST(ConsolePages, ConfigNamesTheInternalProjectAndItsKey) {
  Response r = console("/console/config.json");
  ASSERT_EQ(r.status, 200);
  Json j = Json::parse(r.body);
  EXPECT_EQ(j["project_id"], "internal");
  EXPECT_EQ(j["publishable_client_key"], "pck_test");
  EXPECT_EQ(j["public_url"], "https://auth.test");
  EXPECT_EQ(header(r, "Cache-Control"), "no-store");
}

TEST(ConsolePages, RefusesWrites) {
  Request r = get("/console/");
  r.method = Method::kPost;
  EXPECT_EQ(console_response(r, "k", "u").status, 405);
}

TEST(StaticFiles, KnowsContentTypes) {
  EXPECT_EQ(content_type_for("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("a.png"), "image/png");
  EXPECT_EQ(content_type_for("README"), "application/octet-stream");
}

}  // namespace
}  // namespace latchkey::http
