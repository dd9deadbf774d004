// Request validation at the edge: handlers read body, query, headers and
// params through these readers, which coerce values yup-style and collect
// every problem; finish() throws one SCHEMA_ERROR listing them all
// (overview.md §4). No handler reads raw JSON. Where the route declares its
// fields (http/route_spec.hpp), each reader first checks that it reads the
// field as declared.
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/validation.hpp"
#include "http/route_spec.hpp"

namespace latchkey::http {

class SchemaErrors {
 public:
  void add(std::string line) { lines_.push_back(std::move(line)); }
  bool empty() const { return lines_.empty(); }
  const std::vector<std::string>& lines() const { return lines_; }
  // Throws SCHEMA_ERROR "Request validation failed on <METHOD> <path>:\n  - ..."
  // when there is any problem.
  void throw_if_any(std::string_view method, std::string_view path) const;

 private:
  std::vector<std::string> lines_;
};

// A value that may be absent, explicitly null, or set: what PATCH bodies need.
template <typename T>
struct Patch {
  bool present = false;    // key was sent
  std::optional<T> value;  // nullopt with present = sent as null
  bool is_null() const { return present && !value; }
};

class Field {
 public:
  // `spec`: the field's declaration, when its route declares one.
  Field(std::string path, const Json* value, SchemaErrors& errors, const FieldSpec* spec = nullptr)
      : path_(std::move(path)), value_(value), errors_(errors), spec_(spec) {}

  bool present() const { return value_ != nullptr; }
  bool is_null() const { return value_ && value_->is_null(); }
  const std::string& path() const { return path_; }

  // Each reader returns nullopt when the value is absent (or null), or
  // invalid (then the problem is recorded). `required` records
  // "must be defined" when absent; null is refused unless the *_nullable
  // reader is used.
  std::optional<std::string> string(bool required, size_t max_len = 0, bool non_empty = false);
  std::optional<std::string> email(bool required, bool strict = false);
  std::optional<std::string> url(bool required);
  std::optional<std::string> uuid(bool required);
  std::optional<bool> boolean(bool required);
  std::optional<int64_t> integer(bool required, int64_t min = std::numeric_limits<int64_t>::min(),
                                 int64_t max = std::numeric_limits<int64_t>::max());
  std::optional<std::string> one_of(bool required, const std::vector<std::string>& values);
  std::optional<Json> object(bool required);  // any JSON object
  std::optional<Json> array(bool required);   // any JSON array
  std::optional<Json> any(bool required);     // any JSON value except undefined

  Patch<std::string> nullable_string(size_t max_len = 0);
  Patch<std::string> nullable_url();
  Patch<Json> nullable_json();  // any value including null (metadata fields)

  void add_error(std::string_view suffix) { errors_.add(path_ + " " + std::string(suffix)); }

 private:
  // What a reader enforces, to compare with the field's declaration.
  struct Use {
    const char* reader;
    FieldType type;
    bool required = false;
    bool nullable = false;
    FieldFormat format = FieldFormat::kNone;
    size_t max_length = 0;
    bool non_empty = false;
    std::optional<int64_t> minimum = std::nullopt;
    std::optional<int64_t> maximum = std::nullopt;
    const std::vector<std::string>* values = nullptr;
  };
  // Throws std::logic_error when the declaration says otherwise than the
  // reader enforces. Checked once: readers built on others (email on
  // string) do not check again.
  void conform(const Use& use);
  bool check_present(bool required, bool allow_null);
  void type_error(std::string_view type);

  std::string path_;
  const Json* value_;
  SchemaErrors& errors_;
  const FieldSpec* spec_;
};

// An object under body, query or params.
class ObjectReader {
 public:
  // `value` null means undefined; `required` records "<path> must be defined".
  // `spec`: the declared fields (field() refuses to read any other).
  ObjectReader(std::string path, const Json* value, SchemaErrors& errors, bool required = true,
               const ObjectSpec* spec = nullptr);
  Field field(std::string_view key);
  // Records "<path> contains unknown properties: a, b" for keys not read.
  void reject_unknown();
  bool valid() const { return obj_ != nullptr; }
  SchemaErrors& errors() { return errors_; }

 private:
  std::string path_;
  const Json* obj_ = nullptr;
  SchemaErrors& errors_;
  const ObjectSpec* spec_;
  std::vector<std::string> seen_;
};

using core::is_strict_email;
using core::is_valid_email;
using core::is_valid_url;
// JavaScript string length (UTF-16 code units) of a UTF-8 string.
size_t js_length(std::string_view utf8);

}  // namespace latchkey::http
