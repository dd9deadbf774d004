// Provider tokens must be given back in plain text (connected accounts,
// refresh at the provider), so they cannot be stored as digests; they are
// stored encrypted with AES-256-GCM under a key derived from the server
// secret, so a copy of the database alone does not leak them.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::core::oauth {

class TokenCipher {
 public:
  explicit TokenCipher(std::string_view server_secret);
  // "v1." + base64url(nonce || ciphertext || tag), bound to `context` (the
  // account the token belongs to), so a stored value cannot be moved to
  // another account's row.
  std::string seal(std::string_view plaintext, std::string_view context) const;
  // nullopt when the value was not sealed by this key for this context.
  std::optional<std::string> open(std::string_view sealed, std::string_view context) const;

 private:
  std::string key_;  // 32 bytes
};

}  // namespace latchkey::core::oauth
