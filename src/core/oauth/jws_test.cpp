#include "core/oauth/jws.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/rsa.h>

#include "core/oauth/test_keys.hpp"

namespace latchkey::core::oauth {
namespace {

using testing::TestKey;

TEST(Jws, Es256SignedTokenVerifiesWithItsJwk) {
  auto key = TestKey::ec();
  std::string token = sign_es256_jwt(Json{{"kid", "k1"}}, Json{{"sub", "a"}}, key.pem());
  auto jwt = parse_jwt(token);
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->header["alg"], "ES256");
  EXPECT_EQ(jwt->header["kid"], "k1");
  EXPECT_EQ(jwt->claims["sub"], "a");
  EXPECT_EQ(jwt->signature.size(), 64u);
  Json jwks{{"keys", Json::array({key.jwk("k1")})}};
  const Json* jwk = find_jwk(jwks, *jwt);
  ASSERT_NE(jwk, nullptr);
  EXPECT_TRUE(verify_jwt_signature(*jwt, *jwk));
  // Another key with the same kid does not verify it.
  auto other = TestKey::ec();
  EXPECT_FALSE(verify_jwt_signature(*jwt, other.jwk("k1")));
}

TEST(Jws, Rs256AndTampering) {
  auto key = TestKey::rsa();
  std::string token = key.rs256(Json{{"alg", "RS256"}, {"kid", "r"}}, Json{{"sub", "b"}});
  auto jwt = parse_jwt(token);
  ASSERT_TRUE(jwt);
  EXPECT_TRUE(verify_jwt_signature(*jwt, key.jwk("r")));
  // Changed claims under the same signature.
  std::string forged = token.substr(0, token.find('.') + 1) +
                       base64url_encode(Json{{"sub", "admin"}}.dump()) +
                       token.substr(token.rfind('.'));
  auto forged_jwt = parse_jwt(forged);
  ASSERT_TRUE(forged_jwt);
  EXPECT_FALSE(verify_jwt_signature(*forged_jwt, key.jwk("r")));
}

TEST(Jws, RefusesNoneHmacAndMismatchedKeys) {
  auto rsa = TestKey::rsa();
  std::string token = rsa.rs256(Json{{"alg", "RS256"}}, Json{{"sub", "c"}});
  auto jwt = parse_jwt(token);
  ASSERT_TRUE(jwt);
  Jwt unsigned_jwt = *jwt;
  unsigned_jwt.header["alg"] = "none";
  EXPECT_FALSE(verify_jwt_signature(unsigned_jwt, rsa.jwk("x")));
  Jwt hmac = *jwt;
  hmac.header["alg"] = "HS256";
  EXPECT_FALSE(verify_jwt_signature(hmac, rsa.jwk("x")));
  auto ec = TestKey::ec();
  EXPECT_FALSE(verify_jwt_signature(*jwt, ec.jwk("x")));  // RS256 token, EC key
}

// A provider's RSA key is used only within WebAuthn's bounds (2048–8192
// bits, an exponent of at most 64 bits): verification time grows with both,
// and a JWK set is whatever the provider's endpoint answered.
TEST(Jws, RefusesRsaKeysWithAnOversizedExponent) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  BIGNUM* e = BN_new();
  ASSERT_TRUE(ctx && e && BN_set_bit(e, 64) && BN_add_word(e, 1));  // 2^64 + 1: 65 bits, odd
  ASSERT_EQ(EVP_PKEY_keygen_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e), 1);
  EVP_PKEY* pkey = nullptr;
  ASSERT_EQ(EVP_PKEY_generate(ctx, &pkey), 1);
  BN_free(e);
  EVP_PKEY_CTX_free(ctx);
  TestKey key(pkey);
  auto jwt = parse_jwt(key.rs256(Json{{"alg", "RS256"}, {"kid", "e"}}, Json{{"sub", "d"}}));
  ASSERT_TRUE(jwt);
  EXPECT_FALSE(verify_jwt_signature(*jwt, key.jwk("e")));
}

TEST(Jws, FindJwkByKidOrSingleCandidate) {
  auto a = TestKey::rsa(), b = TestKey::rsa();
  Json jwks{{"keys", Json::array({a.jwk("a"), b.jwk("b")})}};
  auto with_kid = parse_jwt(b.rs256(Json{{"alg", "RS256"}, {"kid", "b"}}, Json::object()));
  ASSERT_TRUE(with_kid);
  EXPECT_EQ(find_jwk(jwks, *with_kid), &jwks["keys"][1]);
  auto no_kid = parse_jwt(b.rs256(Json{{"alg", "RS256"}}, Json::object()));
  ASSERT_TRUE(no_kid);
  EXPECT_EQ(find_jwk(jwks, *no_kid), nullptr);  // ambiguous
  Json single{{"keys", Json::array({b.jwk("b")})}};
  EXPECT_NE(find_jwk(single, *no_kid), nullptr);
  auto unknown = parse_jwt(b.rs256(Json{{"alg", "RS256"}, {"kid", "zzz"}}, Json::object()));
  EXPECT_EQ(find_jwk(jwks, *unknown), nullptr);
}

TEST(Jws, ParseRejectsMalformedTokens) {
  EXPECT_FALSE(parse_jwt(""));
  EXPECT_FALSE(parse_jwt("a.b"));
  EXPECT_FALSE(parse_jwt("a.b.c.d"));
  EXPECT_FALSE(parse_jwt("!!.??.**"));
  EXPECT_FALSE(parse_jwt(base64url_encode("[1]") + "." + base64url_encode("{}") + ".sig"));
}

TEST(Jws, SignRefusesUnusableKeys) {
  EXPECT_THROW(sign_es256_jwt(Json::object(), Json::object(), "not a key"), KeyError);
  auto rsa = TestKey::rsa();
  EXPECT_THROW(sign_es256_jwt(Json::object(), Json::object(), rsa.pem()), KeyError);
}

}  // namespace
}  // namespace latchkey::core::oauth
