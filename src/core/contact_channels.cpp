#include "core/contact_channels.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <memory>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/trusted_urls.hpp"
#include "core/users.hpp"

namespace latchkey::core {
namespace {

using store::ContactChannelWrite;

[[noreturn]] void already_exists() { throw PlainError(400, "Contact channel already exists"); }

// §4: one verification code per send, e-mailed to `address`.
void send_verification_code(const EmailServices& s, const store::Project& project,
                            const std::string& branch_id, const store::User& user,
                            const std::string& address, const std::string& callback_url) {
  CodeEmail e;
  e.code.type = CodeType::kContactChannelVerification;
  e.code.method = Json{{"email", address}};
  e.code.data = Json{{"user_id", user.id}};
  e.template_type = mail::TemplateType::kEmailVerification;
  e.vars = {{"projectDisplayName", project.display_name}};
  if (user.display_name && !user.display_name->empty())
    e.vars["userDisplayName"] = *user.display_name;
  e.link_var = "emailVerificationLink";
  e.recipient = address;
  e.callback_url = callback_url;
  send_code_email(s, project, branch_id, std::move(e));
}

}  // namespace

Json contact_channel_view(const store::ContactChannel& c) {
  return Json{{"id", c.id},
              {"user_id", c.user_id},
              {"type", c.type},
              {"value", c.value},
              {"is_primary", c.is_primary},
              {"is_verified", c.is_verified},
              {"used_for_auth", c.used_for_auth}};
}

std::vector<store::ContactChannel> list_contact_channels(
    store::Store& store, const std::string& project_id, const std::optional<std::string>& user_id,
    const std::optional<std::string>& channel_id) {
  return store.contact_channels().list_contact_channels(project_id, user_id, channel_id);
}

std::optional<store::ContactChannel> find_contact_channel(store::Store& store,
                                                          const std::string& project_id,
                                                          const std::string& user_id,
                                                          const std::string& channel_id) {
  return store.contact_channels().get_contact_channel(project_id, user_id, channel_id);
}

store::ContactChannel create_contact_channel(store::Store& store, const Clock& clock,
                                             const std::string& project_id, NewContactChannel n) {
  store::ContactChannel c;
  c.id = random_uuid();
  c.project_id = project_id;
  c.user_id = n.user_id;
  c.type = n.type;
  c.value = normalize_email(n.value);
  c.is_primary = n.is_primary;
  c.is_verified = n.is_verified;
  c.used_for_auth = n.used_for_auth;
  c.created_at_millis = clock.now_millis();
  switch (store.contact_channels().create_contact_channel(c)) {
    case ContactChannelWrite::kOk:
      return c;
    case ContactChannelWrite::kUserNotFound:
      throw errors::user_not_found();
    case ContactChannelWrite::kAlreadyExists:
      already_exists();
    case ContactChannelWrite::kUsedForAuthElsewhere:
      throw errors::contact_channel_already_used_for_auth_by_someone_else(c.type, c.value);
    case ContactChannelWrite::kNotFound:
      break;
  }
  throw std::logic_error("unexpected contact channel write status");
}

store::ContactChannel update_contact_channel(store::Store& store, const std::string& project_id,
                                             const std::string& user_id, const std::string& id,
                                             store::ContactChannelUpdate update) {
  if (update.value) update.value = normalize_email(*update.value);
  store::ContactChannel out;
  switch (store.contact_channels().update_contact_channel(project_id, user_id, id, update, &out)) {
    case ContactChannelWrite::kOk:
      return out;
    case ContactChannelWrite::kNotFound:
    case ContactChannelWrite::kUserNotFound:
      throw PlainError(400, "Contact channel not found");
    case ContactChannelWrite::kAlreadyExists:
      already_exists();
    case ContactChannelWrite::kUsedForAuthElsewhere:
      throw errors::contact_channel_already_used_for_auth_by_someone_else("email", std::nullopt);
  }
  throw std::logic_error("unexpected contact channel write status");
}

void delete_contact_channel(store::Store& store, const std::string& project_id,
                            const std::string& user_id, const std::string& id) {
  if (!store.contact_channels().delete_contact_channel(project_id, user_id, id))
    throw PlainError(400, "Contact channel not found");
}

void send_contact_channel_verification(const EmailServices& s, const store::Project& project,
                                       const std::string& branch_id, const store::User& user,
                                       const std::string& channel_id,
                                       const std::string& callback_url) {
  auto channel = s.store.contact_channels().get_contact_channel(project.id, user.id, channel_id);
  if (!channel || channel->type != "email") throw PlainError(404, "Contact channel not found");
  if (channel->is_verified) throw errors::email_already_verified();
  if (!is_trusted_url(project.config, callback_url)) throw errors::redirect_url_not_whitelisted();
  send_verification_code(s, project, branch_id, user, channel->value, callback_url);
}

void send_primary_email_verification(const EmailServices& s, const store::Project& project,
                                     const std::string& branch_id, const store::User& user,
                                     const std::string& email, const std::string& callback_url) {
  // The user's primary channel as stored now (the request's user may be a
  // cached copy).
  std::optional<store::ContactChannel> primary;
  for (auto& c :
       s.store.contact_channels().list_contact_channels(project.id, user.id, std::nullopt))
    if (c.type == "email" && c.is_primary) primary = c;
  if (!primary || primary->value != normalize_email(email))
    throw errors::email_is_not_primary_email(
        email, primary ? std::optional<std::string_view>(primary->value) : std::nullopt);
  if (primary->is_verified) throw errors::email_already_verified();
  if (!is_trusted_url(project.config, callback_url)) throw errors::redirect_url_not_whitelisted();
  send_verification_code(s, project, branch_id, user, primary->value, callback_url);
}

void verify_contact_channel(store::Store& store, const Clock& clock, const std::string& project_id,
                            const std::string& branch_id, std::string_view code) {
  auto row =
      use_code(store, clock, project_id, branch_id, CodeType::kContactChannelVerification, code);
  std::string user_id = row.data.is_object() ? row.data.value("user_id", "") : "";
  std::string email = row.method.is_object() ? row.method.value("email", "") : "";
  if (user_id.empty() || email.empty() ||
      !store.contact_channels().mark_contact_channel_verified(project_id, user_id, "email", email))
    throw PlainError(400, "Contact channel not found. Was your contact channel deleted?");
}

void send_sign_up_verification_email(const EmailServices& s, const store::Project& project,
                                     const std::string& branch_id, const store::User& user,
                                     const std::string& email, const std::string& callback_url) {
  // The channel was stored normalised; the code names the same address, so
  // the link verifies it (the reference's mixed-case quirk is not kept,
  // auth-endpoints.md §0.5).
  std::string address = normalize_email(email);
  auto handed_over = std::make_shared<std::promise<void>>();
  auto done = handed_over->get_future();
  s.mailer.run_in_background([s, project, branch_id, user, address, callback_url, handed_over] {
    try {
      send_verification_code(s, project, branch_id, user, address, callback_url);
    } catch (const std::exception& e) {
      spdlog::error("sign-up verification e-mail to {} (user {}) failed: {}", address, user.id,
                    e.what());
    }
    handed_over->set_value();
  });
  // Mail the client asks for right after signing up (a new verification
  // code, a password reset) must not overtake this one, so the sign-up
  // waits for it a little; a slow or failing server still never delays the
  // sign-up beyond that, nor fails it.
  done.wait_for(kSignUpMailWait);
}

}  // namespace latchkey::core
