#include "core/trusted_urls.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <optional>
#include <string>

namespace latchkey::core {
namespace {

struct UrlParts {
  std::string scheme;
  std::string host;  // lower-case; IPv6 in brackets
  std::string path;  // never empty: "/" at least, like a browser's pathname
  bool is_loopback_ipv4 = false;
};

std::optional<UrlParts> parse(std::string_view text) {
  auto r = boost::urls::parse_uri(text);
  if (!r || !r->has_authority()) return std::nullopt;
  // After an authority the path is empty or starts with '/'. Boost.URL 1.81
  // reads "http://127.0.0.1.evil.com/" as host 127.0.0.1 and path
  // ".evil.com/"; a browser would go to evil.com, so such input is refused.
  auto raw_path = r->encoded_path();
  if (!raw_path.empty() && raw_path.front() != '/') return std::nullopt;
  boost::urls::url u(*r);
  u.normalize();
  UrlParts p;
  p.scheme = std::string(u.scheme());
  p.host = std::string(u.encoded_host());
  if (p.host.empty()) return std::nullopt;
  p.path = std::string(u.encoded_path());
  if (p.path.empty()) p.path.push_back('/');
  p.is_loopback_ipv4 =
      u.host_type() == boost::urls::host_type::ipv4 && u.host_ipv4_address().to_bytes()[0] == 127;
  return p;
}

bool is_localhost(const UrlParts& p) {
  constexpr std::string_view suffix = ".localhost";
  return p.host == "localhost" ||
         (p.host.size() > suffix.size() &&
          p.host.compare(p.host.size() - suffix.size(), suffix.size(), suffix) == 0) ||
         p.is_loopback_ipv4;
}

}  // namespace

bool is_trusted_url(const Json& config, std::string_view url) {
  auto target = parse(url);
  if (!target) return false;
  if (config.is_object()) {
    auto allow = config.find("allow_localhost");
    if (allow != config.end() && allow->is_boolean() && allow->get<bool>() && is_localhost(*target))
      return true;
    auto domains = config.find("domains");
    if (domains != config.end() && domains->is_array()) {
      for (const auto& entry : *domains) {
        if (!entry.is_object()) continue;
        auto d = entry.find("domain");
        if (d == entry.end() || !d->is_string()) continue;
        auto trusted = parse(d->get_ref<const std::string&>());
        if (!trusted) continue;
        if (trusted->scheme == target->scheme && trusted->host == target->host &&
            target->path.compare(0, trusted->path.size(), trusted->path) == 0)
          return true;
      }
    }
  }
  return false;
}

}  // namespace latchkey::core
