// TOTP replay protection (beyond Stack Auth): the last time step whose code
// completed an MFA sign-in, per user, so that one code signs in only once.
#pragma once
#include <cstdint>
#include <string>

namespace latchkey::store {

class TotpStore {
 public:
  virtual ~TotpStore() = default;

  // Atomically records `step` as the user's last used TOTP step if it is
  // later than the one recorded; false when `step` was already used (or an
  // earlier step is offered after a later one) or the user does not exist.
  virtual bool claim_totp_step(const std::string& project_id, const std::string& user_id,
                               int64_t step) = 0;
};

}  // namespace latchkey::store
