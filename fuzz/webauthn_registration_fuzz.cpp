// WebAuthn registration (core/webauthn.hpp verify_registration) with the
// binary members as an authenticator makes them: fields (fuzz_support.hpp
// Fields) clientDataJSON, credential ID, then the attestation object; the
// target base64url-encodes them as the browser does.
#include <cstdint>

#include "core/crypto.hpp"
#include "core/webauthn.hpp"
#include "fuzz_support.hpp"

using namespace latchkey;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Fields in(data, size);
  core::webauthn::RegistrationResponse r;
  r.client_data_json = core::base64url_encode(in.next());
  r.id = r.raw_id = core::base64url_encode(in.next());
  r.attestation_object = core::base64url_encode(in.rest());
  r.type = "public-key";
  const core::webauthn::Expectations expected{std::string(fuzz::kChallenge),
                                              std::string(fuzz::kOrigin), std::string(fuzz::kRpId)};
  (void)core::webauthn::verify_registration(r, expected);
  (void)core::webauthn::client_data_origin(r.client_data_json);
  return 0;
}
