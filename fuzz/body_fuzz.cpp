// Request bodies by content type (http/body.hpp): the first line of the
// input is the Content-Type, the rest the body of a POST.
#include <cstdint>

#include "core/errors.hpp"
#include "fuzz_support.hpp"
#include "http/body.hpp"

using namespace latchkey;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [content_type, body] =
      fuzz::split_line(std::string_view(reinterpret_cast<const char*>(data), size));
  http::Request req;
  req.method = http::Method::kPost;
  req.headers.add("Content-Type", content_type);
  req.body = std::string(body);
  try {
    auto json = http::parse_body(req);
    // What the pipeline does with a parsed body afterwards: error messages
    // print it.
    if (json) (void)json->dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (const core::KnownError&) {
  }
  return 0;
}
