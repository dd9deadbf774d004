#include "core/custom_emails.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "core/email_templates.hpp"
#include "core/errors.hpp"
#include "core/notifications.hpp"

namespace latchkey::core {
namespace {

constexpr const char* kStackMockKey = "mock_stack_freestyle_key";

mail::EmailTheme project_theme(const store::Project& project) {
  std::string name = project.config.is_object() && project.config.contains("email_theme") &&
                             project.config["email_theme"].is_string()
                         ? project.config["email_theme"].get<std::string>()
                         : std::string("default-light");
  return mail::parse_email_theme(name).value_or(mail::EmailTheme::kLight);
}

mail::RenderedBody render(const EmailRendering& rendering, const std::string& html,
                          mail::EmailTheme theme, const std::optional<std::string>& unsubscribe) {
  if (rendering.stack_mock) return mail::render_stack_mock(unsubscribe);
  return mail::render_with_theme(html, theme, unsubscribe);
}

}  // namespace

EmailRendering EmailRendering::from_env() {
  const char* key = std::getenv("STACK_FREESTYLE_API_KEY");
  return {key && std::string(key) == kStackMockKey};
}

std::vector<CustomEmailResult> send_custom_email(const EmailServices& s,
                                                 const store::Project& project,
                                                 const std::string& api_url,
                                                 const EmailRendering& rendering,
                                                 const CustomEmail& email) {
  if (uses_shared_email_server(project))
    throw PlainError(400, "Cannot send custom emails when using shared email config");
  const NotificationCategory* category = find_category_by_name(email.notification_category_name);
  if (!category) throw PlainError(404, "Notification category not found");
  const mail::EmailTheme theme = project_theme(project);

  std::vector<CustomEmailResult> results;
  for (const auto& user_id : email.user_ids) {
    CustomEmailResult r;
    r.user_id = user_id;
    auto fail = [&](const char* why) {
      r.error = why;
      results.push_back(r);
    };
    auto user = s.store.users().get_user(project.id, user_id);
    if (!user) {
      fail("User not found");
      continue;
    }
    if (!notification_enabled(s.store, project.id, user_id, *category)) {
      fail("User has disabled notifications for this category");
      continue;
    }
    if (!user->primary_email) {
      fail("User does not have a primary email");
      continue;
    }
    r.user_email = user->primary_email;
    std::optional<std::string> unsubscribe;
    std::vector<std::string> secrets;
    if (category->can_disable) {
      std::string code;
      try {
        code = create_unsubscribe_code(s.store, s.clock, project.id, user_id, *category);
      } catch (const KnownError&) {
        fail("User not found");  // deleted meanwhile
        continue;
      }
      unsubscribe = unsubscribe_link(api_url, code);
      secrets.push_back(code);
    }
    mail::RenderedBody body = render(rendering, email.html, theme, unsubscribe);
    try {
      s.mailer.send(project, {*user->primary_email,
                              {email.subject, std::move(body.text), std::move(body.html)},
                              secrets});
    } catch (const mail::DeliveryError& e) {
      spdlog::warn("custom e-mail to user {} of project {} not delivered: {}", user_id, project.id,
                   e.what());
      fail("Failed to send email");
      continue;
    }
    r.success = true;
    results.push_back(r);
  }
  return results;
}

mail::RenderedBody render_theme_preview(const EmailRendering& rendering,
                                        const std::string& preview_html, mail::EmailTheme theme) {
  return render(rendering, preview_html, theme, std::nullopt);
}

}  // namespace latchkey::core
