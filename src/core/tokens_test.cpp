#include "core/tokens.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/crypto.hpp"

namespace latchkey::core {
namespace {

constexpr const char* kDevSecret = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr const char* kPublicUrl = "http://localhost:8102";
constexpr const char* kUser = "3f1c2b9e-6a4d-4e0f-9b8a-1c2d3e4f5a6b";
constexpr const char* kSession = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
constexpr int64_t kNowMillis = 1'751'970'000'123;  // 2025-07-08
// A user with nothing set, as most tests need.
const TokenUser kTokenUser{.id = kUser};

class TestClock final : public Clock {
 public:
  int64_t now_millis() const override { return now_; }
  void set(int64_t millis) { now_ = millis; }
  void advance_seconds(int64_t s) { now_ += s * 1000; }

 private:
  std::atomic<int64_t> now_{kNowMillis};
};

// --- Independent ES256 helpers (test-only), built from the JWK numbers. ---

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey pkey_from_jwk(const DerivedKey& k, bool with_private) {
  std::string point = "\x04";  // uncompressed point: 04 || x || y
  point += *base64url_decode(k.x);
  point += *base64url_decode(k.y);
  std::string d = *base64url_decode(k.d);
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(d.data()), int(d.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  if (with_private) OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &pkey, with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn);
  if (pkey == nullptr) throw std::runtime_error("test key import failed");
  return Pkey(pkey);
}

// Signs like a JOSE library would: DER from OpenSSL, converted to raw r || s.
std::string sign_raw(const DerivedKey& k, std::string_view input) {
  Pkey pkey = pkey_from_jwk(k, true);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  size_t len = 0;
  EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, pkey.get());
  EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string der(len, '\0');
  EVP_DigestSign(md, reinterpret_cast<unsigned char*>(der.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(md);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, long(len));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

// Verifies with the public JWK only, so the wire format is checked
// independently of TokenService::verify.
bool verify_with_jwk(const DerivedKey& k, std::string_view input, std::string_view raw) {
  if (raw.size() != 64) return false;
  Pkey pkey = pkey_from_jwk(k, false);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG_set0(sig, BN_bin2bn(in, 32, nullptr), BN_bin2bn(in + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, pkey.get());
  int ok = EVP_DigestVerify(md, der, size_t(der_len),
                            reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  return ok == 1;
}

// A token with arbitrary header and payload, validly signed with the key of
// `signing_aud` under `secret`.
std::string forge(const Json& header, const Json& payload, std::string_view signing_aud,
                  std::string_view secret = kDevSecret) {
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
  return input + "." + base64url_encode(sign_raw(derive_key(secret, signing_aud), input));
}

struct Parts {
  std::string header, payload, signature;
};
Parts split(const std::string& token) {
  size_t a = token.find('.'), b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}
Json decode_part(const std::string& b64) { return Json::parse(*base64url_decode(b64)); }

bool is_unparsable(const std::variant<AccessTokenClaims, TokenError>& r) {
  auto* e = std::get_if<TokenError>(&r);
  return e != nullptr && e->failure == TokenFailure::kUnparsable && !e->expired_at_millis;
}

class TokensTest : public ::testing::Test {
 protected:
  TestClock clock_;
  TokenService service_{kDevSecret, kPublicUrl, 600, clock_};

  Json valid_header(std::string_view aud = "internal") const {
    return Json{{"alg", "ES256"}, {"kid", derive_key(kDevSecret, aud).kid}};
  }
  Json valid_payload(std::string_view aud = "internal") const {
    Json p = Json::object();
    p["sub"] = kUser;
    p["branchId"] = "main";
    p["refreshTokenId"] = kSession;
    p["role"] = "authenticated";
    p["iss"] = service_.issuer(aud);
    p["iat"] = clock_.now_seconds();
    p["aud"] = aud;
    p["exp"] = clock_.now_seconds() + 600;
    return p;
  }
};

// --- Derivation (tokens.md §2) and JWKS (§5) ---

TEST(DeriveKey, DevelopmentSecretVector) {
  DerivedKey k = derive_key(kDevSecret, "internal");
  EXPECT_EQ(k.per_audience_secret, "ctJ1FA8jzH5Zprd6oxlYt8uWBSD6KYO68wUHxVO7o7c");
  EXPECT_EQ(k.kid, "M5zZLA6iQw2n");
  EXPECT_EQ(k.d, "IheOz2KuLWZ5b7tD6WwR4GohgzC6R-LctuIy4hdKMGk");
  EXPECT_EQ(k.x, "1nTfAlWSPsAvLhYQkp_fGz7RckPtP6ZEZjVj6jZd70k");
  EXPECT_EQ(k.y, "vePcQBEJl4Mv2f2KA3MM4AIQvNWTCgo2fiKL-f_Pkb4");
}

TEST(DeriveKey, FollowsTheFormulaForOtherAudiences) {
  const std::string aud = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
  DerivedKey k = derive_key(kDevSecret, aud);
  auto s = sha256(std::string("[\"") + kDevSecret + "\",\"" + aud + "\"]");
  std::string s_aud = base64url_encode(std::string(s.begin(), s.end()));
  EXPECT_EQ(k.per_audience_secret, s_aud);
  auto kid = sha256("[\"" + s_aud + "\",\"kid\"]");
  EXPECT_EQ(k.kid, base64url_encode(std::string(kid.begin(), kid.end())).substr(0, 12));
  auto d = sha256(*base64url_decode(s_aud));
  EXPECT_EQ(k.d, base64url_encode(std::string(d.begin(), d.end())));
  EXPECT_EQ(base64url_decode(k.x)->size(), 32u);
  EXPECT_EQ(base64url_decode(k.y)->size(), 32u);
  EXPECT_NE(k.kid, derive_key(kDevSecret, "internal").kid);
  EXPECT_NE(k.x, derive_key("b3RoZXItc2VjcmV0", aud).x);
}

TEST(DeriveKey, EscapesLikeJsonStringify) {
  // `["<secret>","a\"b\\c\n"]` with JSON escapes, as JSON.stringify writes it.
  auto s = sha256(std::string("[\"") + kDevSecret + "\",\"a\\\"b\\\\c\\n\\u0001\"]");
  EXPECT_EQ(derive_key(kDevSecret, "a\"b\\c\n\x01").per_audience_secret,
            base64url_encode(std::string(s.begin(), s.end())));
  // Non-ASCII stays raw UTF-8.
  auto u = sha256(std::string("[\"") + kDevSecret + "\",\"projé\"]");
  EXPECT_EQ(derive_key(kDevSecret, "projé").per_audience_secret,
            base64url_encode(std::string(u.begin(), u.end())));
}

TEST(DeriveKey, RejectsKidAudience) {
  EXPECT_THROW(derive_key(kDevSecret, "kid"), std::invalid_argument);
}

TEST_F(TokensTest, JwksMatchesSpecExample) {
  EXPECT_EQ(service_.jwks("internal").dump(),
            R"({"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"M5zZLA6iQw2n",)"
            R"("x":"1nTfAlWSPsAvLhYQkp_fGz7RckPtP6ZEZjVj6jZd70k",)"
            R"("y":"vePcQBEJl4Mv2f2KA3MM4AIQvNWTCgo2fiKL-f_Pkb4"}]})");
}

// --- Issuer ---

TEST(Issuer, OriginOfPublicUrl) {
  TestClock clock;
  auto issuer = [&](const char* url) {
    return TokenService(kDevSecret, url, 600, clock).issuer("internal");
  };
  EXPECT_EQ(issuer("http://localhost:8102"), "http://localhost:8102/api/v1/projects/internal");
  EXPECT_EQ(issuer("http://localhost:8102/"), "http://localhost:8102/api/v1/projects/internal");
  EXPECT_EQ(issuer("https://api.example.com/some/base/path?x=1#frag"),
            "https://api.example.com/api/v1/projects/internal");
  EXPECT_EQ(issuer("HTTPS://API.Example.COM:443"),
            "https://api.example.com/api/v1/projects/internal");
  EXPECT_EQ(issuer("http://example.com:80/"), "http://example.com/api/v1/projects/internal");
  EXPECT_EQ(issuer("http://example.com:443/"), "http://example.com:443/api/v1/projects/internal");
  EXPECT_EQ(issuer("http://[::1]:8102"), "http://[::1]:8102/api/v1/projects/internal");
}

TEST(TokenServiceConstruction, RejectsBadSecretOrUrl) {
  TestClock clock;
  EXPECT_THROW(TokenService("not base64url!", kPublicUrl, 600, clock), std::invalid_argument);
  EXPECT_THROW(TokenService("abc+def", kPublicUrl, 600, clock), std::invalid_argument);
  EXPECT_THROW(TokenService("", kPublicUrl, 600, clock), std::invalid_argument);
  EXPECT_THROW(TokenService(kDevSecret, "localhost:8102/no-scheme", 600, clock),
               std::invalid_argument);
  EXPECT_THROW(TokenService(kDevSecret, "not a url", 600, clock), std::invalid_argument);
  EXPECT_THROW(TokenService(kDevSecret, "/relative", 600, clock), std::invalid_argument);
}

// --- Issue / verify ---

TEST_F(TokensTest, IssueProducesExactHeaderAndClaims) {
  std::string token = service_.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk);
  Parts p = split(token);
  EXPECT_EQ(*base64url_decode(p.header), R"({"alg":"ES256","kid":"M5zZLA6iQw2n"})");
  int64_t iat = kNowMillis / 1000;
  // Stack's claims of 2025-07 in the reference's order, then the ones SDK
  // 2.8.41+ validate (accessTokenPayloadSchema).
  EXPECT_EQ(
      *base64url_decode(p.payload),
      std::string(R"({"sub":")") + kUser + R"(","branchId":"main","refreshTokenId":")" + kSession +
          R"(","role":"authenticated","iss":"http://localhost:8102/api/v1/projects/internal",)"
          R"("iat":)" +
          std::to_string(iat) + R"(,"aud":"internal","exp":)" + std::to_string(iat + 600) +
          R"(,"project_id":"internal","branch_id":"main","refresh_token_id":")" + kSession +
          R"(","name":null,"email":null,"email_verified":false,"selected_team_id":null,)"
          R"("signed_up_at":0,"is_anonymous":false,"is_restricted":false,)"
          R"("restricted_reason":null,"requires_totp_mfa":false})");
  EXPECT_EQ(p.signature.size(), 86u);
  EXPECT_EQ(token.find('='), std::string::npos);
  // The signature is raw r || s, verifiable with the published JWK alone.
  EXPECT_TRUE(verify_with_jwk(derive_key(kDevSecret, "internal"), p.header + "." + p.payload,
                              *base64url_decode(p.signature)));
}

TEST_F(TokensTest, IssueDescribesTheUser) {
  TokenUser u;
  u.id = kUser;
  u.display_name = "Zo\xC3\xAB \"Q\" \\ \x01";
  u.primary_email = "zoe@example.com";
  u.primary_email_verified = true;
  u.selected_team_id = "5b0e5f3a-1d2c-4b6a-9e8f-7a6b5c4d3e2f";
  u.signed_up_at_millis = 1'700'000'000'999;
  u.is_anonymous = true;
  u.restricted_reason = "anonymous";
  u.requires_totp_mfa = true;
  Json c =
      decode_part(split(service_.issue("internal", u, "main", kSession, ApiShape::kSdk)).payload);
  EXPECT_EQ(c["name"], "Zo\xC3\xAB \"Q\" \\ \x01");  // escaped, UTF-8 kept
  EXPECT_EQ(c["email"], "zoe@example.com");
  EXPECT_EQ(c["email_verified"], true);
  EXPECT_EQ(c["selected_team_id"], "5b0e5f3a-1d2c-4b6a-9e8f-7a6b5c4d3e2f");
  EXPECT_EQ(c["signed_up_at"], 1'700'000'000);  // seconds, rounded down
  EXPECT_EQ(c["is_anonymous"], true);
  EXPECT_EQ(c["is_restricted"], true);
  EXPECT_EQ(c["restricted_reason"], (Json{{"type", "anonymous"}}));
  EXPECT_EQ(c["requires_totp_mfa"], true);
  EXPECT_EQ(c["sub"], kUser);
  EXPECT_EQ(c["refresh_token_id"], kSession);
}

TEST_F(TokensTest, EmailVerifiedNeedsAnEmail) {
  TokenUser u{.id = kUser, .primary_email_verified = true};
  Json c =
      decode_part(split(service_.issue("internal", u, "main", kSession, ApiShape::kSdk)).payload);
  EXPECT_EQ(c["email"], nullptr);
  EXPECT_EQ(c["email_verified"], false);
}

TEST_F(TokensTest, IssueWithoutSessionOmitsRefreshTokenId) {
  Json claims = decode_part(
      split(service_.issue("internal", kTokenUser, "main", std::nullopt, ApiShape::kSdk)).payload);
  EXPECT_FALSE(claims.contains("refreshTokenId"));
  EXPECT_FALSE(claims.contains("refresh_token_id"));
  std::vector<std::string> keys;
  for (auto& [k, v] : claims.items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"aud", "branchId", "branch_id", "email", "email_verified",
                                      "exp", "iat", "is_anonymous", "is_restricted", "iss", "name",
                                      "project_id", "requires_totp_mfa", "restricted_reason",
                                      "role", "selected_team_id", "signed_up_at", "sub"}));
}

TEST_F(TokensTest, ReferenceShapeHasOnlyJuly2025Claims) {
  // Plain REST clients (no client-version header) get Stack's claims of
  // a5734defb only, as tokens.md §1.2 lists them.
  Json claims = decode_part(
      split(service_.issue("internal", kTokenUser, "main", kSession, ApiShape::kReference))
          .payload);
  std::vector<std::string> keys;
  for (auto& [k, v] : claims.items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"aud", "branchId", "exp", "iat", "iss",
                                            "refreshTokenId", "role", "sub"}));
}

TEST_F(TokensTest, RoundTrip) {
  std::string token = service_.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk);
  auto result = service_.verify(token);
  ASSERT_TRUE(std::holds_alternative<AccessTokenClaims>(result));
  const auto& c = std::get<AccessTokenClaims>(result);
  EXPECT_EQ(c.sub, kUser);
  EXPECT_EQ(c.branch_id, "main");
  EXPECT_EQ(c.refresh_token_id, std::optional<std::string>(kSession));
  EXPECT_EQ(c.aud, "internal");
  EXPECT_EQ(c.iat, kNowMillis / 1000);
  EXPECT_EQ(c.exp, kNowMillis / 1000 + 600);
}

TEST_F(TokensTest, RoundTripPerProjectAndWithoutSession) {
  const std::string project = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
  std::string token = service_.issue(project, kTokenUser, "main", std::nullopt, ApiShape::kSdk);
  EXPECT_EQ(decode_part(split(token).header)["kid"], derive_key(kDevSecret, project).kid);
  EXPECT_EQ(decode_part(split(token).payload)["iss"],
            "http://localhost:8102/api/v1/projects/" + project);
  auto result = service_.verify(token);
  ASSERT_TRUE(std::holds_alternative<AccessTokenClaims>(result));
  EXPECT_EQ(std::get<AccessTokenClaims>(result).aud, project);
  EXPECT_FALSE(std::get<AccessTokenClaims>(result).refresh_token_id);
}

TEST_F(TokensTest, FreshServiceVerifiesWithoutPriorIssue) {
  std::string token = service_.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk);
  TokenService other(kDevSecret, kPublicUrl, 600, clock_);  // empty key cache
  EXPECT_TRUE(std::holds_alternative<AccessTokenClaims>(other.verify(token)));
}

TEST_F(TokensTest, ExpiresAtExpNoTolerance) {
  std::string token = service_.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk);
  int64_t exp = kNowMillis / 1000 + 600;
  clock_.set(exp * 1000 - 1);
  EXPECT_TRUE(std::holds_alternative<AccessTokenClaims>(service_.verify(token)));
  clock_.set(exp * 1000);
  auto result = service_.verify(token);
  ASSERT_TRUE(std::holds_alternative<TokenError>(result));
  EXPECT_EQ(std::get<TokenError>(result).failure, TokenFailure::kExpired);
  EXPECT_EQ(std::get<TokenError>(result).expired_at_millis, exp * 1000);
  clock_.advance_seconds(86400);
  EXPECT_EQ(std::get<TokenError>(service_.verify(token)).expired_at_millis, exp * 1000);
}

TEST_F(TokensTest, LifetimeIsConfigurable) {
  TokenService short_lived(kDevSecret, kPublicUrl, 30, clock_);
  EXPECT_EQ(short_lived.lifetime_seconds(), 30);
  Json claims = decode_part(
      split(short_lived.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk)).payload);
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 30);
}

TEST_F(TokensTest, TamperedPayloadIsUnparsable) {
  std::string token = service_.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk);
  Parts p = split(token);
  Json claims = decode_part(p.payload);
  claims["sub"] = "00000000-0000-4000-8000-000000000000";
  EXPECT_TRUE(is_unparsable(
      service_.verify(p.header + "." + base64url_encode(claims.dump()) + "." + p.signature)));
  claims = decode_part(p.payload);
  claims["exp"] = claims["exp"].get<int64_t>() + 3600;
  EXPECT_TRUE(is_unparsable(
      service_.verify(p.header + "." + base64url_encode(claims.dump()) + "." + p.signature)));
}

TEST_F(TokensTest, TamperedSignatureIsUnparsable) {
  std::string token = service_.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk);
  Parts p = split(token);
  std::string sig = *base64url_decode(p.signature);
  for (size_t i : {size_t(0), size_t(31), size_t(32), size_t(63)}) {
    std::string bad = sig;
    bad[i] = char(bad[i] ^ 0x01);
    EXPECT_TRUE(
        is_unparsable(service_.verify(p.header + "." + p.payload + "." + base64url_encode(bad))))
        << i;
  }
  // Non-canonical last character (filler bits set) and wrong lengths.
  std::string alt = p.signature;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  alt.back() = alphabet[(alphabet.find(alt.back()) & ~15) | 1];
  EXPECT_TRUE(is_unparsable(service_.verify(p.header + "." + p.payload + "." + alt)));
  EXPECT_TRUE(
      is_unparsable(service_.verify(p.header + "." + p.payload + "." + p.signature + "==")));
  EXPECT_TRUE(is_unparsable(service_.verify(p.header + "." + p.payload + ".")));
  EXPECT_TRUE(
      is_unparsable(service_.verify(p.header + "." + p.payload + "." + p.signature.substr(0, 85))));
  EXPECT_TRUE(is_unparsable(
      service_.verify(p.header + "." + p.payload + "." + base64url_encode(std::string(64, '\0')))));
}

TEST_F(TokensTest, ExpiredTokenWithBadSignatureIsUnparsable) {
  std::string token = service_.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk);
  Parts p = split(token);
  std::string sig = *base64url_decode(p.signature);
  sig[10] = char(sig[10] ^ 0x80);
  clock_.advance_seconds(3600);
  EXPECT_TRUE(
      is_unparsable(service_.verify(p.header + "." + p.payload + "." + base64url_encode(sig))));
  EXPECT_EQ(std::get<TokenError>(service_.verify(token)).failure, TokenFailure::kExpired);
}

TEST_F(TokensTest, WrongIssuerIsUnparsableEvenWhenExpired) {
  TokenService elsewhere(kDevSecret, "https://api.example.com", 600, clock_);
  std::string token = elsewhere.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk);
  EXPECT_TRUE(std::holds_alternative<AccessTokenClaims>(elsewhere.verify(token)));
  EXPECT_TRUE(is_unparsable(service_.verify(token)));
  clock_.advance_seconds(3600);
  EXPECT_TRUE(is_unparsable(service_.verify(token)));
  EXPECT_EQ(std::get<TokenError>(elsewhere.verify(token)).failure, TokenFailure::kExpired);
}

TEST_F(TokensTest, OldGlobalIssuerIsUnparsable) {
  Json payload = valid_payload();
  payload["iss"] = "https://access-token.jwt-signature.stack-auth.com";
  EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(), payload, "internal"))));
  payload.erase("iss");
  EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(), payload, "internal"))));
}

TEST_F(TokensTest, OtherSecretIsUnparsable) {
  TokenService foreign("b3RoZXItc2VjcmV0LW5vdC10aGUtZGV2LW9uZQ", kPublicUrl, 600, clock_);
  std::string token = foreign.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk);
  EXPECT_TRUE(is_unparsable(service_.verify(token)));
  // Same kid header as ours, but signed with the foreign key.
  Parts p = split(token);
  Parts ours = split(service_.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk));
  EXPECT_TRUE(is_unparsable(service_.verify(ours.header + "." + p.payload + "." + p.signature)));
}

TEST_F(TokensTest, ForgedHelperProducesAcceptedTokens) {
  // Sanity check of the test signer, so the negative cases below fail for
  // the reason they name.
  auto result = service_.verify(forge(valid_header(), valid_payload(), "internal"));
  ASSERT_TRUE(std::holds_alternative<AccessTokenClaims>(result));
  // Header member order and extra members do not matter; a missing kid is fine.
  EXPECT_TRUE(std::holds_alternative<AccessTokenClaims>(
      service_.verify(forge(Json{{"typ", "JWT"}, {"kid", "M5zZLA6iQw2n"}, {"alg", "ES256"}},
                            valid_payload(), "internal"))));
  EXPECT_TRUE(std::holds_alternative<AccessTokenClaims>(
      service_.verify(forge(Json{{"alg", "ES256"}}, valid_payload(), "internal"))));
  TokenService fresh(kDevSecret, kPublicUrl, 600, clock_);
  EXPECT_TRUE(std::holds_alternative<AccessTokenClaims>(
      fresh.verify(forge(Json{{"alg", "ES256"}}, valid_payload(), "internal"))));
}

TEST_F(TokensTest, AudienceMustBeOneString) {
  Json payload = valid_payload();
  payload["aud"] = Json::array({"internal"});
  EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(), payload, "internal"))));
  payload.erase("aud");
  EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(), payload, "internal"))));
  payload["aud"] = 42;
  EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(), payload, "internal"))));
}

TEST_F(TokensTest, KidAudienceIsUnparsable) {
  Json payload = valid_payload();
  payload["aud"] = "kid";
  payload["iss"] = service_.issuer("kid");
  EXPECT_TRUE(is_unparsable(service_.verify(forge(Json{{"alg", "ES256"}}, payload, "internal"))));
}

TEST_F(TokensTest, TokenForOtherAudienceKeyIsUnparsable) {
  // Claims say project A, signed with project B's key.
  const std::string a = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
  EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(a), valid_payload(a), "internal"))));
  EXPECT_TRUE(
      is_unparsable(service_.verify(forge(Json{{"alg", "ES256"}}, valid_payload(a), "internal"))));
}

TEST_F(TokensTest, WrongAlgorithmOrKidIsUnparsable) {
  Json payload = valid_payload();
  for (Json header :
       {Json{{"alg", "none"}, {"kid", "M5zZLA6iQw2n"}},
        Json{{"alg", "HS256"}, {"kid", "M5zZLA6iQw2n"}},
        Json{{"alg", "ES384"}, {"kid", "M5zZLA6iQw2n"}},
        Json{{"alg", "es256"}, {"kid", "M5zZLA6iQw2n"}}, Json{{"kid", "M5zZLA6iQw2n"}},
        Json{{"alg", "ES256"}, {"kid", "AAAAAAAAAAAA"}}, Json{{"alg", "ES256"}, {"kid", 12}},
        Json{{"alg", "ES256"}, {"kid", "M5zZLA6iQw2n"}, {"crit", {"exp"}}}}) {
    EXPECT_TRUE(is_unparsable(service_.verify(forge(header, payload, "internal")))) << header;
    TokenService fresh(kDevSecret, kPublicUrl, 600, clock_);
    EXPECT_TRUE(is_unparsable(fresh.verify(forge(header, payload, "internal")))) << header;
  }
  // alg "none" with an empty signature, as an attacker would send it.
  std::string none =
      base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(payload.dump()) + ".";
  EXPECT_TRUE(is_unparsable(service_.verify(none)));
}

TEST_F(TokensTest, MissingRequiredClaimsAreUnparsable) {
  for (const char* claim : {"sub", "branchId", "exp"}) {
    Json payload = valid_payload();
    payload.erase(claim);
    EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(), payload, "internal"))))
        << claim;
    payload[claim] = Json::array();
    EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(), payload, "internal"))))
        << claim;
  }
  Json payload = valid_payload();
  payload["exp"] = std::to_string(clock_.now_seconds() + 600);
  EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(), payload, "internal"))));
  payload = valid_payload();
  payload["refreshTokenId"] = 7;
  EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(), payload, "internal"))));
  // Payload that is not an object.
  EXPECT_TRUE(is_unparsable(service_.verify(forge(valid_header(), Json::array(), "internal"))));
}

TEST_F(TokensTest, GarbageIsUnparsable) {
  std::string token = service_.issue("internal", kTokenUser, "main", kSession, ApiShape::kSdk);
  Parts p = split(token);
  for (std::string garbage :
       {std::string(""),
        std::string("."),
        std::string(".."),
        std::string("..."),
        std::string("abc"),
        std::string("a.b"),
        std::string("a.b.c"),
        std::string("a.b.c.d"),
        std::string("Bearer ") + token,
        token + ".",
        token + "x",
        "." + token,
        p.header + "." + p.payload,
        p.header + ".." + p.signature,
        "!!!." + p.payload + "." + p.signature,
        p.header + ".!!!." + p.signature,
        base64url_encode("not json") + "." + p.payload + "." + p.signature,
        p.header + "." + base64url_encode("{\"aud\":\"internal\"") + "." + p.signature,
        p.header + "." + base64url_encode("null") + "." + p.signature,
        std::string(5000, 'A') + "." + std::string(5000, 'B') + "." + std::string(86, 'C')}) {
    EXPECT_TRUE(is_unparsable(service_.verify(garbage))) << garbage;
  }
}

TEST_F(TokensTest, ConcurrentVerificationAcrossProjects) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 8; ++i) {
    tokens.push_back(service_.issue("project-" + std::to_string(i), kTokenUser, "main", kSession,
                                    ApiShape::kSdk));
  }
  TokenService cold(kDevSecret, kPublicUrl, 600, clock_);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (std::holds_alternative<AccessTokenClaims>(cold.verify(tokens[(t + i) % 8]))) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 8 * 25);
}

// --- Time spans (§1.3) ---

TEST(TimeSpan, ParsesJoseFormat) {
  EXPECT_EQ(parse_time_span_seconds("60s"), 60);
  EXPECT_EQ(parse_time_span_seconds("30s"), 30);
  EXPECT_EQ(parse_time_span_seconds("10min"), 600);
  EXPECT_EQ(parse_time_span_seconds("10 min"), 600);
  EXPECT_EQ(parse_time_span_seconds("1h"), 3600);
  EXPECT_EQ(parse_time_span_seconds("1.5h"), 5400);
  EXPECT_EQ(parse_time_span_seconds("2 days"), 172800);
  EXPECT_EQ(parse_time_span_seconds("1w"), 604800);
  EXPECT_EQ(parse_time_span_seconds("2 weeks"), 1209600);
  EXPECT_EQ(parse_time_span_seconds("1y"), 31557600);
  EXPECT_EQ(parse_time_span_seconds("1 yr"), 31557600);
  EXPECT_EQ(parse_time_span_seconds("0.5 years"), 15778800);
  EXPECT_EQ(parse_time_span_seconds("3 SECONDS"), 3);
  EXPECT_EQ(parse_time_span_seconds("5Mins"), 300);
  EXPECT_EQ(parse_time_span_seconds("2 Hrs"), 7200);
  EXPECT_EQ(parse_time_span_seconds("1 hour"), 3600);
  EXPECT_EQ(parse_time_span_seconds("1 minute"), 60);
  EXPECT_EQ(parse_time_span_seconds("1sec"), 1);
  EXPECT_EQ(parse_time_span_seconds("2secs"), 2);
  EXPECT_EQ(parse_time_span_seconds("1 second"), 1);
  EXPECT_EQ(parse_time_span_seconds("3d"), 259200);
  EXPECT_EQ(parse_time_span_seconds("1 day"), 86400);
  EXPECT_EQ(parse_time_span_seconds("1 week"), 604800);
  EXPECT_EQ(parse_time_span_seconds("2yrs"), 63115200);
  EXPECT_EQ(parse_time_span_seconds("1 year"), 31557600);
  EXPECT_EQ(parse_time_span_seconds("0s"), 0);
  // Rounded like Math.round.
  EXPECT_EQ(parse_time_span_seconds("0.5s"), 1);
  EXPECT_EQ(parse_time_span_seconds("0.4s"), 0);
  EXPECT_EQ(parse_time_span_seconds("1.25 m"), 75);
  EXPECT_EQ(parse_time_span_seconds("0.001 d"), 86);
}

TEST(TimeSpan, RejectsMalformed) {
  for (const char* bad : {"",
                          "10",
                          "min",
                          "10  min",
                          " 10s",
                          "10s ",
                          "-5s",
                          "+5s",
                          "1.s",
                          ".5s",
                          "1e3s",
                          "10 mins ago",
                          "10 minutes from now",
                          "10 ms",
                          "10 months",
                          "1,5h",
                          "0x10s",
                          "10 secss",
                          "1..5h",
                          "99999999999999999999y"}) {
    EXPECT_FALSE(parse_time_span_seconds(bad)) << bad;
  }
}

}  // namespace
}  // namespace latchkey::core
