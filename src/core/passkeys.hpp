// Passkey registration and sign-in (auth-endpoints.md §5): challenge codes,
// the origin / RP ID rule of the project's trusted domains, WebAuthn
// verification (core/webauthn) and the one passkey each user may have.
#pragma once
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/webauthn.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// The options handed to navigator.credentials.create()/get() (rp.id / rpId
// is a placeholder the client replaces with its hostname) and the challenge
// code to send back.
struct PasskeyChallenge {
  Json options_json;
  std::string code;
};

enum class PasskeyCeremony { kRegistration, kAuthentication };

// §5.2 origin rule, from clientDataJSON.origin: host `localhost` needs
// allow_localhost (RP ID "localhost"); any other origin must equal one of the
// project's domains[].domain exactly (RP ID = its host).
struct PasskeyOrigin {
  enum class Status { kAllowed, kLocalhostNotAllowed, kNotAllowed } status;
  std::string rp_id;
};
PasskeyOrigin check_passkey_origin(const Json& project_config, std::string_view origin);

// PASSKEY_AUTHENTICATION_NOT_ENABLED unless the project has passkey_enabled.
void require_passkey_enabled(const store::Project& project);

// What challenges are: random, or the fixed "MOCK" that Stack issues when
// STACK_ENABLE_HARDCODED_PASSKEY_CHALLENGE_FOR_TESTING is set, so that tests
// can replay recorded WebAuthn responses. Never in production: a fixed
// challenge makes every assertion replayable.
enum class PasskeyChallengeMode { kRandom, kHardcodedForTesting };
inline constexpr const char* kHardcodedPasskeyChallenge = "MOCK";

// §5.1 for a signed-in user.
PasskeyChallenge initiate_passkey_registration(
    store::Store& store, const Clock& clock, const store::Project& project,
    const std::string& branch_id, const store::User& user,
    PasskeyChallengeMode mode = PasskeyChallengeMode::kRandom);

// §5.2: uses the registration challenge code, verifies the attestation and
// stores it as the user's passkey (replacing any other). Returns the
// credential ID (base64url).
std::string register_passkey(store::Store& store, const Clock& clock, const store::Project& project,
                             const std::string& branch_id, const store::User& user,
                             std::string_view code,
                             const webauthn::RegistrationResponse& credential);

// §5.3.
PasskeyChallenge initiate_passkey_authentication(
    store::Store& store, const Clock& clock, const store::Project& project,
    const std::string& branch_id, PasskeyChallengeMode mode = PasskeyChallengeMode::kRandom);

// §5.4 steps up to the counter update: uses the authentication challenge
// code, finds the passkey, checks origin and assertion, records the new
// counter. Returns the user it signs in; the caller then runs sign_in (MFA
// check, session).
// With kHardcodedForTesting, the assertion's user handle is not compared
// (recorded responses carry the recording user's handle), as in Stack.
store::User authenticate_with_passkey(store::Store& store, const Clock& clock,
                                      const store::Project& project, const std::string& branch_id,
                                      std::string_view code,
                                      const webauthn::AuthenticationResponse& response,
                                      PasskeyChallengeMode mode = PasskeyChallengeMode::kRandom);

}  // namespace latchkey::core
