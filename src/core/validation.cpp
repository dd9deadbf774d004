#include "core/validation.hpp"

#include <boost/url/parse.hpp>
#include <cctype>
#include <string_view>

namespace latchkey::core {

// Hand-written rather than std::regex: the regex engine recurses per
// character and overflows the stack on long input.
bool is_valid_email(std::string_view s) {
  // yup's e-mail rule (WHATWG's): local@label(.label)*, labels of
  // alphanumerics with inner hyphens, at most 63 characters.
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos)
    return false;
  static const std::string_view local_extra = ".!#$%&'*+/=?^_`{|}~-";
  for (char c : s.substr(0, at))
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        local_extra.find(c) == std::string_view::npos)
      return false;
  std::string_view domain = s.substr(at + 1);
  if (domain.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// The sign-up / OTP rule /^[^.]+(\.[^.]+)*@.*\.[^.][^.]+$/ for an address
// that already passed is_valid_email: no leading, trailing or doubled dot in
// the local part, and a dot in the domain followed by at least two
// characters.
bool is_strict_email(std::string_view s) {
  size_t at = s.rfind('@');
  if (at == std::string_view::npos) return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.empty() || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos)
    return false;
  size_t dot = domain.rfind('.');
  return dot != std::string_view::npos && domain.size() - dot - 1 >= 2;
}

bool is_valid_url(std::string_view s) {
  // WHATWG URLs may carry a fragment, which RFC 3986's absolute-URI excludes.
  auto r = boost::urls::parse_uri(s);
  return r.has_value() && !r->scheme().empty();
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace latchkey::core
