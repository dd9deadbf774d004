// E-mails a project sends to its users (emails.md §5.3, §5.6): custom HTML
// in the project's theme, per notification category, with an unsubscribe
// link for categories a user may disable; and the theme preview.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/email_codes.hpp"
#include "mail/themes.hpp"

namespace latchkey::core {

// How custom e-mails are rendered: Latchkey's own themes, or, with Stack's
// development key (STACK_FREESTYLE_API_KEY=mock_stack_freestyle_key), Stack's
// mock answer, so that Stack's own tests can compare bodies.
struct EmailRendering {
  bool stack_mock = false;
  static EmailRendering from_env();
};

struct CustomEmail {
  std::vector<std::string> user_ids;
  std::string html;
  std::string subject;
  std::string notification_category_name;
};

struct CustomEmailResult {
  std::string user_id;
  std::optional<std::string> user_email;  // set once the user's address is known
  bool success = false;
  std::optional<std::string> error;
};

// POST /emails/send-email: plain 400 when the project uses the shared e-mail
// server, plain 404 for an unknown category; otherwise one result per user
// id, in order (a failure of one user does not stop the others).
std::vector<CustomEmailResult> send_custom_email(const EmailServices& s,
                                                 const store::Project& project,
                                                 const std::string& api_url,
                                                 const EmailRendering& rendering,
                                                 const CustomEmail& email);

// POST /emails/render-email: the preview in `theme`.
mail::RenderedBody render_theme_preview(const EmailRendering& rendering,
                                        const std::string& preview_html, mail::EmailTheme theme);

}  // namespace latchkey::core
