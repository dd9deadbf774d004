#include "core/users.hpp"

#include <algorithm>
#include <cctype>

#include "core/crypto.hpp"
#include "core/errors.hpp"

namespace latchkey::core {

Json user_view(const store::User& u, bool server_shape) {
  auto opt = [](const std::optional<std::string>& s) { return s ? Json(*s) : Json(); };
  bool has_password = u.password_hash.has_value();
  bool passkey_auth_enabled = false;  // passkeys land with the MFA/passkey issue
  Json j;
  j["id"] = u.id;
  j["display_name"] = opt(u.display_name);
  j["primary_email"] = opt(u.primary_email);
  j["primary_email_verified"] = u.primary_email.has_value() && u.primary_email_verified;
  if (server_shape)
    j["primary_email_auth_enabled"] = u.primary_email.has_value() && u.primary_email_auth_enabled;
  j["profile_image_url"] = opt(u.profile_image_url);
  j["signed_up_at_millis"] = u.created_at_millis;
  if (server_shape)
    j["last_active_at_millis"] = std::max(u.last_active_at_millis, u.created_at_millis);
  j["is_anonymous"] = u.is_anonymous;
  j["client_metadata"] = u.client_metadata;
  j["client_read_only_metadata"] = u.client_read_only_metadata;
  if (server_shape) j["server_metadata"] = u.server_metadata;
  j["has_password"] = has_password;
  j["otp_auth_enabled"] = u.otp_auth_enabled;
  j["passkey_auth_enabled"] = passkey_auth_enabled;
  j["auth_with_email"] = has_password || u.otp_auth_enabled;
  j["requires_totp_mfa"] = u.requires_totp_mfa;
  j["oauth_providers"] = Json::array();
  j["selected_team_id"] = opt(u.selected_team_id);
  j["selected_team"] = Json();  // teams land with the teams issue
  return j;
}

std::string normalize_email(std::string_view email) {
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.front())))
    email.remove_prefix(1);
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.back())))
    email.remove_suffix(1);
  std::string out(email);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

store::User create_user(store::Store& store, const Clock& clock, const std::string& project_id,
                        NewUser n) {
  store::User u;
  u.id = random_uuid();
  u.project_id = project_id;
  u.display_name = n.display_name && !n.display_name->empty() ? n.display_name : std::nullopt;
  u.profile_image_url = n.profile_image_url;
  if (n.primary_email) u.primary_email = normalize_email(*n.primary_email);
  u.primary_email_verified = n.primary_email_verified;
  u.primary_email_auth_enabled = n.primary_email_auth_enabled;
  u.password_hash = n.password_hash;
  u.otp_auth_enabled = n.otp_auth_enabled;
  u.is_anonymous = n.is_anonymous;
  u.client_metadata = n.client_metadata;
  u.client_read_only_metadata = n.client_read_only_metadata;
  u.server_metadata = n.server_metadata;
  u.totp_secret = n.totp_secret;
  u.created_at_millis = clock.now_millis();
  u.last_active_at_millis = u.created_at_millis;
  if (store.users().create_user(u) == store::CreateUserStatus::kEmailInUse)
    throw errors::user_email_already_exists(*u.primary_email);
  return u;
}

}  // namespace latchkey::core
