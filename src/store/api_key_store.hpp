// User and team API keys (projects.md §4b): keys an application issues to
// its users and teams, found by the SHA-256 digest of the whole key (the
// key itself is never stored), listed per owner, revoked once.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace latchkey::store {

struct OwnedApiKey {
  std::string project_id;
  std::string id;
  std::string description;
  std::string last_four;  // of the whole key, shown in place of the key
  bool is_public = false;
  // Exactly one is set.
  std::optional<std::string> user_id;
  std::optional<std::string> team_id;
  int64_t created_at_millis = 0;
  std::optional<int64_t> expires_at_millis;
  std::optional<int64_t> manually_revoked_at_millis;
};

enum class CreateApiKeyStatus {
  kCreated,
  kOwnerNotFound,  // no such user / team in the project (or deleted meanwhile)
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;

  virtual CreateApiKeyStatus create_api_key(const OwnedApiKey& key,
                                            const std::string& secret_digest) = 0;

  virtual std::optional<OwnedApiKey> get_api_key(const std::string& project_id,
                                                 const std::string& id) = 0;
  // One indexed read (the digest is unique across projects).
  virtual std::optional<OwnedApiKey> find_api_key_by_digest(const std::string& project_id,
                                                            const std::string& secret_digest) = 0;
  // The key with this digest in whatever project holds it (a leaked key
  // reported by a secret scanner, which does not know the project).
  virtual std::optional<OwnedApiKey> find_api_key_by_digest_in_any_project(
      const std::string& secret_digest) = 0;

  // An owner's keys, newest first (same millisecond: latest inserted first),
  // revoked and expired ones included.
  virtual std::vector<OwnedApiKey> list_user_api_keys(const std::string& project_id,
                                                      const std::string& user_id) = 0;
  virtual std::vector<OwnedApiKey> list_team_api_keys(const std::string& project_id,
                                                      const std::string& team_id) = 0;

  // Sets the description when given; with `revoke_at_millis`, revokes the
  // key unless it already is (the first revocation's time is kept). The
  // updated key, nullopt when there is none.
  virtual std::optional<OwnedApiKey> update_api_key(const std::string& project_id,
                                                    const std::string& id,
                                                    const std::optional<std::string>& description,
                                                    std::optional<int64_t> revoke_at_millis) = 0;
  // Revokes the key if it is not revoked yet: true only for the one call
  // that revoked it (concurrent reports of one leak notify once).
  virtual bool revoke_api_key(const std::string& project_id, const std::string& id,
                              int64_t now_millis) = 0;
};

}  // namespace latchkey::store
