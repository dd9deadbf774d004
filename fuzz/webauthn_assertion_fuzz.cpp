// WebAuthn authentication (core/webauthn.hpp verify_authentication) with the
// binary members as an authenticator makes them: fields (fuzz_support.hpp
// Fields) clientDataJSON, authenticatorData, signature, userHandle, then the
// stored credential's COSE key; base64url-encoded here as the browser does.
#include <cstdint>

#include "core/crypto.hpp"
#include "core/webauthn.hpp"
#include "fuzz_support.hpp"

using namespace latchkey;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Fields in(data, size);
  core::webauthn::AuthenticationResponse r;
  r.client_data_json = core::base64url_encode(in.next());
  r.authenticator_data = core::base64url_encode(in.next());
  r.signature = core::base64url_encode(in.next());
  r.user_handle = core::base64url_encode(in.next());
  r.id = r.raw_id = "ZnV6ei1jcmVkZW50aWFs";  // "fuzz-credential"
  r.type = "public-key";
  core::webauthn::StoredCredential stored;
  stored.credential_id = r.id;
  stored.cose_public_key = std::string(in.rest());
  stored.counter = 1;
  stored.user_handle = "ZnV6ei11c2Vy";  // "fuzz-user"
  const core::webauthn::Expectations expected{std::string(fuzz::kChallenge),
                                              std::string(fuzz::kOrigin), std::string(fuzz::kRpId)};
  (void)core::webauthn::verify_authentication(r, expected, stored);
  return 0;
}
