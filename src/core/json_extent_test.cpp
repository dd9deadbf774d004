#include "core/json_extent.hpp"

#include <gtest/gtest.h>

#include <string>

namespace latchkey::core {
namespace {

TEST(JsonExtent, DepthAndWidestObject) {
  EXPECT_EQ(json_extent("1", 10).depth, 0);
  auto e = json_extent(R"({"a":1,"b":{"c":[1,2,{"d":3}]},"e":"x"})", 10);
  EXPECT_EQ(e.depth, 4);
  EXPECT_EQ(e.widest_object, 3u);
  // Array elements are not members.
  EXPECT_EQ(json_extent("[1,2,3,4]", 10).widest_object, 0u);
}

TEST(JsonExtent, StringsAndTheirEscapesAreSkipped) {
  auto e = json_extent(R"({"a:{[":"\"}:{[","b\\":1})", 10);
  EXPECT_EQ(e.depth, 1);
  EXPECT_EQ(e.widest_object, 2u);
}

TEST(JsonExtent, StopsPastMaxDepth) {
  std::string deep(100000, '[');
  auto e = json_extent(deep, 512);
  EXPECT_EQ(e.depth, 513);
  EXPECT_EQ(json_extent(std::string(512, '[') + std::string(512, ']'), 512).depth, 512);
  // Unbalanced closers do not go below the top level.
  EXPECT_EQ(json_extent("]]]}}[{", 512).depth, 2);
}

TEST(JsonExtent, CountsEveryMemberOfAWideObject) {
  std::string wide = "{";
  for (int k = 0; k < 5000; ++k) wide += (k ? ",\"" : "\"") + std::to_string(k) + "\":0";
  wide += "}";
  EXPECT_EQ(json_extent(wide, 512).widest_object, 5000u);
}

}  // namespace
}  // namespace latchkey::core
