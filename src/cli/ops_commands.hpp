// The operations commands of the CLI (README "Operations"): `backup` and
// `users export` / `users import`. Kept out of main.cpp, which registers
// them and runs whichever was chosen.
#pragma once
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "app.hpp"

namespace latchkey::cli {

class OpsCommands {
 public:
  // Adds the commands to `cli`; their --database options write into
  // `config.database`.
  OpsCommands(CLI::App& cli, Config& config);

  // The chosen command's exit status, or nullopt when none of these was
  // chosen. Errors are reported on stderr.
  std::optional<int> run();

 private:
  int backup();
  int export_users();
  int import_users();

  Config& config_;
  CLI::App* backup_cmd_ = nullptr;
  CLI::App* export_cmd_ = nullptr;
  CLI::App* import_cmd_ = nullptr;
  std::string backup_out_;
  std::string project_id_;
};

}  // namespace latchkey::cli
