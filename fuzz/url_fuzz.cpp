// Path and query decoding (http/message.hpp url_decode, parse_query), the
// router's per-segment decoding, the slash-normalising redirect's Location
// and the same-host check every Location Latchkey builds goes through. The
// input is a request target ("/path?query").
#include <cstdint>
#include <cstdlib>

#include "core/validation.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

using namespace latchkey;
using namespace latchkey::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Router router = [] {
    Router r;
    auto h = [](RequestContext&) -> std::optional<Response> { return Response::empty(200); };
    r.add(Method::kGet, "/users/{user_id}", Access::any(), h);
    r.add(Method::kGet, "/users/me", Access::any(), h);
    r.add(Method::kGet, "/teams/{team_id}/users/{user_id}/{permission_id}", Access::any(), h);
    return r;
  }();
  std::string_view target(reinterpret_cast<const char*>(data), size);
  // Encoding then decoding gives back any text.
  if (url_decode(url_encode(target), false) != target) abort();
  (void)url_decode(target, true);
  auto q = target.find('?');
  if (q != std::string_view::npos) (void)parse_query(target.substr(q + 1));
  std::string_view path = target.substr(0, q);
  (void)router.match(Method::kGet, path);
  if (auto location = slash_redirect_location(target)) {
    // A redirect Location is a path on this host: one leading '/', then
    // neither as sent nor decoded a backslash, control character or second
    // '/' (which browsers read as another host).
    const std::string decoded = url_decode(location->substr(0, location->find('?')), false);
    for (std::string_view s : {std::string_view(*location), std::string_view(decoded)}) {
      if (s.empty() || s[0] != '/' || (s.size() > 1 && (s[1] == '/' || s[1] == '\\'))) abort();
      for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f || c == '\\') abort();
    }
  }
  (void)is_same_host_location(target);
  (void)core::is_valid_url(target);
  (void)core::is_valid_email(target);
  (void)core::is_strict_email(target);
  return 0;
}
