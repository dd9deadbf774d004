#include "core/client_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

#include "core/validation.hpp"

namespace latchkey::core {
namespace {

// IPv4 as an IPv4-mapped IPv6 address, so both families compare alike.
std::optional<std::array<unsigned char, 16>> parse_address(std::string_view text) {
  text = trim_blanks(text);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  std::array<unsigned char, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

bool is_v4_mapped(const std::array<unsigned char, 16>& a) {
  for (int i = 0; i < 10; ++i)
    if (a[i] != 0) return false;
  return a[10] == 0xff && a[11] == 0xff;
}

bool trusted_address(std::string_view address, const std::vector<IpNetwork>& trusted) {
  for (const auto& n : trusted)
    if (n.contains(address)) return true;
  return false;
}

}  // namespace

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
  text = trim_blanks(text);
  auto slash = text.find('/');
  auto address = parse_address(text.substr(0, slash));
  if (!address) return std::nullopt;
  IpNetwork n;
  n.bytes = *address;
  const bool v4 = is_v4_mapped(n.bytes) && text.substr(0, slash).find(':') == std::string::npos;
  n.prefix_bits = 128;
  if (slash != std::string_view::npos) {
    std::string_view bits = text.substr(slash + 1);
    int value = -1;
    auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
    if (ec != std::errc() || ptr != bits.data() + bits.size() || value < 0 ||
        value > (v4 ? 32 : 128))
      return std::nullopt;
    n.prefix_bits = v4 ? 96 + value : value;
  }
  return n;
}

bool IpNetwork::contains(std::string_view address) const {
  auto a = parse_address(address);
  if (!a) return false;
  int bits = prefix_bits;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if (((*a)[i] & mask) != (bytes[i] & mask)) return false;
  }
  return true;
}

std::vector<IpNetwork> parse_networks(std::string_view comma_separated) {
  std::vector<IpNetwork> out;
  size_t start = 0;
  while (start <= comma_separated.size()) {
    size_t comma = comma_separated.find(',', start);
    std::string_view item = trim_blanks(comma_separated.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!item.empty()) {
      auto n = IpNetwork::parse(item);
      if (!n)
        throw std::invalid_argument("\"" + std::string(item) +
                                    "\" is not an IP address or network (CIDR)");
      out.push_back(*n);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string client_address(std::string_view peer, std::optional<std::string_view> forwarded_for,
                           const std::vector<IpNetwork>& trusted) {
  if (!forwarded_for || trusted.empty() || !trusted_address(peer, trusted))
    return std::string(peer);
  std::string_view rest = *forwarded_for;
  std::string_view client = peer;
  while (!rest.empty()) {
    size_t comma = rest.rfind(',');
    std::string_view item =
        trim_blanks(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    // A malformed entry ends the trust chain: the last good hop decides.
    if (!parse_address(item)) break;
    client = item;
    if (!trusted_address(item, trusted)) break;
  }
  return std::string(trim_blanks(client));
}

std::string rate_limit_key(std::string_view address) {
  auto a = parse_address(address);
  if (!a) return std::string(address);
  char text[INET6_ADDRSTRLEN] = {};
  if (is_v4_mapped(*a)) {
    inet_ntop(AF_INET, a->data() + 12, text, sizeof text);
    return text;
  }
  std::array<unsigned char, 16> prefix{};
  std::memcpy(prefix.data(), a->data(), 8);
  inet_ntop(AF_INET6, prefix.data(), text, sizeof text);
  return std::string(text) + "/64";
}

}  // namespace latchkey::core
