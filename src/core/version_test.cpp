#include "core/version.hpp"

#include <gtest/gtest.h>

using latchkey::core::check_client_version;

TEST(CheckClientVersion, SameVersionIsUpToDate) {
  auto r = check_client_version("2.8.18");
  EXPECT_TRUE(r.up_to_date);
  EXPECT_TRUE(r.error.empty());
}

TEST(CheckClientVersion, InvalidSemverIsSevere) {
  auto r = check_client_version("banana");
  EXPECT_FALSE(r.up_to_date);
  EXPECT_TRUE(r.severe);
  EXPECT_EQ(r.error,
            "The client version you specified (vbanana) is not a valid semver version. Please "
            "update to the latest version as soon as possible to ensure that you get the latest "
            "feature and security updates.");
  EXPECT_FALSE(check_client_version("2.8").up_to_date);
  EXPECT_TRUE(check_client_version("02.8.18").severe);
}

TEST(CheckClientVersion, OtherMinorIsSevere) {
  auto r = check_client_version("2.7.99");
  EXPECT_TRUE(r.severe);
  EXPECT_NE(r.error.find("SEVERELY OUTDATED"), std::string::npos);
  EXPECT_NE(r.error.find("(your version is v2.7.99; the current version is v2.8.18)."),
            std::string::npos);
}

TEST(CheckClientVersion, OlderAndNewerPatch) {
  auto older = check_client_version("2.8.17");
  EXPECT_FALSE(older.up_to_date);
  EXPECT_FALSE(older.severe);
  EXPECT_EQ(older.error.rfind("You are running an outdated version of Stack Auth (v2.8.17; "
                              "the current version is v2.8.18).",
                              0),
            0u);
  auto newer = check_client_version("2.8.19");
  EXPECT_FALSE(newer.severe);
  EXPECT_EQ(newer.error,
            "You are running a version of Stack Auth that is newer than the newest known version "
            "(v2.8.19 > v2.8.18). This is weird. Are you running on a development branch?");
}

TEST(CheckClientVersion, PrereleaseSortsBeforeTheRelease) {
  EXPECT_FALSE(check_client_version("2.8.18-beta.1").severe);
  EXPECT_NE(check_client_version("2.8.18-beta.1").error.find("outdated"), std::string::npos);
  EXPECT_NE(check_client_version("2.8.18", "2.8.18-rc.1").error.find("newer"), std::string::npos);
}

TEST(CheckClientVersion, SamePrecedenceButOtherTextIsSevere) {
  // Build metadata does not change precedence, but the strings differ.
  auto r = check_client_version("v2.8.18");
  EXPECT_TRUE(r.severe);
  EXPECT_NE(r.error.find("(vv2.8.18 !== v2.8.18)"), std::string::npos);
  EXPECT_TRUE(check_client_version("2.8.18+build.5").severe);
}
