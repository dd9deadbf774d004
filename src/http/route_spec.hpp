// What a route declares about its requests, next to its registration
// (router.hpp): the fields of its body and query, and the known errors its
// handler raises. The OpenAPI document (http/openapi.hpp) is generated from
// it, and the request readers (http/schema.hpp) check every field a handler
// reads against it, so the document and the validation cannot drift: a
// handler that reads a field the declaration does not list, or reads it
// with another type, requiredness, format or limit, fails with a
// logic_error (a 500, which any test of that path shows).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::http {

struct ObjectSpec;

enum class FieldType { kString, kBoolean, kInteger, kObject, kArray, kAny };
// A string's format, as a reader checks it (Field::email, url, uuid).
enum class FieldFormat { kNone, kEmail, kUrl, kUuid };

// One field of a body or query. Built with the helpers below, e.g.
// `string_field("email").email().required()`.
struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kString;
  FieldFormat format = FieldFormat::kNone;
  bool is_required = false;
  bool is_nullable = false;
  size_t max_length = 0;  // 0: no limit
  size_t min_length = 0;
  std::optional<int64_t> minimum;
  std::optional<int64_t> maximum;
  std::vector<std::string> values;  // an enumeration of strings
  // Only server and admin access may send it (a client's is unknown).
  bool is_server_only = false;
  std::string description;
  // An object's fields, or an array's items' (documentation only: nested
  // readers are not checked).
  const ObjectSpec* properties = nullptr;

  FieldSpec required() && { return std::move(with(is_required, true)); }
  FieldSpec nullable() && { return std::move(with(is_nullable, true)); }
  FieldSpec server_only() && { return std::move(with(is_server_only, true)); }
  FieldSpec email() && { return std::move(with(format, FieldFormat::kEmail)); }
  FieldSpec url() && { return std::move(with(format, FieldFormat::kUrl)); }
  FieldSpec uuid() && { return std::move(with(format, FieldFormat::kUuid)); }
  FieldSpec max(size_t n) && { return std::move(with(max_length, n)); }
  FieldSpec min(size_t n) && { return std::move(with(min_length, n)); }
  FieldSpec at_least(int64_t n) && { return std::move(with(minimum, n)); }
  FieldSpec at_most(int64_t n) && { return std::move(with(maximum, n)); }
  FieldSpec describe(std::string text) && { return std::move(with(description, std::move(text))); }
  FieldSpec of(const ObjectSpec& spec) && { return std::move(with(properties, &spec)); }

 private:
  template <typename M, typename V>
  FieldSpec& with(M& member, V&& value) {
    member = std::forward<V>(value);
    return *this;
  }
};

FieldSpec string_field(std::string name);
FieldSpec one_of_field(std::string name, std::vector<std::string> values);
FieldSpec boolean_field(std::string name);
FieldSpec integer_field(std::string name);
FieldSpec object_field(std::string name);
FieldSpec array_field(std::string name);
FieldSpec any_field(std::string name);

// A body or query: its fields, in the order the handler reads them. A
// handler reads only fields listed here (or fails), and refuses the fields
// it did not read (ObjectReader::reject_unknown).
struct ObjectSpec {
  std::vector<FieldSpec> fields = {};
  // A body the request may leave out entirely (body_reader(false)).
  bool optional = false;
  // Other properties are allowed (and ignored): a body the handler reads
  // without reject_unknown, or an object of another API (Svix, WebAuthn).
  bool open = false;
  const FieldSpec* find(std::string_view name) const;
};

// A body or query without fields: the handler reads it only to refuse
// every field sent.
extern const ObjectSpec kNoFields;

// A route's declaration. Routes registered without one are still listed in
// the document, with a generic body (a test requires one of every API
// route: api/openapi_test.cpp).
struct RouteSpec {
  std::string summary = {};
  const ObjectSpec* body = nullptr;
  const ObjectSpec* query = nullptr;
  // Codes of the known errors (core/errors.hpp's table) the handler raises,
  // besides those of header authentication, access checks and validation,
  // which the document adds for every route.
  std::vector<std::string> errors = {};
  // Documentation only (nothing checks a handler's answer against it here;
  // tests/openapi validates real answers): the JSON object the route
  // answers with `status`, in Stack's reference shapes (core/
  // client_version.hpp). Fields marked server_only are present for server
  // and admin access only. Shared shapes: api/response_shapes.hpp.
  const ObjectSpec* response = nullptr;
  int status = 200;
  // What the success answer is, when it is not (only) a JSON object: a
  // redirect, HTML or plain text.
  std::string answers = {};
  // The body may also be sent as an HTML form (application/x-www-form-
  // urlencoded), which the server reads as an object of strings.
  bool form = false;
};

}  // namespace latchkey::http
