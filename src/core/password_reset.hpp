// Password reset by e-mail (auth-endpoints.md §1.3–§1.5).
#pragma once
#include <string>
#include <string_view>

#include "core/email_codes.hpp"
#include "core/users.hpp"

namespace latchkey::core {

// §1.3 after validation and the credential_enabled check: e-mails a reset
// link when an account signs in with `email` (after checking the callback
// URL). Returns false, having checked and sent nothing, for unknown
// addresses; the caller then delays its answer (2–3 s) so the two cases
// look alike.
bool send_password_reset_code(const EmailServices& s, const store::Project& project,
                              const std::string& branch_id, const std::string& email,
                              const std::string& callback_url);

// §1.4: uses the code (consumed first, §0.1), then credential_enabled and
// the minimum length (`password_length` in UTF-16 units, as the schema
// counts), then stores the new hash and deletes every session of the user in
// one transaction.
void reset_password(store::Store& store, const Clock& clock, const store::Project& project,
                    const std::string& branch_id, std::string_view code, std::string_view password,
                    size_t password_length, const PasswordHashFn& hash_password);

}  // namespace latchkey::core
