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
  Response handle(const Request& req) const;
  // The route `req` goes to, or null (no API route matches); the server
  // picks the thread or pool by its Waits.
  const Route* route(const Request& req) const;

 private:
  Response handle_api(const Request& req, std::string_view rest,
                      const std::string& request_id) const;
  Response handle_other(const Request& req) const;

  App& app_;
  const Router& router_;
};

// Replaces invalid UTF-8 sequences with U+FFFD (lenient decoding, §5).
std::string sanitize_utf8(std::string_view in);

}  // namespace latchkey::http
