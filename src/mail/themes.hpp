// E-mail themes (emails.md §5.3, §5.6): caller-supplied HTML wrapped in the
// project's `email_theme` (default-light, default-dark) with an optional
// unsubscribe link, and the plain-text part derived from it. Stack renders
// these with an external service; Latchkey renders them itself, except in
// Stack's development mode (STACK_FREESTYLE_API_KEY=mock_stack_freestyle_key),
// where it answers what Stack's mock answers, byte for byte.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::mail {

enum class EmailTheme { kLight, kDark };
// "default-light" / "default-dark"; nullopt for anything else.
std::optional<EmailTheme> parse_email_theme(std::string_view name);

struct RenderedBody {
  std::string html;
  std::string text;
};

// The body wrapped in the theme's document; `unsubscribe_link` (when set)
// is appended as a link, HTML-escaped.
RenderedBody render_with_theme(std::string_view body_html, EmailTheme theme,
                               const std::optional<std::string>& unsubscribe_link);

// What Stack's renderer answers with its development key: a fixed sentence
// and the unsubscribe link, whatever the body.
RenderedBody render_stack_mock(const std::optional<std::string>& unsubscribe_link);

// `s` for a double-quoted HTML attribute (a link): &, <, >, " and ' escaped,
// nothing else, so the URL reads as written.
std::string attribute_escape(std::string_view s);

// A readable plain-text version of an HTML fragment: tags dropped, block
// ends and <br> as line breaks, links as "text (url)", entities decoded,
// script and style contents removed, runs of blank lines collapsed.
std::string html_to_text(std::string_view html);

}  // namespace latchkey::mail
