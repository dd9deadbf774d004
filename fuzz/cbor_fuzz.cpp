// Bounded CBOR decoding (core/cbor.hpp) and COSE public keys
// (core/cose.hpp), as WebAuthn attestation objects and credential keys
// reach them; the input is also tried as an attestation certificate (DER).
#include <cstdint>

#include "core/cbor.hpp"
#include "core/cose.hpp"

using namespace latchkey::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)cbor::item_length(in);
  if (auto d = cbor::decode_prefix(in)) {
    const cbor_item_t* item = d->item.get();
    (void)cbor::as_int(item);
    (void)cbor::as_bytes(item);
    (void)cbor::as_text(item);
    for (int64_t key : {1, 3, -1, -2, -3}) (void)cbor::as_bytes(cbor::map_get(item, key));
    for (const char* key : {"fmt", "attStmt", "authData"}) (void)cbor::map_get(item, key);
  }
  if (auto key = cose::PublicKey::from_cose_bytes(in)) (void)key->verify("message", "signature");
  for (int alg : {cose::kEs256, cose::kRs256, cose::kEdDsa})
    (void)cose::PublicKey::from_certificate(in, alg);
  return 0;
}
