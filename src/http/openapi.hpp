// The OpenAPI 3.1 document of GET /api/v1/openapi.json (README
// "Operations"), generated from the route table: every route with its
// path, method, path parameters, the access types that may call it (the
// x-stack-access-type header) and the keys that authenticate them, and,
// from the route's declaration (route_spec.hpp), its query parameters,
// body schema and known errors. A route without a declaration is listed
// with a generic object body.
#pragma once
#include "core/json.hpp"
#include "http/router.hpp"

namespace latchkey::http {

// Throws std::logic_error when a route declares an error code that is not
// in the known-error table (core/errors.hpp).
Json openapi_document(const Router& router);

// The document's path of a route's pattern: /api/v1 + pattern, or the
// pattern itself for the Svix API (registered with its whole path).
std::string openapi_path(const Route& route);

// The operation's key in its path item: "get", "post", ...
std::string openapi_method(Method method);

}  // namespace latchkey::http
