// CLI login (auth-endpoints.md §8): a command-line tool starts an attempt
// and gets a polling code and a login code; a signed-in browser hands a
// refresh token to the attempt with the login code; the tool polls with the
// polling code until it receives that token, once.
//
// Both codes are stored as SHA-256 digests. The refresh token is stored
// sealed (libsodium's crypto_box_seal) to a public key whose secret half is
// derived from the polling code, so the database alone never yields it, and
// it is deleted when delivered.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core {

constexpr int64_t kCliDefaultExpiryMillis = 2 * 60 * 60 * 1000;  // 2 h
constexpr int64_t kCliMaxExpiryMillis = 24 * 60 * 60 * 1000;     // 24 h

// {polling_code, login_code, expires_at (ISO-8601)}.
Json start_cli_login(store::Store& store, const Clock& clock, const std::string& project_id,
                     int64_t expires_in_millis);

// Plain 400 "Invalid login code or the code has expired" unless an open
// attempt (not completed, not expired) has this login code; plain 400
// "Project ID mismatch; …" when it is another project's.
void complete_cli_login(store::Store& store, const Clock& clock, const std::string& project_id,
                        std::string_view login_code, std::string_view refresh_token);

struct CliPollResult {
  std::string status;                        // "waiting", "success", "expired", "used"
  std::optional<std::string> refresh_token;  // with "success" only
};
// INVALID_POLLING_CODE unless the project has an attempt with this code.
CliPollResult poll_cli_login(store::Store& store, const Clock& clock, const std::string& project_id,
                             std::string_view polling_code);

}  // namespace latchkey::core
