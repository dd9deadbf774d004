#include "core/project_rate_limits.hpp"

#include <stdexcept>

#include "core/projects.hpp"

namespace latchkey::core {

std::optional<WindowLimit> parse_project_rate_limit(std::string_view text) {
  auto limit = parse_window_limit(text);
  if (!limit || !limit->enabled() || limit->max > kMaxProjectLimitCount ||
      limit->window_millis < 1000 || limit->window_millis > kMaxProjectLimitWindowMillis)
    return std::nullopt;
  return limit;
}

std::string project_rate_limit_rule() {
  return "must be COUNT/WINDOW with COUNT from 1 to " + std::to_string(kMaxProjectLimitCount) +
         " and WINDOW from 1s to 24h (e.g. 10/15min), or null for the server's default";
}

std::optional<WindowLimit> project_rate_limit(const Json& config, Limit limit) {
  if (!config.is_object()) return std::nullopt;
  auto all = config.find(kProjectRateLimits);
  if (all == config.end() || !all->is_object()) return std::nullopt;
  auto it = all->find(limit_name(limit));
  if (it == all->end() || !it->is_string()) return std::nullopt;
  return parse_project_rate_limit(it->get<std::string>());
}

void set_project_rate_limit(Json& config, Limit limit, const std::optional<WindowLimit>& value) {
  if (!config.is_object()) config = Json::object();
  Json& all = config[kProjectRateLimits];
  if (!all.is_object()) all = Json::object();
  if (value)
    all[limit_name(limit)] = format_window_limit(*value);
  else
    all.erase(limit_name(limit));
  if (all.empty()) config.erase(kProjectRateLimits);
}

store::Project update_project_rate_limits(store::Store& store, store::Project project,
                                          const ProjectRateLimitChanges& changes) {
  for (const auto& [limit, value] : changes) {
    if (!limit_per_project(limit))
      throw std::invalid_argument(std::string(limit_name(limit)) + " is server-wide only");
    set_project_rate_limit(project.config, limit, value);
  }
  return update_project(store, project);
}

Json project_rate_limits_view(const Json& config, const RateLimitOptions& server) {
  Json out = Json::object();
  for (Limit l : kAllLimits) {
    if (!limit_per_project(l)) continue;
    auto own = project_rate_limit(config, l);
    const WindowLimit& flag = limit_in(server, l);
    out[limit_name(l)] =
        Json{{"effective", format_window_limit(own.value_or(flag))},
             {"server_default", format_window_limit(flag)},
             {"project_override", own ? Json(format_window_limit(*own)) : Json(nullptr)}};
  }
  return out;
}

}  // namespace latchkey::core
