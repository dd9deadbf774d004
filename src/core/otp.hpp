// OTP / magic-link sign-in (auth-endpoints.md §2): sending the code and
// resolving the e-mail of a used code to the user it signs in (or up).
#pragma once
#include <string>

#include "core/email_codes.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// §2.1 for a validated request: magic link enabled, the e-mail's account
// state (adding OTP sign-in to a verified account), the callback check, then
// the code and the e-mail. Returns the nonce (the code minus its OTP).
std::string send_sign_in_code(const EmailServices& s, const store::Project& project,
                              const std::string& branch_id, const std::string& email,
                              const std::string& callback_url, bool legacy_client);

struct OtpUser {
  store::User user;
  bool is_new_user = false;
};

// §2.2 after the code was used: the verified account that signs in with
// `email` (OTP sign-in added if missing), else a new user when sign-up is
// enabled. USER_EMAIL_ALREADY_EXISTS for an unverified account's address,
// SIGN_UP_NOT_ENABLED for a new address when sign-up is off.
OtpUser resolve_otp_user(store::Store& store, const Clock& clock, const store::Project& project,
                         const std::string& email);

// The e-mail a one-time-password code was sent to; nullopt for codes of the
// same type that are not sign-in codes (MFA attempt codes).
std::optional<std::string> otp_code_email(const store::VerificationCode& row);

}  // namespace latchkey::core
