#include "core/otp.hpp"

#include "core/errors.hpp"
#include "core/trusted_urls.hpp"
#include "core/users.hpp"

namespace latchkey::core {
namespace {

bool config_flag(const store::Project& p, const char* key, bool fallback) {
  return p.config.is_object() ? p.config.value(key, fallback) : fallback;
}

// Step 2 of §2.1 and §2.2: nullopt = no account signs in with the address.
std::optional<store::User> existing_otp_user(store::Store& store, const store::Project& project,
                                             const std::string& email) {
  auto channel = store.contact_channels().find_auth_channel(project.id, "email", email);
  if (!channel) return std::nullopt;
  if (!channel->is_verified) throw errors::user_email_already_exists(channel->value);
  auto user = store.users().get_user(project.id, channel->user_id);
  if (!user) return std::nullopt;  // deleted meanwhile: the address is free again
  if (!user->otp_auth_enabled) {
    // The account "merge": a verified address gains OTP sign-in.
    store::UserUpdate up;
    up.otp_auth_enabled = true;
    if (store.users().update_user(project.id, user->id, up) == store::UpdateUserStatus::kUpdated)
      user->otp_auth_enabled = true;
  }
  return user;
}

}  // namespace

std::string send_sign_in_code(const EmailServices& s, const store::Project& project,
                              const std::string& branch_id, const std::string& email,
                              const std::string& callback_url, bool legacy_client) {
  if (!config_flag(project, "magic_link_enabled", false))
    throw PlainError(403, "Magic link is not enabled for this project");
  const std::string address = normalize_email(email);
  if (!existing_otp_user(s.store, project, address) &&
      !config_flag(project, "sign_up_enabled", true))
    throw errors::sign_up_not_enabled();
  if (!is_trusted_url(project.config, callback_url)) throw errors::redirect_url_not_whitelisted();

  CodeEmail e;
  e.code.type = CodeType::kOneTimePassword;
  e.code.method = Json{{"email", address}, {"type", legacy_client ? "legacy" : "standard"}};
  e.code.data = Json::object();
  e.template_type = mail::TemplateType::kMagicLink;
  e.vars = {{"projectDisplayName", project.display_name}};
  e.link_var = "magicLink";
  e.recipient = address;
  e.callback_url = callback_url;
  e.legacy_magic_link = legacy_client;
  auto issued = send_code_email(s, project, branch_id, std::move(e));
  return nonce_of(issued.code);
}

OtpUser resolve_otp_user(store::Store& store, const Clock& clock, const store::Project& project,
                         const std::string& email) {
  const std::string address = normalize_email(email);
  if (auto user = existing_otp_user(store, project, address)) return {*user, false};
  if (!config_flag(project, "sign_up_enabled", true)) throw errors::sign_up_not_enabled();
  NewUser n;
  n.primary_email = address;
  n.primary_email_verified = true;
  n.primary_email_auth_enabled = true;
  n.otp_auth_enabled = true;
  // Throws USER_EMAIL_ALREADY_EXISTS when the address was claimed meanwhile.
  return {create_user(store, clock, project.id, std::move(n)), true};
}

std::optional<std::string> otp_code_email(const store::VerificationCode& row) {
  if (!row.method.is_object()) return std::nullopt;
  auto it = row.method.find("email");
  if (it == row.method.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace latchkey::core
