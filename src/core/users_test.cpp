// Unit tests of the users domain helpers that need no store: e-mail
// normalisation and the importable password-hash check (users.md §3.2).
#include "core/users.hpp"

#include <gtest/gtest.h>

namespace latchkey::core {
namespace {

constexpr const char* kBcrypt = "$2a$10$abcdefghijklmnopqrstuu8ghF75pz3E166qWsJO7qgiWIujvDbnu";

TEST(NormalizeEmail, TrimsAndLowerCases) {
  EXPECT_EQ(normalize_email("  Foo.Bar@Example.COM\t"), "foo.bar@example.com");
  EXPECT_EQ(normalize_email("a@b"), "a@b");
  EXPECT_EQ(normalize_email(""), "");
}

TEST(ImportablePasswordHash, AcceptsBcryptVariants) {
  std::string h = kBcrypt;
  EXPECT_TRUE(is_importable_password_hash(h));
  for (char v : {'b', 'y'}) {
    std::string other = h;
    other[2] = v;
    EXPECT_TRUE(is_importable_password_hash(other)) << other;
  }
  std::string cost4 = h, cost16 = h;
  cost4.replace(4, 2, "04");
  cost16.replace(4, 2, "16");
  EXPECT_TRUE(is_importable_password_hash(cost4));
  EXPECT_TRUE(is_importable_password_hash(cost16));
}

TEST(ImportablePasswordHash, RejectsEverythingElse) {
  std::string h = kBcrypt;
  auto with = [&](size_t pos, std::string_view s) {
    std::string out = h;
    out.replace(pos, s.size(), s);
    return out;
  };
  EXPECT_FALSE(is_importable_password_hash(""));
  EXPECT_FALSE(is_importable_password_hash(h.substr(0, 59)));
  EXPECT_FALSE(is_importable_password_hash(h + "A"));
  EXPECT_FALSE(is_importable_password_hash(with(4, "17")));  // cost above 16
  EXPECT_FALSE(is_importable_password_hash(with(4, "03")));  // below bcrypt's minimum
  EXPECT_FALSE(is_importable_password_hash(with(2, "x")));
  EXPECT_FALSE(is_importable_password_hash(with(1, "1")));
  EXPECT_FALSE(is_importable_password_hash(with(4, "1a")));
  EXPECT_FALSE(is_importable_password_hash(with(20, "!")));
  EXPECT_FALSE(is_importable_password_hash(with(6, "x")));
  EXPECT_FALSE(is_importable_password_hash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"));
}

}  // namespace
}  // namespace latchkey::core
