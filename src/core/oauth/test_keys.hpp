// Test-only helpers (included by *_test.cpp): throw-away signing keys, their
// public JWKs, and JWT signing with them.
#pragma once
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>
#include <string>

#include "core/crypto.hpp"
#include "core/json.hpp"

namespace latchkey::core::oauth::testing {

struct TestKey {
  EVP_PKEY* pkey = nullptr;
  explicit TestKey(EVP_PKEY* k) : pkey(k) {}
  TestKey(const TestKey&) = delete;
  ~TestKey() { EVP_PKEY_free(pkey); }

  static TestKey ec() { return TestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }
  static TestKey rsa() {
    return TestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  }

  std::string pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
  }

  static std::string bn_b64(EVP_PKEY* k, const char* name, int pad) {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(k, name, &bn);
    std::string raw(pad ? static_cast<size_t>(pad) : static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size()));
    BN_free(bn);
    return base64url_encode(raw);
  }

  Json jwk(const std::string& kid) const {
    if (EVP_PKEY_is_a(pkey, "EC"))
      return Json{{"kty", "EC"},
                  {"crv", "P-256"},
                  {"kid", kid},
                  {"use", "sig"},
                  {"x", bn_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32)},
                  {"y", bn_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32)}};
    return Json{{"kty", "RSA"},
                {"kid", kid},
                {"use", "sig"},
                {"alg", "RS256"},
                {"n", bn_b64(pkey, OSSL_PKEY_PARAM_RSA_N, 0)},
                {"e", bn_b64(pkey, OSSL_PKEY_PARAM_RSA_E, 0)}};
  }

  // RS256 compact JWS (ES256 goes through sign_es256_jwt).
  std::string rs256(const Json& header, const Json& claims) const {
    std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey);
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return input + "." + base64url_encode(sig);
  }
};

}  // namespace latchkey::core::oauth::testing
