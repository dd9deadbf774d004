// `latchkey console-user create`: a dashboard user of the internal project,
// who signs in to the admin console (/console/) with e-mail and password.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "app.hpp"

namespace latchkey {

class ConsoleUserCommand {
 public:
  // Adds `console-user create` to `cli`; --database writes `database`.
  void add_to(CLI::App& cli, std::string& database);
  bool selected() const { return create_ && *create_; }
  // Creates the user and prints its id; 1 with a message on stderr when it
  // cannot (an address already in use, an unknown project, a short password).
  int run(App& app) const;

 private:
  CLI::App* create_ = nullptr;
  std::string email_, password_;
  std::vector<std::string> projects_;
  bool all_projects_ = false, password_stdin_ = false;
};

}  // namespace latchkey
