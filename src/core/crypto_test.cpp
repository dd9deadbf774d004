#include "core/crypto.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace latchkey::core {
namespace {

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto raw = sha256("abc");
  EXPECT_EQ(raw[0], 0xba);
  EXPECT_EQ(raw[31], 0xad);
}

TEST(HmacSha256, Rfc4231Case2) {
  std::string mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  ASSERT_EQ(mac.size(), 32u);
  std::string hex;
  for (unsigned char c : mac) {
    static const char* digits = "0123456789abcdef";
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  EXPECT_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Base64Url, Rfc4648Vectors) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff\xfe"), "-__-");
}

TEST(Base64Url, RoundTripsEveryLengthAndByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(char(i));
  for (size_t n = 0; n <= all.size(); ++n) {
    std::string bytes = all.substr(all.size() - n);
    std::string text = base64url_encode(bytes);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
    auto back = base64url_decode(text);
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, bytes);
  }
  for (int i = 0; i < 50; ++i) {
    std::string bytes = random_bytes(size_t(i));
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
  }
}

TEST(Base64Url, DecodeAcceptsPaddingRejectsOtherCharacters) {
  EXPECT_EQ(base64url_decode("Zg=="), "f");
  EXPECT_EQ(base64url_decode("Zm8="), "fo");
  EXPECT_EQ(base64url_decode("Zm8"), "fo");
  EXPECT_EQ(base64url_decode(""), "");
  EXPECT_FALSE(base64url_decode("Zm8+"));  // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm/v"));
  EXPECT_FALSE(base64url_decode("Zm 8"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));  // 4n+1 characters
  EXPECT_FALSE(base64url_decode("Z=g="));
  EXPECT_FALSE(base64url_decode("Zg==="));
  EXPECT_FALSE(base64url_decode("="));
}

TEST(Base64, StandardAlphabetPadded) {
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xfb\xff\xfe"), "+//+");
  EXPECT_EQ(base64_decode("+//+"), "\xfb\xff\xfe");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_FALSE(base64_decode("-__-"));
  for (int i = 0; i < 40; ++i) {
    std::string bytes = random_bytes(size_t(i));
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
  }
}

TEST(RandomBytes, LengthAndVariety) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(33).size(), 33u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
}

TEST(RandomSecret45, LengthAndAlphabet) {
  const std::string alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  std::set<std::string> seen;
  std::set<char> last_chars;
  for (int i = 0; i < 500; ++i) {
    std::string s = random_secret45();
    ASSERT_EQ(s.size(), 45u);
    EXPECT_EQ(s.find_first_not_of(alphabet), std::string::npos) << s;
    seen.insert(s);
    last_chars.insert(s.back());
  }
  EXPECT_EQ(seen.size(), 500u);
  // The final character holds the last 2 bits of 29 bytes, left-aligned:
  // 00000, 01000, 10000, 11000.
  for (char c : last_chars) EXPECT_NE(std::string("08gr").find(c), std::string::npos) << c;
}

TEST(RandomRequestId, SixteenCrockfordCharacters) {
  std::string id = random_request_id();
  ASSERT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdefghjkmnpqrstvwxyz"), std::string::npos);
  EXPECT_NE(random_request_id(), id);
}

TEST(Uuid, RandomUuidIsLowerCaseVersion4) {
  for (int i = 0; i < 100; ++i) {
    std::string u = random_uuid();
    ASSERT_EQ(u.size(), 36u);
    EXPECT_TRUE(is_uuid(u)) << u;
    EXPECT_EQ(u.find_first_not_of("0123456789abcdef-"), std::string::npos) << u;
    EXPECT_EQ(u[14], '4');
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
  }
  EXPECT_NE(random_uuid(), random_uuid());
}

TEST(Uuid, IsUuid) {
  EXPECT_TRUE(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_TRUE(is_uuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_TRUE(is_uuid("123E4567-E89B-12D3-A456-426614174000"));
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("internal"));
  EXPECT_FALSE(is_uuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-4266141740000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456_426614174000"));
  EXPECT_FALSE(is_uuid("g23e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(is_uuid("{23e4567-e89b-12d3-a456-426614174000}"));
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "xbc"));
  EXPECT_FALSE(constant_time_equals("abc", "abcd"));
  EXPECT_FALSE(constant_time_equals("", "a"));
  std::string a("a\0b", 3), b("a\0c", 3);
  EXPECT_FALSE(constant_time_equals(a, b));
  EXPECT_TRUE(constant_time_equals(a, std::string("a\0b", 3)));
}

}  // namespace
}  // namespace latchkey::core
