// OAuth ID tokens (core/oauth/jws.hpp): parse_jwt, find_jwk and
// verify_jwt_signature. The input is the token; after a newline, optionally
// the provider's JWK set (JSON) instead of the fixed one ("k1" EC, "r1" RSA).
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <cstdint>

#include "core/oauth/jws.hpp"
#include "core/oauth/test_keys.hpp"
#include "fuzz_support.hpp"

using namespace latchkey;

namespace {

Json jwk_of(std::string_view pem, const std::string& kid) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  core::oauth::testing::TestKey key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key.jwk(kid);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Json fixed{
      {"keys", Json::array({jwk_of(fuzz::kEcPem, "k1"), jwk_of(fuzz::kRsaPem, "r1")})}};
  auto [token, jwks_text] =
      fuzz::split_line(std::string_view(reinterpret_cast<const char*>(data), size));
  Json jwks = fixed;
  if (!jwks_text.empty()) {
    jwks = Json::parse(jwks_text, nullptr, false);
    if (jwks.is_discarded()) return 0;
  }
  auto jwt = core::oauth::parse_jwt(token);
  if (!jwt) return 0;
  if (const Json* jwk = core::oauth::find_jwk(jwks, *jwt))
    (void)core::oauth::verify_jwt_signature(*jwt, *jwk);
  return 0;
}
