#include "http/schema.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/validation.hpp"

namespace latchkey::http {

void SchemaErrors::throw_if_any(std::string_view method, std::string_view path) const {
  if (lines_.empty()) return;
  std::string msg =
      "Request validation failed on " + std::string(method) + " " + std::string(path) + ":";
  for (const auto& l : lines_) msg += "\n  - " + l;
  throw core::errors::schema_error(std::move(msg));
}

size_t js_length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    n += len == 4 ? 2 : 1;
    i += len;
  }
  return n;
}

static std::string print_value(const Json& v) {
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void Field::conform(const Use& use) {
  const FieldSpec* spec = std::exchange(spec_, nullptr);
  if (!spec) return;
  const char* problem = nullptr;
  if (spec->type != use.type)
    problem = "type";
  else if (use.format != FieldFormat::kNone && spec->format != use.format)
    problem = "format";
  else if (spec->is_required != use.required)
    problem = "requiredness";
  else if (use.nullable && !spec->is_nullable)
    problem = "nullability";
  else if (use.max_length && spec->max_length != use.max_length)
    problem = "maximum length";
  else if (use.non_empty && spec->min_length < 1)
    problem = "minimum length";
  else if ((use.minimum && spec->minimum != use.minimum) ||
           (use.maximum && spec->maximum != use.maximum))
    problem = "range";
  else if (use.values && spec->values != *use.values)
    problem = "allowed values";
  if (problem)
    throw std::logic_error("the route's declaration and its handler disagree on the " +
                           std::string(problem) + " of " + path_ +
                           " (read with Field::" + use.reader + ")");
}

bool Field::check_present(bool required, bool allow_null) {
  if (!value_) {
    if (required) errors_.add(path_ + " must be defined");
    return false;
  }
  if (value_->is_null()) {
    if (!allow_null) errors_.add(path_ + " cannot be null");
    return false;
  }
  return true;
}

void Field::type_error(std::string_view type) {
  errors_.add(path_ + " must be a `" + std::string(type) + "` type, but the final value was: `" +
              print_value(*value_) + "`.");
}

std::optional<std::string> Field::string(bool required, size_t max_len, bool non_empty) {
  conform({.reader = "string",
           .type = FieldType::kString,
           .required = required,
           .max_length = max_len,
           .non_empty = non_empty});
  if (!check_present(required, false)) return std::nullopt;
  std::string s;
  if (value_->is_string()) {
    s = value_->get<std::string>();
  } else if (value_->is_number()) {
    s = print_value(*value_);  // yup casts numbers to their decimal string
  } else {
    type_error("string");
    return std::nullopt;
  }
  if (max_len && js_length(s) > max_len) {
    errors_.add(path_ + " must be at most " + std::to_string(max_len) + " characters");
    return std::nullopt;
  }
  if (non_empty && s.empty()) {
    errors_.add(path_ + " must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> Field::email(bool required, bool strict) {
  conform({.reader = "email",
           .type = FieldType::kString,
           .required = required,
           .format = FieldFormat::kEmail});
  auto s = string(required);
  if (!s) return std::nullopt;
  if (!is_valid_email(*s)) {
    errors_.add(path_ + " must be a valid email");
    return std::nullopt;
  }
  if (strict && !is_strict_email(*s)) {
    errors_.add(path_ + " must match the following: \"/^[^.]+(\\.[^.]+)*@.*\\.[^.][^.]+$/\"");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> Field::url(bool required) {
  conform({.reader = "url",
           .type = FieldType::kString,
           .required = required,
           .format = FieldFormat::kUrl});
  auto s = string(required);
  if (!s) return std::nullopt;
  bool ok = true;
  if (s->find(' ') != std::string::npos) {
    errors_.add(path_ + " contains spaces");
    ok = false;
  }
  if (!is_valid_url(*s)) {
    errors_.add(path_ + " is not a valid URL");
    ok = false;
  }
  return ok ? s : std::nullopt;
}

std::optional<std::string> Field::uuid(bool required) {
  conform({.reader = "uuid",
           .type = FieldType::kString,
           .required = required,
           .format = FieldFormat::kUuid});
  auto s = string(required);
  if (!s) return std::nullopt;
  if (!core::is_uuid(*s)) {
    errors_.add(path_ + " must be a valid UUID");
    return std::nullopt;
  }
  return s;
}

std::optional<bool> Field::boolean(bool required) {
  conform({.reader = "boolean", .type = FieldType::kBoolean, .required = required});
  if (!check_present(required, false)) return std::nullopt;
  if (value_->is_boolean()) return value_->get<bool>();
  if (value_->is_string()) {
    auto s = value_->get<std::string>();
    if (s == "true" || s == "1") return true;
    if (s == "false" || s == "0") return false;
  }
  if (value_->is_number_integer()) {
    auto n = value_->get<int64_t>();
    if (n == 1) return true;
    if (n == 0) return false;
  }
  type_error("boolean");
  return std::nullopt;
}

std::optional<int64_t> Field::integer(bool required, int64_t min, int64_t max) {
  conform({.reader = "integer",
           .type = FieldType::kInteger,
           .required = required,
           .minimum = min == std::numeric_limits<int64_t>::min() ? std::nullopt
                                                                 : std::optional<int64_t>(min),
           .maximum = max == std::numeric_limits<int64_t>::max() ? std::nullopt
                                                                 : std::optional<int64_t>(max)});
  if (!check_present(required, false)) return std::nullopt;
  double d;
  if (value_->is_number()) {
    d = value_->get<double>();
  } else if (value_->is_string()) {
    const auto s = value_->get<std::string>();
    char* end = nullptr;
    d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) {
      type_error("number");
      return std::nullopt;
    }
  } else {
    type_error("number");
    return std::nullopt;
  }
  if (!std::isfinite(d) || d != std::floor(d)) {
    errors_.add(path_ + " must be an integer");
    return std::nullopt;
  }
  // 2^63 is the double nearest INT64_MAX, so `d > max` lets it through, and
  // converting it to int64_t is undefined: anything from 2^63 up is too large.
  if (d >= 0x1p63 || d > static_cast<double>(max)) {
    errors_.add(path_ + " must be less than or equal to " + std::to_string(max));
    return std::nullopt;
  }
  if (d < static_cast<double>(min)) {
    errors_.add(path_ + " must be greater than or equal to " + std::to_string(min));
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

std::optional<std::string> Field::one_of(bool required, const std::vector<std::string>& values) {
  conform(
      {.reader = "one_of", .type = FieldType::kString, .required = required, .values = &values});
  auto s = string(required);
  if (!s) return std::nullopt;
  if (std::find(values.begin(), values.end(), *s) == values.end()) {
    std::string list;
    for (const auto& v : values) list += (list.empty() ? "" : ", ") + v;
    errors_.add(path_ + " must be one of the following values: " + list);
    return std::nullopt;
  }
  return s;
}

std::optional<Json> Field::object(bool required) {
  conform({.reader = "object", .type = FieldType::kObject, .required = required});
  if (!check_present(required, false)) return std::nullopt;
  if (!value_->is_object()) {
    type_error("object");
    return std::nullopt;
  }
  return *value_;
}

std::optional<Json> Field::array(bool required) {
  conform({.reader = "array", .type = FieldType::kArray, .required = required});
  if (!check_present(required, false)) return std::nullopt;
  if (!value_->is_array()) {
    type_error("array");
    return std::nullopt;
  }
  return *value_;
}

std::optional<Json> Field::any(bool required) {
  conform({.reader = "any", .type = FieldType::kAny, .required = required, .nullable = true});
  if (!check_present(required, true)) return std::nullopt;
  return *value_;
}

Patch<std::string> Field::nullable_string(size_t max_len) {
  conform({.reader = "nullable_string",
           .type = FieldType::kString,
           .nullable = true,
           .max_length = max_len});
  Patch<std::string> p;
  if (!value_) return p;
  p.present = true;
  if (value_->is_null()) return p;
  p.value = string(false, max_len);
  if (!p.value) p.present = false;  // invalid: already recorded
  return p;
}

Patch<std::string> Field::nullable_url() {
  conform({.reader = "nullable_url",
           .type = FieldType::kString,
           .nullable = true,
           .format = FieldFormat::kUrl});
  Patch<std::string> p;
  if (!value_) return p;
  p.present = true;
  if (value_->is_null()) return p;
  p.value = url(false);
  if (!p.value) p.present = false;
  return p;
}

Patch<Json> Field::nullable_json() {
  conform({.reader = "nullable_json", .type = FieldType::kAny, .nullable = true});
  Patch<Json> p;
  if (!value_) return p;
  p.present = true;
  if (!value_->is_null()) p.value = *value_;
  return p;
}

ObjectReader::ObjectReader(std::string path, const Json* value, SchemaErrors& errors, bool required,
                           const ObjectSpec* spec)
    : path_(std::move(path)), errors_(errors), spec_(spec) {
  if (!value) {
    if (required) errors_.add(path_ + " must be defined");
    return;
  }
  if (value->is_null()) {
    errors_.add(path_ + " cannot be null");
    return;
  }
  if (!value->is_object()) {
    errors_.add(path_ + " must be a `object` type, but the final value was: `" +
                print_value(*value) + "`.");
    return;
  }
  obj_ = value;
}

Field ObjectReader::field(std::string_view key) {
  seen_.emplace_back(key);
  std::string p = path_ + "." + std::string(key);
  const FieldSpec* spec = nullptr;
  if (spec_ && !(spec = spec_->find(key)))
    throw std::logic_error("the handler reads " + p + ", which its route does not declare");
  if (!obj_) return Field(std::move(p), nullptr, errors_, spec);
  auto it = obj_->find(std::string(key));
  return Field(std::move(p), it == obj_->end() ? nullptr : &*it, errors_, spec);
}

void ObjectReader::reject_unknown() {
  if (!obj_) return;
  std::string unknown;
  for (auto it = obj_->begin(); it != obj_->end(); ++it) {
    if (std::find(seen_.begin(), seen_.end(), it.key()) == seen_.end())
      unknown += (unknown.empty() ? "" : ", ") + it.key();
  }
  if (!unknown.empty()) errors_.add(path_ + " contains unknown properties: " + unknown);
}

}  // namespace latchkey::http
