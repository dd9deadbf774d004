// The storage interface: one method per query the domain needs. SQLite and
// PostgreSQL implement it with the same behaviour; nothing above store/
// writes SQL or knows which engine runs.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
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

struct User {
  std::string id;
  std::string project_id;
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
  Json client_metadata;             // null when unset
  Json client_read_only_metadata;   // null when unset
  Json server_metadata;             // null when unset
  bool requires_totp_mfa = false;
  std::optional<std::string> totp_secret;  // raw bytes
  bool is_anonymous = false;
  int64_t created_at_millis = 0;
  int64_t last_active_at_millis = 0;
  std::optional<std::string> password_hash;
  // The primary e-mail contact channel, when there is one.
  std::optional<std::string> primary_email;
  bool primary_email_verified = false;
  bool primary_email_auth_enabled = false;
  bool otp_auth_enabled = false;
  std::optional<std::string> selected_team_id;
};

// A session is a refresh-token row; the token itself is stored as a digest.
struct Session {
  std::string id;
  std::string project_id;
  std::string user_id;
  std::string refresh_token_digest;
  int64_t created_at_millis = 0;
  std::optional<int64_t> expires_at_millis;  // nullopt = never
  bool is_impersonation = false;
  std::optional<int64_t> last_used_at_millis;
  std::optional<std::string> last_used_ip;
  std::optional<std::string> last_used_user_agent;
};

// Thrown by a store when the database cannot be reached or fails; the http
// layer answers 503.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual void migrate() = 0;

  // Server-wide settings (e.g. the generated server secret). Inserts `value`
  // unless the key exists; returns the stored value either way.
  virtual std::string get_or_insert_setting(const std::string& key, const std::string& value) = 0;

  // Projects
  virtual std::optional<Project> get_project(const std::string& id) = 0;
  virtual std::vector<Project> list_projects() = 0;
  virtual void insert_project(const Project& p) = 0;
  // Updates display_name, description, is_production_mode and config.
  virtual bool update_project(const Project& p) = 0;
  // Deletes the project and everything in it; removes the id from every
  // internal user's server_metadata.managedProjectIds.
  virtual bool delete_project(const std::string& id) = 0;

  // Project key sets
  virtual void upsert_api_key_set(const ApiKeySet& set) = 0;
  virtual std::vector<ApiKeySet> list_api_key_sets(const std::string& project_id) = 0;
  virtual std::optional<ApiKeySet> get_api_key_set(const std::string& project_id,
                                                   const std::string& id) = 0;
  // True when a set of this project holds a key of this kind with this digest
  // that is neither revoked nor expired at now.
  virtual bool is_valid_key(const std::string& project_id, KeyKind kind, const std::string& digest,
                            int64_t now_millis) = 0;

  // Users
  virtual std::optional<User> get_user(const std::string& project_id, const std::string& id) = 0;
  // Replaces the user's server_metadata.
  virtual void set_user_server_metadata(const std::string& project_id, const std::string& id,
                                        const Json& server_metadata) = 0;
};

// Opens the store named by `database`: a file path (SQLite), or a
// postgres:// URL (not supported yet: throws std::runtime_error).
std::unique_ptr<Store> open_store(const std::string& database);

}  // namespace latchkey::store
