// Password reset by e-mail (auth-endpoints.md §1.3–§1.5).
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "core/email_codes.hpp"
#include "core/users.hpp"

namespace latchkey::core {

// How long after its look-up every send-reset-code request answers, known
// address or not, so that the answer's timing tells nothing; the e-mail is
// sent in the background meanwhile.
inline constexpr std::chrono::milliseconds kPasswordResetAnswerTime{1000};

// §1.3 after validation and the credential_enabled check: checks the
// callback URL and counts the e-mail (s.limits) whatever the address, then,
// when an account signs in with `email`, hands the reset e-mail to the
// mailer's background threads and waits for the send until `answer_at` at
// the latest. Returns whether there was an account. The caller answers
// both cases alike, at `answer_at`.
bool send_password_reset_code(const EmailServices& s, const store::Project& project,
                              const std::string& branch_id, const std::string& email,
                              const std::string& callback_url,
                              std::chrono::steady_clock::time_point answer_at);

// §1.4: uses the code (consumed first, §0.1), then credential_enabled and
// the minimum length (`password_length` in UTF-16 units, as the schema
// counts), then stores the new hash and deletes every session of the user in
// one transaction.
void reset_password(store::Store& store, const Clock& clock, const store::Project& project,
                    const std::string& branch_id, std::string_view code, std::string_view password,
                    size_t password_length, const PasswordHashFn& hash_password);

}  // namespace latchkey::core
