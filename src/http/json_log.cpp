#include "http/json_log.hpp"

#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include "core/json.hpp"

namespace latchkey::http {

namespace {

std::atomic<bool> g_access_log{false};
// Starts an access line, which is whole JSON already: written as it is. (A
// logger of its own would share the default logger's sink, and a sink has
// one formatter.)
constexpr char kPreformatted = '\x1e';

std::string iso8601(std::chrono::system_clock::time_point t) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis % 1000));
  return buf;
}

void append_line(const Json& j, spdlog::memory_buf_t& dest) {
  // Invalid UTF-8 in a message (e.g. from a client's input) is replaced,
  // never a reason to lose the line.
  std::string text = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  dest.append(text.data(), text.data() + text.size());
  dest.push_back('\n');
}

// Every other log line: the message as spdlog formatted it, and the request
// id the pipeline's messages begin with ("[<id>] ...") as a field.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    if (!text.empty() && text.front() == kPreformatted) {
      dest.append(text.data() + 1, text.data() + text.size());
      dest.push_back('\n');
      return;
    }
    Json j{{"timestamp", iso8601(msg.time)},
           {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                                 spdlog::level::to_string_view(msg.level).size())}};
    if (text.size() > 2 && text.front() == '[') {
      auto close = text.find("] ");
      if (close != std::string_view::npos && close < 80) {
        j["request_id"] = std::string(text.substr(1, close - 1));
        text.remove_prefix(close + 2);
      }
    }
    j["message"] = std::string(text);
    append_line(j, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

void use_json_logs() {
  spdlog::default_logger()->set_formatter(std::make_unique<JsonFormatter>());
  g_access_log = true;
}

bool access_log_enabled() { return g_access_log.load(std::memory_order_relaxed); }

std::string access_log_entry(const Request& req, const Router::Match& match, const Response& res,
                             int status, int64_t nanos) {
  Json j{{"timestamp", iso8601(std::chrono::system_clock::now())},
         {"level", status >= 500 ? "error" : "info"},
         {"message", "request"}};
  for (const auto& [name, value] : res.headers)
    if (name == "x-stack-request-id") j["request_id"] = value;
  j["method"] = req.method_text;
  // The template only: a path can hold ids and a query can hold codes.
  if (match.route)
    j["route"] = match.route->pattern;
  else
    j["route"] = req.path() == "/health" || req.path() == "/health/ready" ? std::string(req.path())
                                                                          : "(unmatched)";
  j["status"] = status;
  j["duration_ms"] = static_cast<double>(nanos / 1000) / 1000.0;
  if (match.route)
    if (auto project = req.headers.get_nonempty("x-stack-project-id"))
      j["project_id"] = std::string(project->substr(0, 100));
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void log_access(const Request& req, const Router::Match& match, const Response& res, int status,
                int64_t nanos) {
  if (!access_log_enabled()) return;
  std::string line(1, kPreformatted);
  line += access_log_entry(req, match, res, status, nanos);
  spdlog::log(status >= 500 ? spdlog::level::err : spdlog::level::info,
              spdlog::string_view_t(line));
}

}  // namespace latchkey::http
