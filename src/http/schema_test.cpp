#include "http/schema.hpp"

#include <gtest/gtest.h>

namespace latchkey::http {
namespace {

std::optional<int64_t> read_integer(const Json& value, SchemaErrors& errors) {
  return Field("body.n", &value, errors).integer(true);
}

// 9223372036854775808 (2^63) is a double equal to (double)INT64_MAX, so a
// check against the maximum let it through, and converting it to int64_t
// is undefined behaviour (found by fuzz/schema_fuzz.cpp under UBSan).
TEST(SchemaInteger, TwoToThe63IsTooLargeNotUndefined) {
  for (const Json& v : {Json(9223372036854775808.0), Json(9223372036854775807ULL),
                        Json("9223372036854775808"), Json(1e19)}) {
    SchemaErrors errors;
    EXPECT_EQ(read_integer(v, errors), std::nullopt) << v.dump();
    ASSERT_EQ(errors.lines().size(), 1u);
    EXPECT_EQ(errors.lines()[0], "body.n must be less than or equal to 9223372036854775807");
  }
  SchemaErrors errors;
  EXPECT_EQ(read_integer(Json(-9223372036854775807LL - 1), errors), INT64_MIN);
  EXPECT_EQ(read_integer(Json("9007199254740992"), errors), 9007199254740992);
  EXPECT_TRUE(errors.empty());
}

}  // namespace
}  // namespace latchkey::http
