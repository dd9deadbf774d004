#include "core/cose.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <vector>

#include "core/cbor.hpp"

namespace latchkey::core::cose {
namespace {

// COSE_Key labels and values (RFC 9052 §7, RFC 9053).
constexpr int64_t kKty = 1, kAlg = 3;
constexpr int64_t kKtyOkp = 1, kKtyEc2 = 2, kKtyRsa = 3;
constexpr int64_t kCrv = -1, kX = -2, kY = -3;  // EC2 / OKP
constexpr int64_t kRsaN = -1, kRsaE = -2;
constexpr int64_t kCrvP256 = 1, kCrvEd25519 = 6;

constexpr size_t kMinRsaModulusBytes = 2048 / 8;
// Larger keys only cost verification time; no authenticator uses them.
constexpr size_t kMaxRsaModulusBytes = 8192 / 8;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
std::shared_ptr<EVP_PKEY> own(EVP_PKEY* p) {
  return p ? std::shared_ptr<EVP_PKEY>(p, PkeyFree()) : nullptr;
}

struct ParamBuilder {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::vector<BIGNUM*> bns;
  ~ParamBuilder() {
    for (BIGNUM* b : bns) BN_free(b);
    OSSL_PARAM_BLD_free(bld);
  }
  bool push_bn(const char* name, std::string_view bytes) {
    BIGNUM* b = BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()), nullptr);
    if (!b) return false;
    bns.push_back(b);
    return OSSL_PARAM_BLD_push_BN(bld, name, b) == 1;
  }
};

// Builds a public key of `type` ("EC", "RSA") from parameters, and checks
// it (for EC: that the point is on the curve).
std::shared_ptr<EVP_PKEY> from_params(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  if (!params) return nullptr;
  EVP_PKEY* raw = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &raw, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  auto key = own(raw);
  if (!ok || !key) {
    ERR_clear_error();
    return nullptr;
  }
  EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr);
  bool valid = check && EVP_PKEY_public_check(check) == 1;
  EVP_PKEY_CTX_free(check);
  if (!valid) ERR_clear_error();
  return valid ? key : nullptr;
}

std::shared_ptr<EVP_PKEY> ec2_key(const cbor_item_t* m) {
  auto crv = cbor::as_int(cbor::map_get(m, kCrv));
  auto x = cbor::as_bytes(cbor::map_get(m, kX));
  auto y = cbor::as_bytes(cbor::map_get(m, kY));
  if (crv != kCrvP256 || !x || !y || x->size() != 32 || y->size() != 32) return nullptr;
  std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed
  ParamBuilder b;
  if (!b.bld ||
      OSSL_PARAM_BLD_push_utf8_string(b.bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(b.bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    return nullptr;
  return from_params("EC", b.bld);
}

std::string strip_leading_zeros(std::string s) {
  size_t i = 0;
  while (i < s.size() && s[i] == '\0') ++i;
  return s.substr(i);
}

std::shared_ptr<EVP_PKEY> rsa_key(const cbor_item_t* m) {
  auto n = cbor::as_bytes(cbor::map_get(m, kRsaN));
  auto e = cbor::as_bytes(cbor::map_get(m, kRsaE));
  if (!n || !e) return nullptr;
  std::string modulus = strip_leading_zeros(*n), exponent = strip_leading_zeros(*e);
  if (modulus.size() < kMinRsaModulusBytes || modulus.size() > kMaxRsaModulusBytes) return nullptr;
  // An even or tiny exponent is no RSA public key; > 64 bits is never used.
  if (exponent.empty() || exponent.size() > 8 || (exponent.back() & 1) == 0 ||
      (exponent.size() == 1 && static_cast<unsigned char>(exponent[0]) < 3))
    return nullptr;
  ParamBuilder b;
  if (!b.bld || !b.push_bn(OSSL_PKEY_PARAM_RSA_N, modulus) ||
      !b.push_bn(OSSL_PKEY_PARAM_RSA_E, exponent))
    return nullptr;
  return from_params("RSA", b.bld);
}

std::shared_ptr<EVP_PKEY> okp_key(const cbor_item_t* m) {
  auto crv = cbor::as_int(cbor::map_get(m, kCrv));
  auto x = cbor::as_bytes(cbor::map_get(m, kX));
  if (crv != kCrvEd25519 || !x || x->size() != 32) return nullptr;
  auto key = own(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size()));
  if (!key) ERR_clear_error();
  return key;
}

}  // namespace

bool is_supported_algorithm(int alg) { return alg == kEs256 || alg == kEdDsa || alg == kRs256; }

std::optional<PublicKey> PublicKey::from_cose(const cbor_item_t* m) {
  if (!cbor::is_map(m)) return std::nullopt;
  auto kty = cbor::as_int(cbor::map_get(m, kKty));
  auto alg = cbor::as_int(cbor::map_get(m, kAlg));
  if (!kty || !alg) return std::nullopt;
  std::shared_ptr<EVP_PKEY> key;
  if (*alg == kEs256 && *kty == kKtyEc2)
    key = ec2_key(m);
  else if (*alg == kRs256 && *kty == kKtyRsa)
    key = rsa_key(m);
  else if (*alg == kEdDsa && *kty == kKtyOkp)
    key = okp_key(m);
  if (!key) return std::nullopt;
  return PublicKey(std::move(key), static_cast<int>(*alg));
}

std::optional<PublicKey> PublicKey::from_cose_bytes(std::string_view bytes) {
  auto item = cbor::decode_exactly(bytes);
  if (!item) return std::nullopt;
  return from_cose(item->get());
}

std::optional<PublicKey> PublicKey::from_certificate(std::string_view der, int alg) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!cert) {
    ERR_clear_error();
    return std::nullopt;
  }
  bool whole = p == reinterpret_cast<const unsigned char*>(der.data()) + der.size();
  auto key = own(X509_get_pubkey(cert));
  X509_free(cert);
  if (!whole || !key) return std::nullopt;
  bool fits = false;
  if (alg == kEs256 && EVP_PKEY_is_a(key.get(), "EC")) {
    char group[64] = {};
    size_t len = 0;
    fits = EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group,
                                          sizeof(group), &len) == 1 &&
           std::string_view(group, len) == "prime256v1";
  } else if (alg == kRs256 && EVP_PKEY_is_a(key.get(), "RSA")) {
    int bits = EVP_PKEY_get_bits(key.get());
    fits = bits >= 2048 && bits <= 8192;
  } else if (alg == kEdDsa) {
    fits = EVP_PKEY_is_a(key.get(), "ED25519");
  }
  if (!fits) return std::nullopt;
  return PublicKey(std::move(key), alg);
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  if (!md) return false;
  // Ed25519 hashes internally (one-shot, no digest); the others use SHA-256.
  const EVP_MD* digest = alg_ == kEdDsa ? nullptr : EVP_sha256();
  bool ok = EVP_DigestVerifyInit(md, nullptr, digest, nullptr, key_.get()) == 1 &&
            EVP_DigestVerify(
                md, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(md);
  // A refused signature leaves entries on this thread's error queue; they
  // must not surface in whatever OpenSSL call the thread makes next.
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace latchkey::core::cose
