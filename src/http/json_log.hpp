// `--log-format json` (README "Operations"): every log line one JSON object
// with timestamp, level and message, and one access line per request with
// its request id, method, route template, status, duration and project id.
// Nothing secret goes into either: the access line names the route
// template, never the path or query, and no header but the project id.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/router.hpp"

namespace latchkey::http {

// Switches spdlog's default logger to JSON lines and turns the access log on.
void use_json_logs();
bool access_log_enabled();

// Writes the access line of one answered request (when enabled).
void log_access(const Request& req, const Router::Match& match, const Response& res, int status,
                int64_t nanos);

// The access line's JSON text (for tests).
std::string access_log_entry(const Request& req, const Router::Match& match, const Response& res,
                             int status, int64_t nanos);

}  // namespace latchkey::http
