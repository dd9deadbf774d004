// The request schema readers (http/schema.hpp) and the validators under them
// (core/validation.hpp) on a fuzzed JSON body: every reader on every key of
// the object, nested objects, unknown-key rejection and the SCHEMA_ERROR
// message.
#include <cstdint>

#include "core/errors.hpp"
#include "http/body.hpp"
#include "http/schema.hpp"

using namespace latchkey;

namespace {

void read_fields(http::ObjectReader& o, const Json& body, int depth) {
  static const char* kKeys[] = {"email", "password", "url",   "id",  "flag", "n",
                                "kind",  "meta",     "items", "any", "name"};
  for (const char* key : kKeys) {
    auto f = o.field(key);
    std::string_view k = key;
    if (k == "email") (void)f.email(false, true);
    if (k == "password") (void)f.string(true, 70, true);
    if (k == "url") (void)f.url(false);
    if (k == "id") (void)f.uuid(false);
    if (k == "flag") (void)f.boolean(false);
    if (k == "n") {
      (void)f.integer(false, -5, 1000);
      (void)f.integer(false);  // the whole int64 range (e.g. expires_at_millis)
    }
    if (k == "kind") (void)f.one_of(false, {"a", "b"});
    if (k == "meta") (void)f.nullable_json();
    if (k == "items") (void)f.array(false);
    if (k == "any") (void)f.any(false);
    if (k == "name") (void)f.nullable_string(100);
  }
  if (depth < 3 && body.is_object()) {
    auto it = body.find("child");
    http::ObjectReader child("body.child", it == body.end() ? nullptr : &*it, o.errors(),
                             /*required=*/false);
    if (child.valid()) read_fields(child, *it, depth + 1);
    // Any key as a field name too.
    for (auto& [k, v] : body.items()) {
      auto f = o.field(k);
      (void)f.string(false);
      (void)f.email(false);
      (void)f.nullable_url();
    }
  }
  o.reject_unknown();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Through the pipeline's JSON body parsing, as a handler gets it (its
  // nesting bound included).
  http::Request req;
  req.method = http::Method::kPost;
  req.headers.add("content-type", "application/json");
  req.body.assign(reinterpret_cast<const char*>(data), size);
  Json body;
  try {
    body = *http::parse_body(req);
  } catch (const core::KnownError&) {
    return 0;
  }
  http::SchemaErrors errors;
  http::ObjectReader reader("body", &body, errors);
  if (reader.valid()) read_fields(reader, body, 0);
  try {
    errors.throw_if_any("POST", "/fuzz");
  } catch (const core::KnownError& e) {
    (void)e.to_json().dump();
  }
  return 0;
}
