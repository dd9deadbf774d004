// Completing a sign-in that demanded a second factor (auth-endpoints.md
// §0.3, §4): the MFA attempt code plus the user's current TOTP code.
#pragma once
#include <string>
#include <string_view>

#include "core/rate_limits.hpp"
#include "core/sessions.hpp"

namespace latchkey::core {

struct MfaSignIn {
  IssuedSession session;
  std::string user_id;
  bool is_new_user = false;  // carried over from the sign-in that asked for MFA
};

// §0.1 steps 1–7 for the one-time-password type (codes that are not MFA
// attempt codes, e.g. OTP sign-in codes, are "not found"); step 8: the TOTP
// of the current 30-second step only, and (beyond Stack Auth) never a step
// this user already signed in with — INVALID_TOTP_CODE otherwise, leaving
// the attempt code unused. Then the code is consumed and a session created.
// Wrong TOTP codes count per user in `limits` across attempt codes (a fresh
// attempt code buys no new guesses); while the user has too many, every
// TOTP code is refused with TOO_MANY_REQUESTS before it is checked.
MfaSignIn complete_mfa_sign_in(const SessionServices& s, RateLimits& limits, LimitScope project,
                               const std::string& branch_id, std::string_view attempt_code,
                               std::string_view totp, const ClientInfo& client);

}  // namespace latchkey::core
