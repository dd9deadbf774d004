#include "core/password_reset.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <memory>

#include "core/errors.hpp"
#include "core/trusted_urls.hpp"

namespace latchkey::core {
namespace {

constexpr size_t kMinPasswordLength = 8;

}  // namespace

bool send_password_reset_code(const EmailServices& s, const store::Project& project,
                              const std::string& branch_id, const std::string& email,
                              const std::string& callback_url,
                              std::chrono::steady_clock::time_point answer_at) {
  // Everything that can refuse the request happens before the look-up, so
  // no answer depends on whether the address has an account.
  if (!is_trusted_url(project.config, callback_url)) throw errors::redirect_url_not_whitelisted();
  const std::string address = normalize_email(email);
  count_email_request(s, project, address);
  auto user = s.store.users().find_user_by_auth_email(project.id, address);
  if (!user) return false;

  CodeEmail e;
  e.code.type = CodeType::kPasswordReset;
  e.code.method = Json{{"email", address}};
  e.code.data = Json{{"user_id", user->id}};
  e.template_type = mail::TemplateType::kPasswordReset;
  e.vars = {{"projectDisplayName", project.display_name}};
  if (user->display_name && !user->display_name->empty())
    e.vars["userDisplayName"] = *user->display_name;
  e.link_var = "passwordResetLink";
  e.recipient = address;
  e.callback_url = callback_url;
  e.counted = true;
  // The code is created and mailed on the mailer's threads: a slow or
  // failing mail server shows in the log, never in the answer. The request
  // waits for the hand-over only until `answer_at`, the time every answer
  // leaves at, known address or not; a mail server as quick as usual has
  // the e-mail by then, so a client may look for it as soon as it has the
  // answer (as Stack's suite does).
  EmailServices background{s.store, s.clock, s.mailer};
  auto handed_over = std::make_shared<std::promise<void>>();
  auto done = handed_over->get_future();
  s.mailer.run_in_background(
      [background, project, branch_id, e = std::move(e), handed_over]() mutable {
        const std::string to = e.recipient;
        try {
          send_code_email(background, project, branch_id, std::move(e));
        } catch (const std::exception& err) {
          spdlog::error("password reset e-mail to {} failed: {}", to, err.what());
        }
        handed_over->set_value();
      });
  done.wait_until(answer_at);
  return true;
}

void reset_password(store::Store& store, const Clock& clock, const store::Project& project,
                    const std::string& branch_id, std::string_view code, std::string_view password,
                    size_t password_length, const PasswordHashFn& hash_password) {
  auto row = use_code(store, clock, project.id, branch_id, CodeType::kPasswordReset, code);
  if (!project.config.value("credential_enabled", true))
    throw errors::password_authentication_not_enabled();
  if (password_length < kMinPasswordLength) throw errors::password_too_short(kMinPasswordLength);
  std::string user_id = row.data.is_object() ? row.data.value("user_id", "") : "";
  std::string hash = hash_password(password);
  store::UserUpdate up;
  up.password_hash = std::optional<std::string>(std::move(hash));
  up.delete_sessions = true;  // a reset signs the user out everywhere
  up.now_millis = clock.now_millis();
  if (user_id.empty() ||
      store.users().update_user(project.id, user_id, up) == store::UpdateUserStatus::kNotFound)
    throw errors::user_not_found();
}

}  // namespace latchkey::core
