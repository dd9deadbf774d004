#include "core/project_config.hpp"

#include <algorithm>
#include <cctype>

namespace latchkey::core {

Json default_project_config() {
  return Json{
      {"allow_localhost", true},
      {"sign_up_enabled", true},
      {"credential_enabled", true},
      {"magic_link_enabled", false},
      {"passkey_enabled", false},
      {"client_team_creation_enabled", false},
      {"client_user_deletion_enabled", false},
      {"allow_user_api_keys", false},
      {"allow_team_api_keys", false},
      {"create_team_on_sign_up", false},
      {"oauth_providers", Json::array()},
      {"enabled_oauth_providers", Json::array()},
      {"oauth_account_merge_strategy", "link_method"},
      {"domains", Json::array()},
      {"email_config", Json{{"type", "shared"}}},
      {"email_theme", "default-light"},
      {"team_creator_default_permissions", Json::array({Json{{"id", "team_admin"}}})},
      {"team_member_default_permissions", Json::array({Json{{"id", "team_member"}}})},
      {"user_default_permissions", Json::array()},
  };
}

bool stack_id_less(const std::string& a, const std::string& b) {
  auto up = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  return up(a) < up(b);
}

void normalize_config(Json& c) {
  auto sort_by = [](Json& arr, const char* key) {
    if (!arr.is_array()) return;
    std::stable_sort(arr.begin(), arr.end(), [key](const Json& x, const Json& y) {
      return stack_id_less(x.value(key, ""), y.value(key, ""));
    });
  };
  sort_by(c["oauth_providers"], "id");
  sort_by(c["domains"], "domain");
  sort_by(c["team_creator_default_permissions"], "id");
  sort_by(c["team_member_default_permissions"], "id");
  sort_by(c["user_default_permissions"], "id");
  Json enabled = Json::array();
  for (const auto& p : c["oauth_providers"]) enabled.push_back(Json{{"id", p.value("id", "")}});
  c["enabled_oauth_providers"] = enabled;
}

Json client_config_view(const Json& c) {
  return Json{
      {"sign_up_enabled", c.value("sign_up_enabled", true)},
      {"credential_enabled", c.value("credential_enabled", true)},
      {"magic_link_enabled", c.value("magic_link_enabled", false)},
      {"passkey_enabled", c.value("passkey_enabled", false)},
      {"client_team_creation_enabled", c.value("client_team_creation_enabled", false)},
      {"client_user_deletion_enabled", c.value("client_user_deletion_enabled", false)},
      {"allow_user_api_keys", c.value("allow_user_api_keys", false)},
      {"allow_team_api_keys", c.value("allow_team_api_keys", false)},
      {"enabled_oauth_providers", c.value("enabled_oauth_providers", Json::array())},
  };
}

const std::vector<std::string>& oauth_provider_ids() {
  // Stack's eleven, plus Latchkey's twitch and oidc (a generic OpenID
  // Connect provider configured by its discovery_url).
  static const std::vector<std::string> ids = {
      "google", "github",   "microsoft", "spotify", "facebook", "discord", "gitlab",
      "bitbucket", "linkedin", "apple",     "x",       "twitch",   "oidc"};
  return ids;
}

}  // namespace latchkey::core
