// `latchkey project rate-limits ID [NAME=COUNT/WINDOW|NAME=default]...`:
// shows and sets a project's own throttles (core/project_rate_limits.hpp).
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "app.hpp"

namespace latchkey {

class ProjectRateLimitsCommand {
 public:
  // Adds `rate-limits` to the `project` command; --database writes `database`.
  void add_to(CLI::App& project_cmd, std::string& database);
  bool selected() const { return cmd_ && *cmd_; }
  // Applies the changes, then prints each limit a project may set: its own
  // value, or "server default" (the serve flag decides). 1 with a message on
  // stderr for an unknown project, limit or value.
  int run(App& app) const;

 private:
  CLI::App* cmd_ = nullptr;
  std::string project_;
  std::vector<std::string> changes_;
};

}  // namespace latchkey
