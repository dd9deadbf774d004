// CLI login attempts (auth-endpoints.md §8): a polling code and a login code,
// kept as SHA-256 digests; the refresh token a signed-in browser hands over
// is kept sealed to the attempt's public key until the CLI collects it once.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace latchkey::store {

struct CliLoginAttempt {
  std::string project_id;
  std::string id;
  std::string public_key;                           // raw bytes
  std::optional<std::string> sealed_refresh_token;  // raw bytes; gone once delivered
  std::optional<int64_t> completed_at_millis;
  std::optional<int64_t> used_at_millis;
  int64_t created_at_millis = 0;
  int64_t expires_at_millis = 0;
};

class CliLoginStore {
 public:
  virtual ~CliLoginStore() = default;

  // Stores a new attempt; also deletes attempts that expired more than a
  // day before `a.created_at_millis`, so the table does not grow without
  // bound. False when the project does not exist.
  virtual bool create_cli_attempt(const CliLoginAttempt& a, const std::string& polling_code_digest,
                                  const std::string& login_code_digest) = 0;

  virtual std::optional<CliLoginAttempt> find_cli_attempt_by_polling_code(
      const std::string& project_id, const std::string& polling_code_digest) = 0;
  // The attempt with this login code in any project, when it is not yet
  // completed and has not expired at `now_millis`.
  virtual std::optional<CliLoginAttempt> find_open_cli_attempt_by_login_code(
      const std::string& login_code_digest, int64_t now_millis) = 0;

  // Stores the sealed refresh token if the attempt is still open (not
  // completed, not expired); false otherwise (a second completion loses).
  virtual bool complete_cli_attempt(const std::string& project_id, const std::string& id,
                                    const std::string& sealed_refresh_token,
                                    int64_t now_millis) = 0;
  // Marks a completed, unused attempt used and removes its sealed token, in
  // one transaction; the sealed token, or nullopt when the attempt is not
  // completed or was already used (of two concurrent polls one gets it).
  virtual std::optional<std::string> claim_cli_attempt(const std::string& project_id,
                                                       const std::string& id,
                                                       int64_t now_millis) = 0;
};

}  // namespace latchkey::store
