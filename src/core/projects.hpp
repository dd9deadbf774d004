// Project and key-set operations shared by the CLI, the seed of the internal
// project and the HTTP API.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core {

struct NewProject {
  std::optional<std::string> id;  // generated UUID when unset
  std::string display_name;
  std::string description;
  bool is_production_mode = false;
  Json config = Json::object();  // overrides merged over default_project_config()
};
store::Project create_project(store::Store& store, const Clock& clock, const NewProject& p);
// A project created by a dashboard user of the internal project, recorded
// as theirs (server_metadata.managedProjectIds, projects.md §3.3).
store::Project create_managed_project(store::Store& store, const Clock& clock,
                                      const store::User& owner, const NewProject& p);
// The ids in a dashboard user's server_metadata.managedProjectIds.
std::vector<std::string> managed_project_ids(const store::User& owner);
std::optional<store::Project> find_project(store::Store& store, const std::string& id);
// Writes `p` and returns it as stored; PROJECT_NOT_FOUND when it is gone.
store::Project update_project(store::Store& store, const store::Project& p);
void delete_project(store::Store& store, const std::string& id);

// The admin shape (projects.md §2.2).
Json project_admin_view(const store::Project& p);
// The client shape (projects.md §2.1).
Json project_client_view(const store::Project& p);

struct NewKeySet {
  std::optional<std::string> id;
  std::string description;
  int64_t expires_at_millis = 0;
  // A key given here is stored as is (the internal project's seed keys);
  // otherwise a requested key is generated.
  bool has_publishable_client_key = false, has_secret_server_key = false,
       has_super_secret_admin_key = false;
  std::optional<std::string> publishable_client_key, secret_server_key, super_secret_admin_key;
};
struct CreatedKeySet {
  store::ApiKeySet set;
  std::optional<std::string> publishable_client_key, secret_server_key, super_secret_admin_key;
};
CreatedKeySet create_key_set(store::Store& store, const Clock& clock, const std::string& project_id,
                             const NewKeySet& k);
std::vector<store::ApiKeySet> list_key_sets(store::Store& store, const std::string& project_id);
std::optional<store::ApiKeySet> find_key_set(store::Store& store, const std::string& project_id,
                                             const std::string& id);
// A changed description, or a revocation (at most once: the first time stays).
store::ApiKeySet update_key_set(store::Store& store, const Clock& clock, store::ApiKeySet set,
                                const std::optional<std::string>& description, bool revoke);
// The create output (full keys) and the obfuscated shape (last four only).
Json key_set_created_view(const CreatedKeySet& k);
Json key_set_view(const store::ApiKeySet& k);

}  // namespace latchkey::core
