// The client address behind a trusted proxy (core/client_address.hpp): the
// X-Forwarded-For header a client can write, read against the proxies of
// --trusted-proxies, and the per-address rate-limit key made from the
// result. The input is the header; it is also read as a network (the
// --trusted-proxies syntax).
#include <cstdint>
#include <cstdlib>

#include "core/client_address.hpp"

using namespace latchkey::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<IpNetwork> trusted = parse_networks("127.0.0.1,10.0.0.0/8,::1,fd00::/8");
  std::string_view header(reinterpret_cast<const char*>(data), size);
  const std::string client = client_address("10.1.2.3", header, trusted);
  (void)rate_limit_key(client);
  // A client that is not behind a trusted proxy is its own peer.
  if (client_address("192.0.2.1", header, trusted) != "192.0.2.1") abort();
  if (auto network = IpNetwork::parse(header)) {
    (void)network->contains("10.1.2.3");
    (void)network->contains(client);
  }
  return 0;
}
