#include "cli/project_rate_limits_command.hpp"

#include <iostream>

#include "core/errors.hpp"
#include "core/project_rate_limits.hpp"
#include "core/projects.hpp"

namespace latchkey {

void ProjectRateLimitsCommand::add_to(CLI::App& project_cmd, std::string& database) {
  std::string names;
  for (core::Limit l : core::kAllLimits)
    if (core::limit_per_project(l))
      names += std::string(names.empty() ? "" : ", ") + core::limit_name(l);
  cmd_ = project_cmd.add_subcommand(
      "rate-limits", "Show or set a project's own throttles, which replace the serve flags for it");
  cmd_->add_option("id", project_, "Project id")->required();
  cmd_->add_option("changes", changes_,
                   "NAME=COUNT/WINDOW (e.g. sign_ups_per_ip=100/1h) or NAME=default; NAME one "
                   "of " +
                       names);
  cmd_->add_option("--database", database, "SQLite file path or postgres:// URL");
}

int ProjectRateLimitsCommand::run(App& app) const {
  auto project = core::find_project(*app.store, project_);
  if (!project) {
    std::cerr << "latchkey: no project with id " << project_ << std::endl;
    return 1;
  }
  core::ProjectRateLimitChanges changes;
  for (const auto& change : changes_) {
    auto eq = change.find('=');
    auto limit = core::limit_named(change.substr(0, eq));
    if (eq == std::string::npos || !limit || !core::limit_per_project(*limit)) {
      std::cerr << "latchkey: '" << change << "' is not NAME=VALUE with a limit a project may set"
                << std::endl;
      return 1;
    }
    const std::string value = change.substr(eq + 1);
    if (value == "default") {
      changes.emplace_back(*limit, std::nullopt);
    } else if (auto parsed = core::parse_project_rate_limit(value)) {
      changes.emplace_back(*limit, *parsed);
    } else {
      std::cerr << "latchkey: " << core::limit_name(*limit) << " "
                << core::project_rate_limit_rule() << std::endl;
      return 1;
    }
  }
  try {
    if (!changes.empty())
      *project = core::update_project_rate_limits(*app.store, *project, changes);
  } catch (const core::KnownError& e) {
    std::cerr << "latchkey: " << e.message() << std::endl;
    return 1;
  }
  for (core::Limit l : core::kAllLimits) {
    if (!core::limit_per_project(l)) continue;
    auto own = core::project_rate_limit(project->config, l);
    std::cout << core::limit_name(l) << "  "
              << (own ? core::format_window_limit(*own)
                      : "server default (latchkey serve " + core::limit_flag(l) + ")")
              << "\n";
  }
  std::cout.flush();
  return 0;
}

}  // namespace latchkey
