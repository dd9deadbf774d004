// Access-token verification (core/tokens.hpp TokenService::verify): the
// input is the token, as sent in x-stack-access-token or a Bearer header.
// The seeds are tokens issued by the same service (fuzz/make_seeds.cpp).
#include <cstdint>

#include "core/clock.hpp"
#include "core/tokens.hpp"
#include "fuzz_support.hpp"

using namespace latchkey;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const core::ManualClock clock(fuzz::kNowMillis);
  // Verified tokens are cached by the service: a fresh one per input, so
  // each input is verified from scratch (deriving a key is the slow part,
  // and is cached per audience inside, which a static service would keep).
  static core::TokenService* service = new core::TokenService(
      std::string(fuzz::kServerSecret), std::string(fuzz::kPublicUrl), 600, clock);
  std::string_view token(reinterpret_cast<const char*>(data), size);
  (void)service->verify(token);
  (void)core::parse_time_span_seconds(token);
  return 0;
}
