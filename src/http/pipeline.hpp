// One request from parsed HTTP to response: redirects, CORS, version prefix,
// routing, body parsing, header auth, access checks, the handler, and the
// rendering of errors and common headers.
#pragma once
#include "app.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace latchkey::http {

class Pipeline {
 public:
  Pipeline(App& app, const Router& router) : app_(app), router_(router) {}

  // Where `req` goes: the route of its method and path, and the path
  // parameters. Empty (no route, no path) when the pipeline answers without
  // a route: a slash redirect, a CORS preflight, a path outside the API or
  // an unknown version. The server matches each request once, picks the
  // thread or pool by the route, and hands the same match to handle() each
  // time it runs the request (again on a worker, after a session read).
  Router::Match match(const Request& req) const;
  // The response to `req`; `match` is match(req).
  Response handle(const Request& req, const Router::Match& match) const;

 private:
  // What the pipeline does with a request, by its method and path alone.
  enum class Kind { kRedirect, kPreflight, kApi, kOther };
  static Kind kind_of(const Request& req);
  Response handle_api(const Request& req, const Router::Match& match,
                      const std::string& request_id) const;
  Response handle_other(const Request& req) const;

  App& app_;
  const Router& router_;
};

// Replaces invalid UTF-8 sequences with U+FFFD (lenient decoding, §5).
std::string sanitize_utf8(std::string_view in);

}  // namespace latchkey::http
