// The SDK version check (projects.md §5.1): which Stack Auth version this
// server answers as, and how a client's semver version compares with it.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::core {

// The Stack Auth backend version whose REST API Latchkey implements.
inline constexpr std::string_view kStackApiVersion = "2.8.18";

struct VersionCheck {
  bool up_to_date = true;
  // When not up to date: the message for the developer, and whether the
  // SDK should treat it as severe.
  std::string error;
  bool severe = false;
};

VersionCheck check_client_version(std::string_view client_version,
                                  std::string_view server_version = kStackApiVersion);

}  // namespace latchkey::core
