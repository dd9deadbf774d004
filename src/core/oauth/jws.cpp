#include "core/oauth/jws.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <memory>

#include "core/crypto.hpp"

namespace latchkey::core::oauth {
namespace {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

std::optional<std::string> string_member(const Json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::string> b64_member(const Json& o, const char* key) {
  auto s = string_member(o, key);
  if (!s) return std::nullopt;
  return base64url_decode(*s);
}

PkeyPtr from_params(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return nullptr;
  return PkeyPtr(pkey);
}

PkeyPtr rsa_public_key(const Json& jwk) {
  auto n = b64_member(jwk, "n"), e = b64_member(jwk, "e");
  if (!n || !e || n->empty() || e->empty()) return nullptr;
  // Keys below 2048 bits are not accepted from anyone; above 8192 bits, or
  // with an exponent over 64 bits, no provider uses them and verification
  // time only grows (a JWK set is a provider's answer, not a key we chose):
  // the bounds of WebAuthn's RSA keys (core/cose.cpp).
  if (n->size() < 256 || n->size() > 1024 || e->size() > 8) return nullptr;
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), int(n->size()), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), int(e->size()), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
    return nullptr;
  return from_params("RSA", bld.get());
}

PkeyPtr ec_p256_public_key(const Json& jwk) {
  if (string_member(jwk, "crv") != "P-256") return nullptr;
  auto x = b64_member(jwk, "x"), y = b64_member(jwk, "y");
  if (!x || !y || x->size() != 32 || y->size() != 32) return nullptr;
  std::string point = "\x04" + *x + *y;
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size()))
    return nullptr;
  return from_params("EC", bld.get());
}

bool digest_verify(EVP_PKEY* pkey, const EVP_MD* md, std::string_view data, std::string_view sig) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

// JWS carries ECDSA signatures as r||s; OpenSSL wants DER.
std::optional<std::string> raw_to_der(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return std::nullopt;
  return der;
}

}  // namespace

std::optional<Jwt> parse_jwt(std::string_view token) {
  size_t a = token.find('.');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos)
    return std::nullopt;
  auto header = base64url_decode(token.substr(0, a));
  auto payload = base64url_decode(token.substr(a + 1, b - a - 1));
  auto signature = base64url_decode(token.substr(b + 1));
  if (!header || !payload || !signature) return std::nullopt;
  Jwt out;
  out.header = Json::parse(*header, nullptr, false);
  out.claims = Json::parse(*payload, nullptr, false);
  if (!out.header.is_object() || !out.claims.is_object()) return std::nullopt;
  out.signing_input = std::string(token.substr(0, b));
  out.signature = std::move(*signature);
  return out;
}

const Json* find_jwk(const Json& jwks, const Jwt& jwt) {
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) return nullptr;
  auto alg = string_member(jwt.header, "alg").value_or("");
  std::string kty = alg.rfind("RS", 0) == 0 ? "RSA" : alg.rfind("ES", 0) == 0 ? "EC" : "";
  auto kid = string_member(jwt.header, "kid");
  const Json* only = nullptr;
  int candidates = 0;
  for (const auto& k : jwks["keys"]) {
    if (!k.is_object() || string_member(k, "kty") != kty) continue;
    if (auto use = string_member(k, "use"); use && *use != "sig") continue;
    if (kid) {
      if (string_member(k, "kid") == *kid) return &k;
    } else {
      only = &k;
      ++candidates;
    }
  }
  return candidates == 1 ? only : nullptr;
}

bool verify_jwt_signature(const Jwt& jwt, const Json& jwk) {
  auto alg = string_member(jwt.header, "alg").value_or("");
  if (auto key_alg = string_member(jwk, "alg"); key_alg && *key_alg != alg) return false;
  if (alg == "RS256" || alg == "RS384" || alg == "RS512") {
    if (string_member(jwk, "kty") != "RSA") return false;
    PkeyPtr key = rsa_public_key(jwk);
    const EVP_MD* md = alg == "RS256" ? EVP_sha256() : alg == "RS384" ? EVP_sha384() : EVP_sha512();
    return key && digest_verify(key.get(), md, jwt.signing_input, jwt.signature);
  }
  if (alg == "ES256") {
    if (string_member(jwk, "kty") != "EC") return false;
    PkeyPtr key = ec_p256_public_key(jwk);
    auto der = raw_to_der(jwt.signature);
    return key && der && digest_verify(key.get(), EVP_sha256(), jwt.signing_input, *der);
  }
  return false;
}

std::string sign_es256_jwt(Json header, const Json& claims, std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw KeyError("out of memory");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw KeyError("the private key is not a PEM private key");
  char group[64] = {0};
  size_t group_len = 0;
  if (!EVP_PKEY_is_a(key.get(), "EC") ||
      EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &group_len) != 1 ||
      std::string_view(group, group_len) != "prime256v1")
    throw KeyError("the private key is not a P-256 (ES256) key");
  header["alg"] = "ES256";
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t der_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw KeyError("ES256 signing failed");
  std::string der(der_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw KeyError("ES256 signing failed");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  unsigned char raw[64];
  if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw + 32, 32) != 32)
    throw KeyError("ES256 signature encoding failed");
  return input + "." + base64url_encode(std::string_view(reinterpret_cast<char*>(raw), 64));
}

}  // namespace latchkey::core::oauth
