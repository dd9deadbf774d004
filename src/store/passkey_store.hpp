// Passkeys (WebAuthn credentials, auth-endpoints.md §5): at most one per user
// (data-model.md PasskeyAuthMethod), found at sign-in by credential ID.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace latchkey::store {

struct Passkey {
  std::string project_id;
  std::string user_id;
  std::string credential_id;  // base64url, as the client sends it
  std::string public_key;     // the COSE_Key bytes from the attestation
  // base64url of the WebAuthn user.id given at registration (the UTF-8 user
  // id); an assertion's userHandle must equal it.
  std::string user_handle;
  std::vector<std::string> transports;
  std::string device_type;  // "singleDevice" or "multiDevice"
  bool backed_up = false;
  int64_t counter = 0;  // the authenticator's signature counter
  int64_t created_at_millis = 0;
  std::optional<int64_t> last_used_at_millis;
};

enum class SavePasskeyStatus {
  kSaved,
  kUserNotFound,     // the user was deleted meanwhile
  kCredentialInUse,  // another user of the project has this credential ID
};

class PasskeyStore {
 public:
  virtual ~PasskeyStore() = default;

  // Stores the user's passkey, replacing the one they had (one per user),
  // in one transaction. Nothing is written unless the status is kSaved.
  virtual SavePasskeyStatus save_passkey(const Passkey& p) = 0;

  virtual std::optional<Passkey> find_passkey_by_credential_id(
      const std::string& project_id, const std::string& credential_id) = 0;

  // Records a sign-in: sets the counter to `new_counter` only if it still
  // is `expected_counter` (a concurrent assertion with the same counter
  // loses). False when nothing was updated (passkey gone or counter moved).
  virtual bool update_passkey_counter(const std::string& project_id, const std::string& user_id,
                                      const std::string& credential_id, int64_t expected_counter,
                                      int64_t new_counter, int64_t now_millis) = 0;

  // Deletes the user's passkey; false when there was none.
  virtual bool delete_user_passkey(const std::string& project_id, const std::string& user_id) = 0;
};

}  // namespace latchkey::store
