#include "store/json_columns.hpp"

namespace latchkey::store {

Json parse_json_or_null(const std::optional<std::string>& s) {
  if (!s) return Json();
  return Json::parse(*s, nullptr, false);
}

std::optional<std::string> dump_or_null(const Json& j) {
  if (j.is_null()) return std::nullopt;
  return j.dump();
}

std::vector<UserOAuthProvider> oauth_providers_from_json(const std::optional<std::string>& column) {
  std::vector<UserOAuthProvider> out;
  Json accounts = parse_json_or_null(column);
  if (!accounts.is_array()) return out;
  for (const auto& o : accounts)
    out.push_back(UserOAuthProvider{o.value("id", ""), o.value("account_id", ""),
                                    o.contains("email") && o["email"].is_string()
                                        ? std::optional<std::string>(o["email"].get<std::string>())
                                        : std::nullopt});
  return out;
}

}  // namespace latchkey::store
