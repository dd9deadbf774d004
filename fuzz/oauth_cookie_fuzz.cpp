// The OAuth callback's state and inner-state cookie (api/auth_oauth.cpp):
// the first line of the input is the `state` query value, each further line
// one Cookie header; the callback looks the cookie
// "stack-oauth-inner-<state>" up with http::cookie_value.
#include <cstdint>

#include "fuzz_support.hpp"
#include "http/message.hpp"

using namespace latchkey;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [state, rest] =
      fuzz::split_line(std::string_view(reinterpret_cast<const char*>(data), size));
  http::Headers headers;
  while (!rest.empty()) {
    auto [line, next] = fuzz::split_line(rest);
    headers.add("Cookie", line);
    rest = next;
  }
  std::string name = "stack-oauth-inner-" + http::url_decode(state, true);
  (void)http::cookie_value(headers, name);
  (void)http::cookie_value(headers, "");
  return 0;
}
