// The client address a request is counted under: the peer, or — when the
// peer is a trusted proxy (--trusted-proxies) — the address that proxy
// reports in X-Forwarded-For.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::core {

// An IPv4 or IPv6 network ("10.0.0.0/8", "::1/128", or one address).
struct IpNetwork {
  std::array<unsigned char, 16> bytes{};  // IPv4 as ::ffff:a.b.c.d
  int prefix_bits = 128;

  // nullopt when `text` is not an address with an optional /prefix.
  static std::optional<IpNetwork> parse(std::string_view text);
  bool contains(std::string_view address) const;
};

// "a,b,c" into networks; throws std::invalid_argument naming a bad entry.
std::vector<IpNetwork> parse_networks(std::string_view comma_separated);

// The client: `peer` unless it is in `trusted`; then the right-most
// X-Forwarded-For entry that is not itself trusted (entries to its left
// could have been written by the client). With no usable header, the peer.
std::string client_address(std::string_view peer, std::optional<std::string_view> forwarded_for,
                           const std::vector<IpNetwork>& trusted);

// The key per-address limits count under: an IPv4 address as it is, an
// IPv6 address as its /64 (one subscriber usually holds a whole /64).
std::string rate_limit_key(std::string_view address);

}  // namespace latchkey::core
