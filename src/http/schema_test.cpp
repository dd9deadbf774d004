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

// A declared body (route_spec.hpp): a reader that reads a field as declared
// validates as before; one that reads it otherwise, or reads an undeclared
// field, is a programming error, never a request's.
TEST(SchemaDeclared, ReadersMatchTheDeclaration) {
  const ObjectSpec spec{{
      string_field("email").email().required(),
      string_field("password").max(70).required(),
      integer_field("limit").at_least(1),
      any_field("metadata").nullable(),
  }};
  Json body{{"email", "a@b.example"}, {"password", "x"}, {"limit", 0}, {"extra", 1}};
  SchemaErrors errors;
  ObjectReader reader("body", &body, errors, true, &spec);
  EXPECT_EQ(reader.field("email").email(true), "a@b.example");
  EXPECT_EQ(reader.field("password").string(true, 70), "x");
  EXPECT_EQ(reader.field("limit").integer(false, 1), std::nullopt);
  EXPECT_FALSE(reader.field("metadata").nullable_json().present);
  reader.reject_unknown();
  ASSERT_EQ(errors.lines().size(), 2u);
  EXPECT_EQ(errors.lines()[0], "body.limit must be greater than or equal to 1");
  EXPECT_EQ(errors.lines()[1], "body contains unknown properties: extra");

  EXPECT_THROW(reader.field("extra"), std::logic_error);                         // not declared
  EXPECT_THROW(reader.field("email").url(true), std::logic_error);               // another format
  EXPECT_THROW(reader.field("email").email(false), std::logic_error);            // optional
  EXPECT_THROW(reader.field("password").string(true, 50), std::logic_error);     // other limit
  EXPECT_THROW(reader.field("password").nullable_string(70), std::logic_error);  // null
  EXPECT_THROW(reader.field("limit").integer(false, 2), std::logic_error);       // other minimum
  EXPECT_THROW(reader.field("limit").boolean(false), std::logic_error);          // type
  // A declaration may say more than the reader checks (the handler checks
  // the rest itself): a plain string read of a declared e-mail.
  EXPECT_NO_THROW(reader.field("email").string(true));
}

}  // namespace
}  // namespace latchkey::http
