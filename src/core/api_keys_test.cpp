// The user/team API key format (tokens.md §9): what a new key looks like and
// which strings pass as well-formed (checksum included).
#include "core/api_keys.hpp"

#include <gtest/gtest.h>

namespace latchkey::core {
namespace {

// Computed independently (Python's zlib.crc32 of everything before the
// checksum).
constexpr const char* kKnownKey =
    "sk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0123456789abcdef0123456789abcdefuser1574ck4u7h"
    "c340ecf5";

TEST(ApiKeyFormat, AKnownKeyIsWellFormedAndAnyChangeBreaksIt) {
  EXPECT_TRUE(is_well_formed_api_key(kKnownKey));
  std::string k = kKnownKey;
  for (size_t i : {0u, 3u, 50u, 80u, 84u, 90u, 101u}) {
    std::string changed = k;
    changed[i] = changed[i] == 'b' ? 'c' : 'b';
    EXPECT_FALSE(is_well_formed_api_key(changed)) << i;
  }
  EXPECT_FALSE(is_well_formed_api_key(""));
  EXPECT_FALSE(is_well_formed_api_key("sk_this_is_a_fake_api_key_123456789"));
  EXPECT_FALSE(is_well_formed_api_key(k.substr(1)));
  EXPECT_FALSE(is_well_formed_api_key(k + "0"));
}

TEST(ApiKeyFormat, NewKeysCarryPrefixIdTypeFlagMarkerAndChecksum) {
  const std::string id = "01234567-89ab-cdef-0123-456789abcdef";
  std::string secret = make_api_key_value(id, false, false, ApiKeyType::kUser);
  ASSERT_EQ(secret.size(), 102u);
  EXPECT_EQ(secret.substr(0, 3), "sk_");
  EXPECT_EQ(secret.substr(48, 32), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(secret.substr(80, 4), "user");
  EXPECT_EQ(secret.substr(84, 10), "1574ck4u7h");  // self-hosted, secret
  EXPECT_TRUE(is_well_formed_api_key(secret));

  std::string pub = make_api_key_value(id, true, false, ApiKeyType::kTeam);
  EXPECT_EQ(pub.substr(0, 3), "pk_");
  EXPECT_EQ(pub.substr(80, 4), "team");
  EXPECT_EQ(pub[84], '3');  // self-hosted (1) + public (2)
  EXPECT_TRUE(is_well_formed_api_key(pub));
  EXPECT_EQ(make_api_key_value(id, true, true, ApiKeyType::kTeam)[84], '2');
  EXPECT_EQ(make_api_key_value(id, false, true, ApiKeyType::kTeam)[84], '0');

  // The secret part is random.
  EXPECT_NE(secret, make_api_key_value(id, false, false, ApiKeyType::kUser));
  EXPECT_EQ(api_key_digest(secret).size(), 64u);
}

}  // namespace
}  // namespace latchkey::core
