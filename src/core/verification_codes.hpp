// Verification codes (auth-endpoints.md §0.1): creation, and the consumption
// order every code-consuming endpoint follows (lookup by type, attempt
// counting per nonce, expiry, reuse, the 20-attempt limit). Generic over the
// code's type, method, data and redirect URL, so OTP sign-in, password reset,
// e-mail verification, MFA attempts, passkey challenges and team
// invitations all share it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core {

enum class CodeType {
  kOneTimePassword,  // OTP sign-in, MFA attempts, unsubscribe links
  kPasswordReset,
  kContactChannelVerification,
  kPasskeyRegistrationChallenge,
  kPasskeyAuthenticationChallenge,
  kTeamInvitation,
};
// The stored name, e.g. "ONE_TIME_PASSWORD".
std::string_view code_type_name(CodeType type);

inline constexpr size_t kCodeLength = 45;
inline constexpr size_t kOtpLength = 6;
inline constexpr size_t kNonceLength = kCodeLength - kOtpLength;  // 39
inline constexpr int64_t kMaxCodeAttempts = 20;
inline constexpr int64_t kDefaultCodeLifetimeMillis = 7LL * 24 * 3600 * 1000;
inline constexpr int64_t kMfaAttemptCodeLifetimeMillis = 5LL * 60 * 1000;
inline constexpr int64_t kPasskeyChallengeLifetimeMillis = 65LL * 1000;

struct NewCode {
  CodeType type = CodeType::kOneTimePassword;
  Json method = Json::object();
  Json data = Json::object();
  std::optional<std::string> redirect_url;
  int64_t lifetime_millis = kDefaultCodeLifetimeMillis;
};

struct IssuedCode {
  std::string code;  // 45 lower-case characters; shown once, stored as a digest
  store::VerificationCode row;
};

// The OTP shown in e-mails (first 6 characters, upper-cased) and the nonce
// returned by send-sign-in-code (the other 39).
std::string otp_of(std::string_view code);
std::string nonce_of(std::string_view code);

// Digests as stored: of the lower-cased code, and of its last 39 characters.
std::string code_digest(std::string_view lower_code);
std::string nonce_digest(std::string_view lower_code);

IssuedCode create_code(store::Store& store, const Clock& clock, const std::string& project_id,
                       const std::string& branch_id, const NewCode& n);

// Steps 4–7 of the consumption order, on the row as read before this
// attempt was counted.
enum class CodeCheck { kValid, kNotFound, kExpired, kAlreadyUsed, kMaxAttemptsReached };
CodeCheck evaluate_code(const std::optional<store::VerificationCode>& row, int64_t now_millis);
// VERIFICATION_CODE_NOT_FOUND / _EXPIRED / _ALREADY_USED / _MAX_ATTEMPTS_REACHED.
[[noreturn]] void throw_code_error(CodeCheck check);

// Steps 1–7: lower-cases `submitted`, looks it up with `type`, counts the
// attempt against every code sharing its nonce (only for 45-character
// submissions), then throws the first failing check. Nothing is consumed:
// the check-code variants answer {"is_code_valid": true} after this.
store::VerificationCode check_code(store::Store& store, const Clock& clock,
                                   const std::string& project_id, const std::string& branch_id,
                                   CodeType type, std::string_view submitted);

// Step 9 of the "use" variant, after any endpoint pre-validation (step 8,
// MFA's TOTP check): sets usedAt. Throws VERIFICATION_CODE_ALREADY_USED when
// a concurrent request used it first.
void mark_code_used(store::Store& store, const Clock& clock, const store::VerificationCode& row);

// check_code then mark_code_used: what every "use" endpoint without
// pre-validation calls before its own logic.
store::VerificationCode use_code(store::Store& store, const Clock& clock,
                                 const std::string& project_id, const std::string& branch_id,
                                 CodeType type, std::string_view submitted);

}  // namespace latchkey::core
