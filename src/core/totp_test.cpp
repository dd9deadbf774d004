// RFC 4226 (HOTP) and RFC 6238 (TOTP, SHA-1 rows) test vectors.
#include "core/totp.hpp"

#include <gtest/gtest.h>

namespace latchkey::core {
namespace {

constexpr std::string_view kRfcSecret = "12345678901234567890";

TEST(Hotp, Rfc4226AppendixD) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t counter = 0; counter < 10; ++counter)
    EXPECT_EQ(hotp(kRfcSecret, counter), expected[counter]) << counter;
}

TEST(Totp, Rfc6238AppendixBSha1) {
  struct Row {
    int64_t seconds;
    const char* code;
  };
  const Row rows[] = {{59, "94287082"},         {1111111109, "07081804"},
                      {1111111111, "14050471"}, {1234567890, "89005924"},
                      {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& row : rows) {
    int64_t step = totp_step(row.seconds * 1000);
    EXPECT_EQ(hotp(kRfcSecret, static_cast<uint64_t>(step), 8), row.code) << row.seconds;
    // The 6-digit code the API checks is the same value modulo 10^6.
    std::string six = std::string(row.code).substr(2);
    EXPECT_TRUE(totp_matches(kRfcSecret, step, six)) << row.seconds;
  }
}

TEST(Totp, StepBoundaries) {
  EXPECT_EQ(totp_step(0), 0);
  EXPECT_EQ(totp_step(29'999), 0);
  EXPECT_EQ(totp_step(30'000), 1);
  EXPECT_EQ(totp_step(59'999), 1);
  EXPECT_EQ(totp_step(-1), -1);
}

TEST(Totp, OnlyTheExactCurrentCodeMatches) {
  const int64_t step = totp_step(1111111111LL * 1000);
  const std::string code = hotp(kRfcSecret, static_cast<uint64_t>(step));
  EXPECT_TRUE(totp_matches(kRfcSecret, step, code));
  // No window: the neighbouring steps' codes are refused.
  EXPECT_FALSE(totp_matches(kRfcSecret, step, hotp(kRfcSecret, static_cast<uint64_t>(step - 1))));
  EXPECT_FALSE(totp_matches(kRfcSecret, step, hotp(kRfcSecret, static_cast<uint64_t>(step + 1))));
  // Exact string equality: no trimming, no numeric comparison.
  EXPECT_FALSE(totp_matches(kRfcSecret, step, " " + code));
  EXPECT_FALSE(totp_matches(kRfcSecret, step, code + "0"));
  EXPECT_FALSE(totp_matches(kRfcSecret, step, code.substr(1)));
  EXPECT_FALSE(totp_matches(kRfcSecret, step, ""));
  EXPECT_FALSE(totp_matches("other secret", step, code));
}

TEST(Hotp, ZeroPadsAndAcceptsEmptyKey) {
  // Whatever the value, the code always has exactly `digits` characters.
  for (uint64_t c = 0; c < 200; ++c) {
    auto code = hotp("", c);
    ASSERT_EQ(code.size(), 6u);
    for (char ch : code) ASSERT_TRUE(ch >= '0' && ch <= '9');
  }
  EXPECT_THROW(hotp(kRfcSecret, 0, 0), std::invalid_argument);
  EXPECT_THROW(hotp(kRfcSecret, 0, 10), std::invalid_argument);
}

}  // namespace
}  // namespace latchkey::core
