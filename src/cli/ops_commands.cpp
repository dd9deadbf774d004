#include "cli/ops_commands.hpp"

#include <iostream>
#include <string>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/user_transfer.hpp"
#include "store/backup.hpp"
#include "store/store.hpp"

namespace latchkey::cli {

OpsCommands::OpsCommands(CLI::App& cli, Config& config) : config_(config) {
  backup_cmd_ = cli.add_subcommand(
      "backup",
      "Copy a SQLite database, consistently, while the server keeps running (SQLite's online "
      "backup API); PostgreSQL: use pg_dump");
  backup_cmd_->add_option("--database", config.database, "SQLite file path")->capture_default_str();
  backup_cmd_->add_option("out", backup_out_, "The copy to create (an existing file is refused)")
      ->required();

  auto* users_cmd = cli.add_subcommand("users", "Move users in and out of a project");
  users_cmd->require_subcommand(1);
  export_cmd_ = users_cmd->add_subcommand(
      "export", "Write a project's users to stdout as JSON Lines (README, \"User export\")");
  export_cmd_->add_option("--project", project_id_, "Project id")->required();
  export_cmd_->add_option("--database", config.database, "SQLite file path or postgres:// URL");
  import_cmd_ = users_cmd->add_subcommand(
      "import",
      "Read JSON Lines users from stdin and create or update them in a project; prints what it "
      "skipped and why");
  import_cmd_->add_option("--project", project_id_, "Project id")->required();
  import_cmd_->add_option("--database", config.database, "SQLite file path or postgres:// URL");
}

std::optional<int> OpsCommands::run() {
  try {
    if (*backup_cmd_) return backup();
    if (*export_cmd_) return export_users();
    if (*import_cmd_) return import_users();
  } catch (const std::exception& e) {
    std::cerr << "latchkey: " << e.what() << std::endl;
    return 1;
  }
  return std::nullopt;
}

int OpsCommands::backup() {
  auto result = store::backup_database(config_.database, backup_out_);
  std::cout << "backed up " << config_.database << " to " << backup_out_ << " (" << result.pages
            << " pages, " << result.bytes << " bytes; integrity check ok)" << std::endl;
  return 0;
}

namespace {

// The database of `config`, migrated (as `migrate` would), without the rest
// of the server (no seeding, no hashing processes).
std::unique_ptr<store::Store> open_migrated(const Config& config) {
  auto s = store::open_store(config.database, config.store_options);
  s->migrate();
  return s;
}

void require_project(store::Store& s, const std::string& id) {
  if (!s.projects().get_project(id)) throw std::runtime_error("no project with id " + id);
}

}  // namespace

int OpsCommands::export_users() {
  auto s = open_migrated(config_);
  require_project(*s, project_id_);
  size_t n = core::export_users(*s, project_id_, [](const Json& user) {
    // One line a user; invalid UTF-8 (never stored by the API) replaced.
    std::cout << user.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
  });
  std::cout.flush();
  std::cerr << "exported " << n << " users of project " << project_id_ << std::endl;
  return std::cout ? 0 : 1;
}

int OpsCommands::import_users() {
  auto s = open_migrated(config_);
  require_project(*s, project_id_);
  core::SystemClock clock;
  size_t created = 0, updated = 0, skipped = 0, number = 0;
  std::string line;
  while (std::getline(std::cin, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json j = Json::parse(line, nullptr, false);
    core::ImportResult r;
    if (j.is_discarded()) {
      r.notes = {"not valid JSON"};
    } else {
      r = core::import_user(*s, clock, project_id_, j);
    }
    const std::string who = "line " + std::to_string(number) +
                            (r.user_id.empty() ? std::string() : " (user " + r.user_id + ")");
    switch (r.kind) {
      case core::ImportResult::Kind::kCreated:
        ++created;
        break;
      case core::ImportResult::Kind::kUpdated:
        ++updated;
        break;
      case core::ImportResult::Kind::kSkipped:
        ++skipped;
        std::cerr << "skipped " << who << ": " << r.notes.front() << std::endl;
        continue;
    }
    for (const auto& note : r.notes)
      std::cerr << "partly imported " << who << ": " << note << std::endl;
  }
  std::cout << Json{{"created", created}, {"updated", updated}, {"skipped", skipped}}.dump()
            << std::endl;
  return skipped ? 3 : 0;
}

}  // namespace latchkey::cli
