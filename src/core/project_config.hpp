// A project's configuration as the REST API shows it to admins
// (project-config.md §2–§3): defaults for new projects and the derived
// client view. Stored as this JSON document.
#pragma once
#include <string>

#include "core/json.hpp"

namespace latchkey::core {

// The config a project created with no overrides gets (project-config.md §3).
Json default_project_config();
// The client view (projects.md §2.1) of a stored config.
Json client_config_view(const Json& config);
// Sorts the lists the admin view keeps sorted (oauth_providers by id, domains
// by domain, permission lists by id) and derives enabled_oauth_providers.
void normalize_config(Json& config);
// teams.md §7.6: compare by upper-cased UTF-16 code units.
bool stack_id_less(const std::string& a, const std::string& b);

// The OAuth provider ids a project may configure.
const std::vector<std::string>& oauth_provider_ids();

}  // namespace latchkey::core
