// The e-mail templates of emails.md §1–§3 (subjects, text and HTML bodies),
// the Handlebars subset they are written in, and the callback links with
// `?code=` that the code-bearing e-mails carry.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::mail {

enum class TemplateType {
  kEmailVerification,
  kPasswordReset,
  kMagicLink,
  kTeamInvitation,
  kSignInInvitation,
};
// "email_verification", "password_reset", "magic_link", "team_invitation",
// "sign_in_invitation".
std::string_view template_type_name(TemplateType type);

// Variable name → value; an absent variable renders as empty and is false
// in {{#if}}.
using TemplateVars = std::map<std::string, std::string>;

// `{{ name }}` substitution and `{{#if name}} … {{/if}}` (nestable). With
// `escape_html`, substituted values are HTML-escaped (for the HTML part).
// nullopt when the template does not compile (unbalanced or unknown block,
// or {{#if}} nested more than 64 deep);
// callers then use the template verbatim, as the reference does.
std::optional<std::string> render_handlebars(std::string_view tmpl, const TemplateVars& vars,
                                             bool escape_html = false);

// A built-in template's texts, each a Handlebars template (emails.md §3):
// a heading, a paragraph after "Hi…!", and an action (a button to a link
// variable, or the magic link's OTP followed by its link).
struct TemplateText {
  enum class Action { kButton, kOtpAndLink };
  const char* subject;
  const char* heading;
  const char* text;  // the paragraph's own words, starting with a space
  Action action;
  const char* button_label;
  const char* link_var;
};
TemplateText template_text(TemplateType type, bool legacy_magic_link = false);
// "Hi{{#if userDisplayName}}, {{ userDisplayName }}{{/if}}!" and the footer
// every built-in template ends with.
extern const char* const kTemplateGreeting;
extern const char* const kTemplateFooter;

struct RenderedEmail {
  std::string subject;
  std::string text;
  std::string html;
};

// The default template of `type` rendered with `vars`. `legacy_magic_link`
// selects the old magic-link body (a button instead of the OTP) for SDK
// clients ≤ 2.5.37.
RenderedEmail render_email(TemplateType type, const TemplateVars& vars,
                           bool legacy_magic_link = false);

// `callback_url` with the query parameter `code` set to `code` (an existing
// `code` replaced, every other parameter, the path and the fragment kept).
// nullopt when `callback_url` is not an absolute URL.
std::optional<std::string> build_code_link(std::string_view callback_url, std::string_view code);

std::string html_escape(std::string_view s);

}  // namespace latchkey::mail
