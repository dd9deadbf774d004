// The HTTP/1.x request reader the server uses (http/request_reader.hpp),
// fed the raw bytes of a connection, then what the pipeline reads of every
// request before routing: header lookups (both spellings), the path, the
// slash-normalising redirect, the route match, the OAuth cookie and the
// body.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <cstdlib>

#include "core/errors.hpp"
#include "http/body.hpp"
#include "http/message.hpp"
#include "http/request_reader.hpp"
#include "http/router.hpp"

using namespace latchkey::http;

namespace {

const Router& router() {
  static const Router r = [] {
    Router r;
    auto h = [](RequestContext&) -> std::optional<Response> { return Response::empty(200); };
    for (const char* p : {"/users/me", "/users/{user_id}", "/teams/{team_id}/users/{user_id}",
                          "/auth/oauth/callback/{provider_id}", "/contact-channels/{user_id}/{id}"})
      r.add(Method::kGet, p, Access::any(), h);
    r.add(Method::kPost, "/auth/password/sign-in", Access::client_plus(), h);
    return r;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The server's default limits (app.hpp), so the fuzzer meets them.
  RequestReader reader(16 << 10, 1 << 20, "127.0.0.1");
  reader.eager(true);
  boost::beast::error_code ec;
  boost::asio::const_buffer in(data, size);
  // As Beast's read does: after need_more the parser is given the bytes it
  // left plus more, never the same bytes again (its chunk parser asserts
  // that: the final-chunk state expects a longer buffer). Here no more
  // bytes come, so need_more is the end of the stream.
  while (in.size() > 0 && !reader.is_done()) {
    size_t used = reader.put(in, ec);
    in += used;
    if (ec == boost::beast::http::error::need_more) {
      ec = {};
      break;
    }
    if (ec) return 0;
    if (used == 0) break;
  }
  if (!reader.is_done()) {
    // The connection closed: as Beast's read does, end of stream before
    // any byte, else put_eof (a body delimited by the close).
    if (!reader.got_some()) return 0;
    reader.put_eof(ec);
    if (ec || !reader.is_done()) return 0;
  }
  const Request& req = reader.request();
  (void)req.headers.get("x-stack-project-id");
  (void)req.headers.get_nonempty("x-stack-access-token");
  (void)req.headers.count("x-stack-publishable-client-key");
  (void)req.headers.values("cookie");
  (void)req.headers.any_hexclave();
  (void)req.headers.all();
  if (auto location = slash_redirect_location(req.target)) {
    // What the server would send as Location must stay on this host.
    if (!is_same_host_location(*location) || location->empty() || (*location)[0] != '/') abort();
  }
  auto match = router().match(req.method, req.path());
  (void)match;
  (void)cookie_value(req.headers, "stack-oauth-inner-s");
  try {
    (void)parse_body(req);
  } catch (const latchkey::core::KnownError&) {
  }
  return 0;
}
