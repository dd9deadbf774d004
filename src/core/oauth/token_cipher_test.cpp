#include "core/oauth/token_cipher.hpp"

#include <gtest/gtest.h>

namespace latchkey::core::oauth {
namespace {

TEST(TokenCipher, RoundTripBoundToContext) {
  TokenCipher c("server secret");
  std::string sealed = c.seal("gho_16C7e42F292c6912E7710c838347Ae178B4a", "p\ngithub\n1");
  EXPECT_EQ(sealed.rfind("v1.", 0), 0u);
  EXPECT_EQ(sealed.find("gho_"), std::string::npos);
  EXPECT_EQ(c.open(sealed, "p\ngithub\n1"), "gho_16C7e42F292c6912E7710c838347Ae178B4a");
  EXPECT_FALSE(c.open(sealed, "p\ngithub\n2"));  // moved to another account's row
  EXPECT_FALSE(TokenCipher("another secret").open(sealed, "p\ngithub\n1"));
  // Fresh nonce per seal.
  EXPECT_NE(c.seal("x", "ctx"), c.seal("x", "ctx"));
  EXPECT_EQ(c.open(c.seal("", "ctx"), "ctx"), "");
}

TEST(TokenCipher, RejectsTamperedOrForeignValues) {
  TokenCipher c("s");
  std::string sealed = c.seal("token", "ctx");
  std::string tampered = sealed;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(c.open(tampered, "ctx"));
  EXPECT_FALSE(c.open("token", "ctx"));
  EXPECT_FALSE(c.open("v1.", "ctx"));
  EXPECT_FALSE(c.open("v1.!!!", "ctx"));
}

}  // namespace
}  // namespace latchkey::core::oauth
