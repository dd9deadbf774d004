#include "http/body.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "core/errors.hpp"

namespace latchkey::http {
namespace {

Request post(std::string content_type, std::string body) {
  Request r;
  r.method = Method::kPost;
  r.headers.add("Content-Type", content_type);
  r.body = std::move(body);
  return r;
}

std::string object_of(int members) {
  std::string s = "{";
  for (int k = 0; k < members; ++k) s += (k ? ",\"k" : "\"k") + std::to_string(k) + "\":0";
  return s + "}";
}

TEST(Body, JsonFormTextAndUnknownTypes) {
  EXPECT_EQ(*parse_body(post("application/json; charset=utf-8", R"({"a":[1]})")),
            Json::parse(R"({"a":[1]})"));
  EXPECT_EQ(*parse_body(post("text/plain", "hi")), Json("hi"));
  EXPECT_THROW(parse_body(post("text/xml", "<a/>")), core::KnownError);
  EXPECT_THROW(parse_body(post("application/json", "{oops")), core::KnownError);
  Request get = post("application/json", "{oops");
  get.method = Method::kGet;
  EXPECT_EQ(parse_body(get), std::nullopt);
}

TEST(Body, FormKeepsFirstPositionAndLastValue) {
  Json j = *parse_body(post("application/x-www-form-urlencoded", "b=1&a=2&b=3&c=%FF"));
  EXPECT_EQ(j.dump(), "{\"b\":\"3\",\"a\":\"2\",\"c\":\"\xEF\xBF\xBD\"}");
}

// Json is ordered_json, whose parser finds each key by a linear search of
// its object: a 1 MiB body of ~90,000 members took seconds of an I/O
// thread before anything checked who sent it. Objects are bounded before
// parsing (core/json_extent.hpp), forms are built with an index.
TEST(Body, ObjectsWithTooManyMembersAreRefusedBeforeParsing) {
  EXPECT_TRUE(parse_body(post("application/json", object_of(1000))));
  const std::string wide = object_of(90000);
  auto start = std::chrono::steady_clock::now();
  try {
    parse_body(post("application/json", wide));
    ADD_FAILURE() << "a 90,000-member object was parsed";
  } catch (const core::KnownError& e) {
    EXPECT_EQ(e.code(), "BODY_PARSING_ERROR");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // The same members in a form.
  std::string form;
  for (int k = 0; k < 90000; ++k) form += "k" + std::to_string(k) + "=0&";
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(parse_body(post("application/x-www-form-urlencoded", form))->size(), 90000u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(Body, DeepNestingIsRefused) {
  EXPECT_TRUE(parse_body(post("application/json", std::string(512, '[') + std::string(512, ']'))));
  EXPECT_THROW(parse_body(post("application/json", std::string(100000, '['))), core::KnownError);
}

}  // namespace
}  // namespace latchkey::http
