#include "mail/templates.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cctype>
#include <vector>

namespace latchkey::mail {

std::string_view template_type_name(TemplateType type) {
  switch (type) {
    case TemplateType::kEmailVerification:
      return "email_verification";
    case TemplateType::kPasswordReset:
      return "password_reset";
    case TemplateType::kMagicLink:
      return "magic_link";
    case TemplateType::kTeamInvitation:
      return "team_invitation";
    case TemplateType::kSignInInvitation:
      return "sign_in_invitation";
  }
  return "email_verification";
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#x27;";
        break;
      case '`':
        out += "&#x60;";
        break;
      case '=':
        out += "&#x3D;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') return false;
  return true;
}

// {{#if}} blocks nested deeper than this do not compile: each level is a
// call of render_block, and a template is as long as a request body.
constexpr int kMaxBlockDepth = 64;

// Renders from `i` until the end (top level, depth 0) or the matching
// {{/if}} (inside a block, which is consumed). `emit` false skips output (a
// false {{#if}} branch) while still checking the syntax.
bool render_block(std::string_view t, size_t& i, const TemplateVars& vars, bool emit, bool esc,
                  int depth, std::string& out) {
  const bool in_if = depth > 0;
  while (i < t.size()) {
    size_t open = t.find("{{", i);
    if (open == std::string_view::npos) {
      if (emit) out.append(t.substr(i));
      i = t.size();
      break;
    }
    if (emit) out.append(t.substr(i, open - i));
    size_t close = t.find("}}", open + 2);
    if (close == std::string_view::npos) return false;
    std::string_view tag = trim(t.substr(open + 2, close - open - 2));
    i = close + 2;
    if (tag.rfind("#if", 0) == 0) {
      std::string_view name = trim(tag.substr(3));
      if (!is_name(name) || tag.size() == 3 || !std::isspace(static_cast<unsigned char>(tag[3])) ||
          depth == kMaxBlockDepth)
        return false;
      auto it = vars.find(std::string(name));
      bool truthy = it != vars.end() && !it->second.empty();
      if (!render_block(t, i, vars, emit && truthy, esc, depth + 1, out)) return false;
    } else if (tag == "/if") {
      return in_if;
    } else if (is_name(tag)) {
      if (emit) {
        auto it = vars.find(std::string(tag));
        if (it != vars.end()) out += esc ? html_escape(it->second) : it->second;
      }
    } else {
      return false;  // helpers, partials, comments: not part of the subset
    }
  }
  return !in_if;  // an {{#if}} without {{/if}}
}

std::string render_or_verbatim(std::string_view tmpl, const TemplateVars& vars, bool esc) {
  auto r = render_handlebars(tmpl, vars, esc);
  return r ? *r : std::string(tmpl);
}

std::string var(const TemplateVars& vars, const char* name) {
  auto it = vars.find(name);
  return it == vars.end() ? std::string() : it->second;
}

constexpr const char* kButtonStyle =
    "display:inline-block;padding:10px 20px;background:#000000;color:#ffffff;"
    "text-decoration:none;border-radius:6px;font-weight:600";

}  // namespace

const char* const kTemplateGreeting = "Hi{{#if userDisplayName}}, {{ userDisplayName }}{{/if}}!";
const char* const kTemplateFooter =
    "If you were not expecting this email, you can safely ignore it.";

TemplateText template_text(TemplateType type, bool legacy_magic_link) {
  using A = TemplateText::Action;
  switch (type) {
    case TemplateType::kEmailVerification:
      return {"Verify your email at {{ projectDisplayName }}",
              "Verify your email at {{ projectDisplayName }}",
              " Please click on the following button to verify your email.",
              A::kButton,
              "Verify my email",
              "emailVerificationLink"};
    case TemplateType::kPasswordReset:
      return {"Reset your password at {{ projectDisplayName }}",
              "Reset your password at {{ projectDisplayName }}",
              " Please click on the following button to start the password reset process.",
              A::kButton,
              "Reset my password",
              "passwordResetLink"};
    case TemplateType::kMagicLink:
      if (legacy_magic_link)
        return {"Sign in to {{ projectDisplayName }}: Your code is {{ otp }}",
                "Sign in to {{ projectDisplayName }}",
                " Please click on the following button to sign in.",
                A::kButton,
                "Sign in",
                "magicLink"};
      return {"Sign in to {{ projectDisplayName }}: Your code is {{ otp }}",
              "Sign in to {{ projectDisplayName }}",
              " This is your one-time-password for signing in:",
              A::kOtpAndLink,
              "",
              "magicLink"};
    case TemplateType::kTeamInvitation:
      return {"You have been invited to join {{ teamDisplayName }}",
              "You are invited to {{ teamDisplayName }}",
              " Please click on the following button to join the team {{ teamDisplayName }}",
              A::kButton,
              "Join team",
              "teamInvitationLink"};
    case TemplateType::kSignInInvitation:
      // The heading names the team, which this e-mail never has: it renders
      // empty, as in the reference (emails.md §3, quirk kept for wording).
      return {"You have been invited to sign in to {{ projectDisplayName }}",
              "You are invited to sign in to {{ teamDisplayName }}",
              " Please click on the following link to sign in to your account",
              A::kButton,
              "Sign in",
              "signInInvitationLink"};
  }
  return template_text(TemplateType::kEmailVerification, false);
}

std::optional<std::string> render_handlebars(std::string_view tmpl, const TemplateVars& vars,
                                             bool escape_html) {
  std::string out;
  size_t i = 0;
  if (!render_block(tmpl, i, vars, true, escape_html, 0, out)) return std::nullopt;
  return out;
}

RenderedEmail render_email(TemplateType type, const TemplateVars& vars, bool legacy_magic_link) {
  const TemplateText t = template_text(type, legacy_magic_link);
  const std::string paragraph = std::string(kTemplateGreeting) + t.text;

  RenderedEmail out;
  out.subject = render_or_verbatim(t.subject, vars, false);

  // Plain text: the link appears verbatim, so clients (and tests) can take
  // the code from the text part.
  const std::string link = var(vars, t.link_var);
  std::string text = render_or_verbatim(t.heading, vars, false) + "\n\n" +
                     render_or_verbatim(paragraph, vars, false) + "\n\n";
  if (t.action == TemplateText::Action::kButton) {
    text += std::string(t.button_label) + ": " + link + "\n\n";
  } else {
    text += var(vars, "otp") + "\n\nOr you can click on this link to sign in: " + link + "\n\n";
  }
  text += std::string("---\n\n") + kTemplateFooter + "\n";
  out.text = std::move(text);

  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(out.subject) +
      "</title></head>\n<body style=\"margin:0;padding:24px;background:#f6f6f6;"
      "font-family:Helvetica,Arial,sans-serif;color:#111111\">\n"
      "<div style=\"max-width:560px;margin:0 auto;padding:32px;background:#ffffff;"
      "border-radius:8px\">\n<h1 style=\"font-size:22px;margin:0 0 16px\">" +
      render_or_verbatim(t.heading, vars, true) + "</h1>\n<p style=\"font-size:16px\">" +
      render_or_verbatim(paragraph, vars, true) + "</p>\n";
  if (t.action == TemplateText::Action::kButton) {
    html += "<p style=\"margin:24px 0\"><a href=\"" + html_escape(link) + "\" style=\"" +
            kButtonStyle + "\">" + t.button_label + "</a></p>\n";
  } else {
    html += "<p style=\"font-size:28px;font-weight:700;letter-spacing:4px;margin:24px 0\">" +
            html_escape(var(vars, "otp")) +
            "</p>\n<p style=\"font-size:16px\">Or you can click on <a href=\"" + html_escape(link) +
            "\">this link</a> to sign in</p>\n";
  }
  html += std::string("<hr style=\"border:none;border-top:1px solid #dddddd;margin:24px 0\">\n") +
          "<p style=\"font-size:13px;color:#666666\">" + kTemplateFooter +
          "</p>\n</div>\n</body></html>\n";
  out.html = std::move(html);
  return out;
}

std::optional<std::string> build_code_link(std::string_view callback_url, std::string_view code) {
  auto parsed = boost::urls::parse_uri(callback_url);
  if (!parsed || !parsed->has_scheme()) return std::nullopt;
  boost::urls::url u(*parsed);
  // A URL with a host and no path serialises with "/", as browsers do.
  if (u.has_authority() && u.encoded_path().empty()) u.set_path_absolute(true);
  // Boost.URL 1.81 reads out of bounds (a crash) when params().set searches
  // an empty query that a fragment follows ("http://localhost:3000/cb?#",
  // found by fuzz/trusted_url_fuzz.cpp). An empty query has no parameters:
  // it is dropped first, and set() appends to no query at all.
  if (u.has_query() && u.encoded_query().empty()) u.remove_query();
  // Replaces the first `code` and erases any other; appends when absent.
  u.params().set("code", code);
  return std::string(u.buffer());
}

}  // namespace latchkey::mail
