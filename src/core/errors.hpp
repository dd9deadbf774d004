// The known-error table (spec/errors.md): every error code Latchkey can send,
// with its HTTP status, exact message and details. Handlers throw KnownError;
// the http layer renders it. Nothing else builds error JSON.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"

namespace latchkey::core {

class KnownError : public std::exception {
 public:
  KnownError(std::string code, int status, std::string message, Json details = Json())
      : code_(std::move(code)), status_(status), message_(std::move(message)),
        details_(std::move(details)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  const std::string& code() const { return code_; }
  int status() const { return status_; }
  const std::string& message() const { return message_; }
  // null when the error defines no details; otherwise an object.
  const Json& details() const { return details_; }
  // {"code", "details"?, "error"} in that key order.
  Json to_json() const;

 private:
  std::string code_;
  int status_;
  std::string message_;
  Json details_;
};

// A plain-text error (overview.md §7.2): a status and a bare message body,
// no x-stack-known-error header.
class PlainError : public std::exception {
 public:
  PlainError(int status, std::string message) : status_(status), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  int status() const { return status_; }
  const std::string& message() const { return message_; }

 private:
  int status_;
  std::string message_;
};

// One row per leaf code: what the table test checks against errors.md.
struct KnownErrorInfo {
  std::string_view code;
  int status;
};
const std::vector<KnownErrorInfo>& known_error_table();

// ISO-8601 UTC with milliseconds, e.g. 2025-02-01T01:56:28.000Z.
std::string iso_millis(int64_t millis_since_epoch);

// One factory per leaf code (errors.md §3), named after the code in
// snake_case, taking exactly the placeholders the message and details need.
namespace errors {
KnownError schema_error(std::string message);  // message is the whole text
KnownError body_parsing_error(std::string message);
// ... (see errors.cpp for the full list; every code of errors.md §3 has one)
}  // namespace errors

}  // namespace latchkey::core
