// COSE public keys (RFC 9053) as WebAuthn authenticators send them, turned
// into OpenSSL keys that verify signatures: ES256 (P-256 ECDSA, DER
// signatures), RS256 (RSASSA-PKCS1-v1_5 with SHA-256) and EdDSA (Ed25519).
#pragma once
#include <cbor.h>
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::core::cose {

inline constexpr int kEs256 = -7;
inline constexpr int kEdDsa = -8;
inline constexpr int kRs256 = -257;
bool is_supported_algorithm(int alg);

class PublicKey {
 public:
  // A COSE_Key map; nullopt for anything but a well-formed key of a
  // supported algorithm (EC2 on P-256 with ES256, RSA 2048–8192 bits with
  // RS256, OKP Ed25519 with EdDSA).
  static std::optional<PublicKey> from_cose(const cbor_item_t* cose_key);
  // The same, from the encoded bytes (exactly one CBOR item).
  static std::optional<PublicKey> from_cose_bytes(std::string_view bytes);
  // The subject key of a DER X.509 certificate, to be used with `alg`
  // (packed attestation with x5c); nullopt when the key does not fit `alg`.
  static std::optional<PublicKey> from_certificate(std::string_view der, int alg);

  int algorithm() const { return alg_; }
  // Whether `signature` is this key's signature over `message` under its
  // algorithm.
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  PublicKey(std::shared_ptr<EVP_PKEY> key, int alg) : key_(std::move(key)), alg_(alg) {}
  std::shared_ptr<EVP_PKEY> key_;
  int alg_;
};

}  // namespace latchkey::core::cose
