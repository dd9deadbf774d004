// Projects and their key sets.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace latchkey::store {

struct Project {
  std::string id;
  std::string display_name;
  std::string description;
  int64_t created_at_millis = 0;
  bool is_production_mode = false;
  Json config;  // the admin REST view of `config` (project-config.md §2)
  int64_t user_count = 0;
};

enum class KeyKind { kPublishableClient, kSecretServer, kSuperSecretAdmin };

// A project key set (/internal/api-keys). Keys are stored as SHA-256 digests
// plus their last four characters.
struct ApiKeySet {
  std::string id;
  std::string project_id;
  std::string description;
  int64_t created_at_millis = 0;
  int64_t expires_at_millis = 0;
  std::optional<int64_t> manually_revoked_at_millis;
  std::optional<std::string> publishable_client_key_digest, publishable_client_key_last_four;
  std::optional<std::string> secret_server_key_digest, secret_server_key_last_four;
  std::optional<std::string> super_secret_admin_key_digest, super_secret_admin_key_last_four;
};

class ProjectStore {
 public:
  virtual ~ProjectStore() = default;
  virtual std::optional<Project> get_project(const std::string& id) = 0;
  virtual std::vector<Project> list_projects() = 0;
  virtual void insert_project(const Project& p) = 0;
  // Updates display_name, description, is_production_mode and config.
  virtual bool update_project(const Project& p) = 0;
  // Deletes the project and everything in it; removes the id from every
  // internal user's server_metadata.managedProjectIds.
  virtual bool delete_project(const std::string& id) = 0;

  virtual void upsert_api_key_set(const ApiKeySet& set) = 0;
  virtual std::vector<ApiKeySet> list_api_key_sets(const std::string& project_id) = 0;
  virtual std::optional<ApiKeySet> get_api_key_set(const std::string& project_id,
                                                   const std::string& id) = 0;
  // The expiry of the unrevoked set of this project that holds a key of this
  // kind with this digest; nullopt when there is none. (The caller compares
  // the expiry with its clock, so the answer can be cached.)
  virtual std::optional<int64_t> valid_key_expiry(const std::string& project_id, KeyKind kind,
                                                  const std::string& digest) = 0;
};

}  // namespace latchkey::store
