// GET /openapi.json: the API's OpenAPI 3.1 document (http/openapi.hpp).
#include "http/openapi.hpp"

#include <memory>

#include "api/routes.hpp"

namespace latchkey::api {

void register_openapi_route(Router& r) {
  // Made once, when every route is registered (this one is the last, and
  // lists itself), and kept: the route table does not change while the
  // server runs, so a request costs a copy of the text.
  auto document = std::make_shared<std::string>();
  r.add(
      Method::kGet, "/openapi.json", Access::any(),
      [document](RequestContext&) {
        Response res = Response::text(200, *document);
        res.content_type = "application/json; charset=utf-8";
        return res;
      },
      Runs::kMemory,
      RouteSpec{.summary = "This document (OpenAPI 3.1).", .answers = "This document, as JSON."});
  *document = openapi_document(r).dump();
}

}  // namespace latchkey::api
