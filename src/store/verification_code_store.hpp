// Verification codes (auth-endpoints.md §0.1): one-time codes of every kind
// (OTP, password reset, e-mail verification, MFA attempts, passkey
// challenges, team invitations), stored as SHA-256 digests only.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/json.hpp"

namespace latchkey::store {

struct VerificationCode {
  std::string id;
  std::string project_id;
  std::string branch_id;
  std::string type;         // e.g. "ONE_TIME_PASSWORD"
  std::string code_digest;  // sha256 hex of the whole (lower-case) code
  // sha256 hex of the code's last 39 characters: lets every code sharing a
  // nonce be counted without storing any part of it in plain text.
  std::string nonce_digest;
  std::optional<std::string> redirect_url;
  Json method;  // e.g. {"email": "…"}
  Json data;    // e.g. {"user_id": "…"}
  int64_t created_at_millis = 0;
  int64_t expires_at_millis = 0;
  std::optional<int64_t> used_at_millis;
  int64_t attempt_count = 0;
};

class VerificationCodeStore {
 public:
  virtual ~VerificationCodeStore() = default;

  // False (nothing written) when a code with the same digest already exists
  // in the project/branch (practically impossible: 45 random characters).
  virtual bool insert_code(const VerificationCode& code) = 0;

  // Steps 2–3 of the consumption order, in one transaction: reads the code
  // of `type` with `code_digest`, then (when `nonce_digest` is set) adds one
  // attempt to every code of the project/branch with that nonce digest, of
  // any type. The row is returned as read before the increment.
  virtual std::optional<VerificationCode> find_and_count_attempt(
      const std::string& project_id, const std::string& branch_id, const std::string& type,
      const std::string& code_digest, const std::optional<std::string>& nonce_digest) = 0;

  // Sets used_at unless it is already set; false when another request used
  // the code first (or it is gone).
  virtual bool mark_used(const std::string& project_id, const std::string& id,
                         int64_t now_millis) = 0;

  // Removes a code that was never handed out (its e-mail could not be sent).
  virtual void delete_code(const std::string& project_id, const std::string& id) = 0;
};

}  // namespace latchkey::store
