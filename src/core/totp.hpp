// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA-1):
// the second factor that POST /auth/mfa/sign-in checks (auth-endpoints.md §4).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace latchkey::core {

inline constexpr int64_t kTotpStepMillis = 30'000;
inline constexpr int kTotpDigits = 6;

// The HOTP value of `secret` (raw key bytes) at `counter`, zero-padded to
// `digits` (1–9) decimal digits.
std::string hotp(std::string_view secret, uint64_t counter, int digits = kTotpDigits);

// The RFC 6238 time step of `now_millis` (T0 = 0): floor(now / 30 s).
int64_t totp_step(int64_t now_millis);

// Whether `submitted` is exactly the code of `secret` for time step `step`
// (only that step: no window, auth-endpoints.md §4). Constant-time in the
// submitted value.
bool totp_matches(std::string_view secret, int64_t step, std::string_view submitted);

}  // namespace latchkey::core
