// The engine-neutral column encodings of OAuthStore (see oauth_store.hpp).
#include "store/oauth_store.hpp"

#include <sstream>

namespace latchkey::store {

const char* token_kind_name(OAuthTokenKind kind) {
  return kind == OAuthTokenKind::kAccess ? "access" : "refresh";
}

OAuthTokenKind parse_token_kind(std::string_view name) {
  return name == "access" ? OAuthTokenKind::kAccess : OAuthTokenKind::kRefresh;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

std::vector<std::string> split_scopes(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string s; in >> s;) out.push_back(s);
  return out;
}

}  // namespace latchkey::store
