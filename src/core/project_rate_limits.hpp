// A project's own throttles, replacing the server's flags for that project
// (README "Security"): kept in the project config document under
// "latchkey_rate_limits" ({"sign_in_failures_per_account": "5/15min", …}),
// which Stack's REST view of the project never shows; read and set through
// /internal/projects/current/rate-limits and `latchkey project rate-limits`.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "core/rate_limits.hpp"
#include "store/store.hpp"

namespace latchkey::core {

inline constexpr const char* kProjectRateLimits = "latchkey_rate_limits";

// The bounds of a project's own limit: COUNT 1–1000000 within a WINDOW of
// 1 s to 1 day. A project cannot turn a limit off; the server's flag can.
inline constexpr int kMaxProjectLimitCount = 1'000'000;
inline constexpr int64_t kMaxProjectLimitWindowMillis = 24LL * 3600 * 1000;

// `text` as a project's limit, or nullopt when malformed or out of bounds.
std::optional<WindowLimit> parse_project_rate_limit(std::string_view text);
// Why parse_project_rate_limit refused (for error messages).
std::string project_rate_limit_rule();

// The project's own limit, when it has one (a malformed stored value counts
// as none: the server's applies).
std::optional<WindowLimit> project_rate_limit(const Json& project_config, Limit limit);
// Sets (or, with nullopt, removes) the project's own limit in `config`.
void set_project_rate_limit(Json& config, Limit limit, const std::optional<WindowLimit>& value);

// Changes to a project's own limits: a value, or nullopt for the server's.
using ProjectRateLimitChanges = std::vector<std::pair<Limit, std::optional<WindowLimit>>>;
// Applies `changes` (only limits a project may set) to `project`
// and stores it; the project as stored (PROJECT_NOT_FOUND when it is gone).
store::Project update_project_rate_limits(store::Store& store, store::Project project,
                                          const ProjectRateLimitChanges& changes);

// For each limit a project may set: the limit in force, the server's flag
// and the project's own value (null when it has none):
// {"sign_in_failures_per_account": {"effective": "5/15min",
//   "server_default": "100/15min", "project_override": "5/15min"}, …}
Json project_rate_limits_view(const Json& project_config, const RateLimitOptions& server);

}  // namespace latchkey::core
