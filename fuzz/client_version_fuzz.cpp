// The client-version header (core/client_version.hpp), which picks the
// response shapes and the magic-link e-mail of every request that sends it.
#include <cstdint>

#include "core/client_version.hpp"

using namespace latchkey::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  (void)parse_client_version(header);
  (void)expects_legacy_magic_link(header);
  (void)api_shape_of(header, size % 2 == 0);
  return 0;
}
