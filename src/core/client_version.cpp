#include "core/client_version.hpp"

#include <charconv>

#include "core/validation.hpp"

namespace latchkey::core {
namespace {

// A semver number: digits, no leading zero.
std::optional<int> semver_number(std::string_view num) {
  if (num.empty() || (num.size() > 1 && num[0] == '0')) return std::nullopt;
  int value = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
  if (ec != std::errc() || p != num.data() + num.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ClientVersion> parse_client_version(std::optional<std::string_view> header) {
  if (!header) return std::nullopt;
  std::string_view h = trim_blanks(*header);
  size_t space = h.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view sdk = trim_blanks(h.substr(space + 1));
  // The package may be scoped ("@scope/name"): the version follows the last '@'.
  size_t at = sdk.rfind('@');
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  ClientVersion out;
  out.package = std::string(sdk.substr(0, at));
  std::string_view version = sdk.substr(at + 1);
  // MAJOR.MINOR.PATCH with an optional -prerelease / +build (not empty).
  size_t end = version.find_first_of("-+");
  if (end != std::string_view::npos && version.size() == end + 1) return std::nullopt;
  out.prerelease = end != std::string_view::npos && version[end] == '-';
  std::string_view numbers = version.substr(0, end);
  int* parts[3] = {&out.major, &out.minor, &out.patch};
  for (int k = 0; k < 3; ++k) {
    size_t dot = k < 2 ? numbers.find('.') : numbers.size();
    if (dot == std::string_view::npos) return std::nullopt;
    auto n = semver_number(numbers.substr(0, dot));
    if (!n) return std::nullopt;
    *parts[k] = *n;
    numbers = dot < numbers.size() ? numbers.substr(dot + 1) : std::string_view();
  }
  if (!numbers.empty()) return std::nullopt;
  return out;
}

bool expects_legacy_magic_link(std::optional<std::string_view> header) {
  auto v = parse_client_version(header);
  if (!v || v->package != "@stackframe/stack") return false;
  int mine[3] = {v->major, v->minor, v->patch};
  int last[3] = {2, 5, 37};
  for (int k = 0; k < 3; ++k)
    if (mine[k] != last[k]) return mine[k] < last[k];
  return true;  // 2.5.37 itself, or a pre-release of it (lower still)
}

ApiShape api_shape_of(std::optional<std::string_view> client_version_header,
                      bool has_access_type_header) {
  bool says_version = client_version_header && !trim_blanks(*client_version_header).empty();
  return says_version || !has_access_type_header ? ApiShape::kSdk : ApiShape::kReference;
}

}  // namespace latchkey::core
