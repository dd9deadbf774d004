#include "core/client_version.hpp"

#include <gtest/gtest.h>

namespace latchkey::core {
namespace {

TEST(ClientVersion, ParsesPlatformPackageAndSemver) {
  auto v = parse_client_version("js @stackframe/js@2.8.41");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->package, "@stackframe/js");
  EXPECT_EQ(v->major, 2);
  EXPECT_EQ(v->minor, 8);
  EXPECT_EQ(v->patch, 41);
  EXPECT_FALSE(v->prerelease);
  auto beta = parse_client_version("  js  @stackframe/stack@2.5.37-beta.1 ");
  ASSERT_TRUE(beta);
  EXPECT_TRUE(beta->prerelease);
  EXPECT_TRUE(parse_client_version("js unscoped@1.2.3+build.5"));
}

TEST(ClientVersion, RefusesMalformedHeaders) {
  EXPECT_FALSE(parse_client_version(std::nullopt));
  EXPECT_FALSE(parse_client_version("@stackframe/stack@2.5.1"));  // no platform
  EXPECT_FALSE(parse_client_version("js @stackframe/stack@2.5"));
  EXPECT_FALSE(parse_client_version("js @stackframe/stack@02.5.1"));
  EXPECT_FALSE(parse_client_version("js @stackframe/stack@2.5.1-"));
  EXPECT_FALSE(parse_client_version("js @stackframe/stack@2.5.1.4"));
  EXPECT_FALSE(parse_client_version("js @stackframe/stack"));
}

TEST(ClientVersion, LegacyMagicLinkUpTo2537) {
  EXPECT_TRUE(expects_legacy_magic_link("js @stackframe/stack@2.5.37"));
  EXPECT_TRUE(expects_legacy_magic_link("js @stackframe/stack@2.4.0"));
  EXPECT_TRUE(expects_legacy_magic_link("js @stackframe/stack@1.99.99"));
  EXPECT_TRUE(expects_legacy_magic_link("js @stackframe/stack@2.5.37-beta.1"));
  EXPECT_FALSE(expects_legacy_magic_link("js @stackframe/stack@2.5.38"));
  EXPECT_FALSE(expects_legacy_magic_link("js @stackframe/stack@2.6.0"));
  EXPECT_FALSE(expects_legacy_magic_link("js @stackframe/stack@3.0.0"));
  EXPECT_FALSE(expects_legacy_magic_link("js @stackframe/react@2.5.0"));
  EXPECT_FALSE(expects_legacy_magic_link("js @stackframe/stack@02.5.1"));
  EXPECT_FALSE(expects_legacy_magic_link(std::nullopt));
}

TEST(ClientVersion, ReferenceShapeForRestClientsWithoutAVersion) {
  EXPECT_EQ(api_shape_of(std::nullopt, true), ApiShape::kReference);
  EXPECT_EQ(api_shape_of("", true), ApiShape::kReference);
  EXPECT_EQ(api_shape_of("js @stackframe/js@2.8.108", true), ApiShape::kSdk);
  // An OAuth client at the token endpoint: no Stack header at all.
  EXPECT_EQ(api_shape_of(std::nullopt, false), ApiShape::kSdk);
}

}  // namespace
}  // namespace latchkey::core
