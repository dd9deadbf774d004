#include "cli/console_commands.hpp"

#include <iostream>

#include "core/console.hpp"
#include "core/errors.hpp"

namespace latchkey {

void ConsoleUserCommand::add_to(CLI::App& cli, std::string& database) {
  auto* group = cli.add_subcommand("console-user", "Manage the admin console's users");
  group->require_subcommand(1);
  create_ = group->add_subcommand(
      "create", "Create a user of the internal project who signs in to /console/");
  create_->add_option("--email", email_, "The user's e-mail address (signs in)")->required();
  auto* password =
      create_->add_option("--password", password_, "The password (at least 8 characters)");
  auto* from_stdin = create_->add_flag("--password-stdin", password_stdin_,
                                       "Read the password from the first line of stdin (keeps "
                                       "it out of the process list and shell history)");
  password->excludes(from_stdin);
  create_->add_option("--project", projects_,
                      "A project the user manages (repeatable; 'internal' for the internal "
                      "project itself)");
  create_->add_flag("--all-projects", all_projects_,
                    "The user manages every project that exists now, the internal one included");
  create_->add_option("--database", database, "SQLite file path or postgres:// URL");
}

int ConsoleUserCommand::run(App& app) const {
  core::NewConsoleUser n;
  n.email = email_;
  n.password = password_;
  if (password_stdin_) std::getline(std::cin, n.password);
  if (n.password.empty()) {
    std::cerr << "latchkey: give --password or --password-stdin" << std::endl;
    return 1;
  }
  n.managed_project_ids = projects_;
  if (all_projects_)
    for (const auto& p : app.store->projects().list_projects())
      n.managed_project_ids.push_back(p.id);
  try {
    auto user = core::create_console_user(*app.store, *app.clock, *app.hasher, n);
    std::cout << "created console user " << user.id << " (" << email_ << "), managing "
              << n.managed_project_ids.size()
              << " project(s); it signs in at /console/ of the server" << std::endl;
    return 0;
  } catch (const core::KnownError& e) {
    std::cerr << "latchkey: " << e.message() << std::endl;
  } catch (const std::invalid_argument& e) {
    std::cerr << "latchkey: " << e.what() << std::endl;
  }
  return 1;
}

}  // namespace latchkey
