#include "core/version.hpp"

#include <cctype>
#include <cstdint>
#include <vector>

namespace latchkey::core {
namespace {

struct SemVer {
  uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> prerelease;  // identifiers; empty = a release
};

bool is_numeric(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// A numeric identifier: digits, no leading zero (SemVer 2.0.0 §2, §9).
std::optional<uint64_t> numeric_identifier(std::string_view s) {
  if (!is_numeric(s) || (s.size() > 1 && s[0] == '0') || s.size() > 15) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

bool valid_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

// What node's `semver.valid` accepts (strict mode): surrounding whitespace,
// an optional leading "v" or "=", MAJOR.MINOR.PATCH, then optional
// -prerelease and +build.
std::optional<SemVer> parse(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (!text.empty() && (text[0] == 'v' || text[0] == '=')) text.remove_prefix(1);
  if (auto plus = text.find('+'); plus != std::string_view::npos) {
    for (auto id : split(text.substr(plus + 1), '.'))
      if (!valid_identifier(id)) return std::nullopt;
    text = text.substr(0, plus);
  }
  SemVer v;
  if (auto dash = text.find('-'); dash != std::string_view::npos) {
    for (auto id : split(text.substr(dash + 1), '.')) {
      if (!valid_identifier(id) || (is_numeric(id) && !numeric_identifier(id))) return std::nullopt;
      v.prerelease.emplace_back(id);
    }
    text = text.substr(0, dash);
  }
  auto parts = split(text, '.');
  if (parts.size() != 3) return std::nullopt;
  auto major = numeric_identifier(parts[0]);
  auto minor = numeric_identifier(parts[1]);
  auto patch = numeric_identifier(parts[2]);
  if (!major || !minor || !patch) return std::nullopt;
  v.major = *major;
  v.minor = *minor;
  v.patch = *patch;
  return v;
}

// SemVer precedence (§11): <0, 0, >0.
int compare(const SemVer& a, const SemVer& b) {
  for (auto [x, y] : {std::pair{a.major, b.major}, {a.minor, b.minor}, {a.patch, b.patch}})
    if (x != y) return x < y ? -1 : 1;
  if (a.prerelease.empty() || b.prerelease.empty())
    return a.prerelease.empty() == b.prerelease.empty() ? 0 : (a.prerelease.empty() ? 1 : -1);
  for (size_t i = 0; i < a.prerelease.size() && i < b.prerelease.size(); ++i) {
    const auto &x = a.prerelease[i], &y = b.prerelease[i];
    bool xn = is_numeric(x), yn = is_numeric(y);
    if (xn && yn) {
      auto xv = std::stoull(x), yv = std::stoull(y);
      if (xv != yv) return xv < yv ? -1 : 1;
    } else if (xn != yn) {
      return xn ? -1 : 1;  // numeric identifiers sort first
    } else if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

VersionCheck outdated(bool severe, std::string message) {
  return {false, std::move(message), severe};
}

}  // namespace

VersionCheck check_client_version(std::string_view client_version,
                                  std::string_view server_version) {
  const std::string c(client_version), s(server_version);
  auto client = parse(client_version);
  if (!client)
    return outdated(true, "The client version you specified (v" + c +
                              ") is not a valid semver version. Please update to the latest "
                              "version as soon as possible to ensure that you get the latest "
                              "feature and security updates.");
  auto server = parse(server_version);
  if (!server) return {};  // cannot happen: the server's own version is valid
  if (client->major != server->major || client->minor != server->minor)
    return outdated(true,
                    "YOUR VERSION OF STACK AUTH IS SEVERELY OUTDATED. YOU SHOULD UPDATE IT AS "
                    "SOON AS POSSIBLE. WE CAN'T APPLY SECURITY UPDATES IF YOU DON'T UPDATE STACK "
                    "AUTH REGULARLY. (your version is v" +
                        c + "; the current version is v" + s + ").");
  int order = compare(*client, *server);
  if (order < 0)
    return outdated(false, "You are running an outdated version of Stack Auth (v" + c +
                               "; the current version is v" + s +
                               "). Please update to the latest version as soon as possible to "
                               "ensure that you get the latest feature and security updates.");
  if (order > 0)
    return outdated(false,
                    "You are running a version of Stack Auth that is newer than the newest known "
                    "version (v" +
                        c + " > v" + s +
                        "). This is weird. Are you running on a development branch?");
  if (c != s)
    return outdated(true,
                    "You are running a version of Stack Auth that is not the same as the newest "
                    "known version (v" +
                        c + " !== v" + s +
                        "). Please update to the latest version as soon as possible to ensure "
                        "that you get the latest feature and security updates.");
  return {};
}

}  // namespace latchkey::core
