#include "http/message.hpp"

#include <gtest/gtest.h>

namespace latchkey::http {
namespace {

Response sample() {
  Response r = Response::json(201, Json{{"ok", true}});
  r.set_header("x-stack-request-id", "abc");
  r.fixed_headers = "X-Frame-Options: SAMEORIGIN\r\n";
  return r;
}

TEST(SerializeResponse, WritesStatusHeadersLengthAndBody) {
  EXPECT_EQ(serialize_response(sample(), 11, true, false),
            "HTTP/1.1 201 Created\r\n"
            "x-stack-request-id: abc\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            "X-Frame-Options: SAMEORIGIN\r\n"
            "Content-Length: 11\r\n"
            "\r\n"
            "{\"ok\":true}");
}

TEST(SerializeResponse, HeadKeepsTheLengthButSendsNoBody) {
  std::string wire = serialize_response(sample(), 11, true, true);
  EXPECT_NE(wire.find("Content-Length: 11\r\n"), std::string::npos);
  EXPECT_TRUE(wire.ends_with("\r\n\r\n")) << wire;
}

TEST(SerializeResponse, ConnectionHeaderFollowsTheVersionDefaults) {
  EXPECT_NE(serialize_response(sample(), 11, false, false).find("Connection: close\r\n"),
            std::string::npos);
  EXPECT_EQ(serialize_response(sample(), 11, true, false).find("Connection:"), std::string::npos);
  std::string old = serialize_response(sample(), 10, true, false);
  EXPECT_TRUE(old.starts_with("HTTP/1.0 201 Created\r\n")) << old;
  EXPECT_NE(old.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(serialize_response(sample(), 10, false, false).find("Connection:"), std::string::npos);
}

TEST(SerializeResponse, NoContentHasNeitherLengthNorBody) {
  Response r = Response::empty(204);
  r.body = "ignored";
  EXPECT_EQ(serialize_response(r, 11, true, false), "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(SerializeResponse, HeaderValuesCannotSplitTheResponse) {
  Response r = Response::text(302, "");
  r.set_header("Location", "https://example.com/\r\nSet-Cookie: evil=1");
  std::string wire = serialize_response(r, 11, true, false);
  EXPECT_NE(wire.find("Location: https://example.com/  Set-Cookie: evil=1\r\n"), std::string::npos)
      << wire;
  EXPECT_EQ(wire.find("\r\nSet-Cookie"), std::string::npos);
}

TEST(Headers, XStackNamesAlsoAnswerForTheirXHexclaveSpelling) {
  Headers h;
  h.add("X-Hexclave-Access-Type", "client");
  h.add("Content-Type", "application/json");
  EXPECT_EQ(h.get("x-stack-access-type"), "client");
  EXPECT_EQ(h.get_nonempty("x-stack-access-type"), "client");
  EXPECT_EQ(h.count("x-stack-access-type"), 1u);
  EXPECT_EQ(h.get("content-type"), "application/json");
  // Only x-stack- names have a twin; the twin's own name works too.
  EXPECT_EQ(h.get("x-hexclave-access-type"), "client");
  EXPECT_FALSE(h.get("x-stack-access"));
  EXPECT_FALSE(h.get("x-stack-access-type-x"));
}

TEST(Headers, TheXHexclaveSpellingWinsWhenBothAreSent) {
  Headers h;
  h.add("x-stack-refresh-token", "old-1");
  h.add("x-stack-refresh-token", "old-2");
  h.add("x-hexclave-refresh-token", "new");
  h.add("x-stack-project-id", "p");
  EXPECT_EQ(h.get("x-stack-refresh-token"), "new");
  // The x-stack- fields of that name are ignored: one value, not three.
  EXPECT_EQ(h.count("x-stack-refresh-token"), 1u);
  EXPECT_EQ(h.values("x-stack-refresh-token"), std::vector<std::string_view>{"new"});
  EXPECT_EQ(h.get("x-stack-project-id"), "p");
  EXPECT_EQ(h.count("x-stack-project-id"), 1u);
}

TEST(Headers, AnEmptyXHexclaveValueStillWins) {
  Headers h;
  h.add("x-stack-publishable-client-key", "pck_a");
  h.add("x-hexclave-publishable-client-key", "");
  EXPECT_EQ(h.get("x-stack-publishable-client-key"), "");
  EXPECT_FALSE(h.get_nonempty("x-stack-publishable-client-key"));
}

TEST(Headers, WithoutATwinTheXStackValuesCount) {
  Headers h;
  h.add("x-stack-refresh-token", "a");
  h.add("x-stack-refresh-token", "b");
  EXPECT_EQ(h.get("x-stack-refresh-token"), "a");
  EXPECT_EQ(h.count("x-stack-refresh-token"), 2u);
  EXPECT_EQ(h.values("x-stack-refresh-token"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(h.count("x-stack-access-token"), 0u);
  EXPECT_FALSE(h.get("x-stack-access-token"));
}

TEST(SameHostLocation, PlainPathsAndQueriesStayOnTheHost) {
  EXPECT_TRUE(is_same_host_location("/"));
  EXPECT_TRUE(is_same_host_location("/api/v1/users"));
  EXPECT_TRUE(is_same_host_location("/api/v1/users?a=%5C&b=//x"));
  EXPECT_TRUE(is_same_host_location("/a%2Fb"));
}

TEST(SameHostLocation, RefusesWhatABrowserReadsAsAnotherHost) {
  for (const char* bad :
       {"//evil.example", "/\\evil.example", "/%5Cevil.example", "/%5cevil.example",
        "/%2F/evil.example", "/%2fevil.example", "/%09/evil.example", "/\t/evil.example",
        "/%0D%0A/evil.example", "/a%0Ab", "/a\r\nSet-Cookie: x", "evil.example",
        "https://evil.example/", "", "/%7F"}) {
    EXPECT_FALSE(is_same_host_location(bad)) << bad;
  }
}

TEST(SlashRedirectLocation, CollapsesSlashesAndKeepsTheQuery) {
  EXPECT_EQ(slash_redirect_location("//api//v1/users/"), "/api/v1/users");
  EXPECT_EQ(slash_redirect_location("/api/v1/users/?a=//b/"), "/api/v1/users?a=//b/");
  EXPECT_EQ(slash_redirect_location("/"), "/");
}

TEST(SlashRedirectLocation, NeverPointsOffTheHost) {
  for (const char* bad : {"/%5Cevil.example/", "//%2Fevil.example/", "/%09/evil.example/",
                          "///\\evil.example//", "/a%0D%0ASet-Cookie:x/"})
    EXPECT_FALSE(slash_redirect_location(bad)) << bad;
}

TEST(CookieValue, FindsTheNamedCookieInAnyCookieHeader) {
  Headers h;
  h.add("Cookie", "a=1; stack-oauth-inner-s=true");
  h.add("cookie", "b=2;c=3");
  EXPECT_EQ(cookie_value(h, "stack-oauth-inner-s"), "true");
  EXPECT_EQ(cookie_value(h, "c"), "3");
  EXPECT_EQ(cookie_value(h, "stack-oauth-inner-"), std::nullopt);
  EXPECT_EQ(cookie_value(h, ""), std::nullopt);
  Headers empty_name;
  empty_name.add("Cookie", "=x; ;;");
  EXPECT_EQ(cookie_value(empty_name, ""), "x");
  EXPECT_EQ(cookie_value(Headers(), "a"), std::nullopt);
}

}  // namespace
}  // namespace latchkey::http
