// WebAuthn relying-party verification (W3C WebAuthn Level 2 §7.1, §7.2):
// registration ("none" and "packed" attestation) and authentication
// assertions, checked against an expected challenge, origin and RP ID.
// Pure functions: no store, no HTTP. Failures are values, not exceptions.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::core::webauthn {

// Why a response was refused (logged; the API answers one message per
// ceremony, as Stack Auth does).
enum class Failure {
  kNone,
  kMalformed,             // undecodable base64url, JSON, CBOR or authenticator data
  kCredentialType,        // credential.type is not "public-key"
  kCredentialId,          // id / rawId / attested credential ID disagree
  kClientDataType,        // not webauthn.create / webauthn.get
  kChallenge,             // not the challenge of this ceremony
  kOrigin,                // not the expected origin
  kRpIdHash,              // authenticator data is for another RP ID
  kUserPresence,          // the UP flag is not set
  kBackupState,           // BS set without BE
  kMissingCredential,     // registration without attested credential data
  kUnsupportedKey,        // not an ES256, RS256 or EdDSA COSE key
  kAttestationFormat,     // neither "none" nor "packed"
  kAttestationStatement,  // attStmt does not fit its format
  kAttestationSignature,  // the attestation signature does not verify
  kUserHandle,            // assertion's userHandle absent or not the credential's user
  kSignature,             // the assertion signature does not verify
  kCounter,               // the signature counter did not increase (cloned authenticator?)
};
std::string_view failure_name(Failure f);

template <typename T>
struct Outcome {
  std::optional<T> value;
  Failure failure = Failure::kNone;
  static Outcome fail(Failure f) { return {std::nullopt, f}; }
  bool ok() const { return value.has_value(); }
};

// What the relying party expects of this ceremony.
struct Expectations {
  std::string challenge;  // base64url, as sent in the options
  std::string origin;     // exact clientDataJSON.origin
  std::string rp_id;      // its SHA-256 must be authenticatorData's rpIdHash
  // Assertions: compare the response's userHandle with the stored one. Off
  // only to replay recorded responses (the fixed test challenge): the
  // handle is not signed, and the credential ID already names the passkey.
  bool check_user_handle = true;
};

// RegistrationResponseJSON, binary members still base64url.
struct RegistrationResponse {
  std::string id;
  std::string raw_id;
  std::string type;
  std::string client_data_json;
  std::string attestation_object;
  std::vector<std::string> transports;
};

struct Registration {
  std::string credential_id;    // base64url
  std::string cose_public_key;  // COSE_Key bytes, as attested
  int algorithm = 0;
  uint32_t counter = 0;
  bool user_verified = false;
  bool backup_eligible = false;  // "multiDevice" credential
  bool backed_up = false;
  std::string attestation_format;  // "none" or "packed"
};

Outcome<Registration> verify_registration(const RegistrationResponse& response,
                                          const Expectations& expected);

// AuthenticationResponseJSON, binary members still base64url.
struct AuthenticationResponse {
  std::string id;
  std::string raw_id;
  std::string type;
  std::string client_data_json;
  std::string authenticator_data;
  std::string signature;
  std::optional<std::string> user_handle;
};

// What the relying party stored at registration.
struct StoredCredential {
  std::string credential_id;  // base64url
  std::string cose_public_key;
  int64_t counter = 0;
  std::string user_handle;  // base64url of the WebAuthn user.id
};

struct Assertion {
  uint32_t new_counter = 0;
  bool user_verified = false;
  bool backed_up = false;
};

Outcome<Assertion> verify_authentication(const AuthenticationResponse& response,
                                         const Expectations& expected,
                                         const StoredCredential& credential);

// The `origin` member of a base64url clientDataJSON (needed to choose the
// expected origin before verifying); nullopt when it cannot be read.
std::optional<std::string> client_data_origin(std::string_view client_data_json_b64url);

}  // namespace latchkey::core::webauthn
