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
  // thread or pool by runs(), and hands the same match to handle() each
  // time it runs the request.
  Router::Match match(const Request& req) const;
  // How `req` runs (router.hpp Runs); `match` is match(req). Its route's
  // declaration, or for what the pipeline answers without a route (a
  // redirect, a preflight, /health, 404 and 405) kMemory; the test-mode
  // POSTs run on a worker (one of them sleeps).
  Runs runs(const Request& req, const Router::Match& match) const;
  // The response to `req`; `match` is match(req). `in_memory`: this run is on
  // an I/O thread (RequestContext::in_memory); nullopt then when the request
  // needs the database after all, with nothing changed, and the caller runs
  // it again on a worker. On a worker the response is always there.
  // `session_read`: a kSessionRead route's session, read beforehand.
  std::optional<Response> handle(const Request& req, const Router::Match& match,
                                 bool in_memory = false,
                                 const SessionRead* session_read = nullptr) const;

 private:
  // What the pipeline does with a request, by its method and path alone.
  enum class Kind { kRedirect, kPreflight, kApi, kSvix, kConsole, kOther };
  static Kind kind_of(const Request& req);
  std::optional<Response> handle_api(const Request& req, const Router::Match& match,
                                     const std::string& request_id, bool in_memory,
                                     const SessionRead* session_read) const;
  Response handle_other(const Request& req) const;
  // The Svix-compatible webhook management API under /svix (its own Bearer
  // tokens instead of Stack's headers, Svix's error bodies).
  Response handle_svix(const Request& req, const Router::Match& match) const;

  App& app_;
  const Router& router_;
};

}  // namespace latchkey::http
