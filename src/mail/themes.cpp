#include "mail/themes.hpp"

#include <cctype>
#include <cstdlib>
#include <string>

#include "mail/templates.hpp"

namespace latchkey::mail {
namespace {

struct ThemeColors {
  const char* backdrop;
  const char* canvas;
  const char* text;
  const char* link;
};

// Tailwind's slate palette, as the reference's themes use it (bg-white /
// text-slate-800, bg-slate-900 / text-slate-100).
ThemeColors colors(EmailTheme t) {
  if (t == EmailTheme::kDark) return {"#020617", "#0f172a", "#f1f5f9", "#93c5fd"};
  return {"#f8fafc", "#ffffff", "#1e293b", "#2563eb"};
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The tag's name, lower-case, without a leading '/'.
std::string tag_name(std::string_view tag) {
  size_t i = 0;
  if (i < tag.size() && tag[i] == '/') ++i;
  size_t start = i;
  while (i < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[i])))) ++i;
  return lower_ascii(tag.substr(start, i - start));
}

// Where `lower_needle` (lower-case) next occurs in `s` at or after `from`,
// ignoring ASCII case; npos when it does not. Searched in place: a
// lower-cased copy of the rest for every <script> of a body made
// html_to_text quadratic (a megabyte of "<script></script>" took minutes).
size_t find_ascii_ci(std::string_view s, size_t from, std::string_view lower_needle) {
  for (size_t i = from; i + lower_needle.size() <= s.size(); ++i) {
    size_t k = 0;
    while (k < lower_needle.size() &&
           std::tolower(static_cast<unsigned char>(s[i + k])) == lower_needle[k])
      ++k;
    if (k == lower_needle.size()) return i;
  }
  return std::string_view::npos;
}

// The value of attribute `name` in a start tag's text, if any.
std::optional<std::string> attribute(std::string_view tag, std::string_view name) {
  const std::string lower = lower_ascii(tag);
  size_t pos = 0;
  while ((pos = lower.find(name, pos)) != std::string::npos) {
    bool word_start = pos > 0 && std::isspace(static_cast<unsigned char>(lower[pos - 1]));
    size_t i = pos + name.size();
    while (i < lower.size() && std::isspace(static_cast<unsigned char>(lower[i]))) ++i;
    if (!word_start || i >= lower.size() || lower[i] != '=') {
      pos += name.size();
      continue;
    }
    ++i;
    while (i < lower.size() && std::isspace(static_cast<unsigned char>(lower[i]))) ++i;
    if (i >= tag.size()) return std::string();
    char q = tag[i];
    if (q == '"' || q == '\'') {
      size_t end = tag.find(q, i + 1);
      return std::string(tag.substr(i + 1, end == std::string_view::npos ? end : end - i - 1));
    }
    size_t end = i;
    while (end < tag.size() && !std::isspace(static_cast<unsigned char>(tag[end])) &&
           tag[end] != '>')
      ++end;
    return std::string(tag.substr(i, end - i));
  }
  return std::nullopt;
}

void append_codepoint(std::string& out, unsigned long cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the entity starting at s[i] == '&' into `out`; returns the index
// after it (or i + 1 when it is not an entity, '&' kept).
size_t decode_entity(std::string_view s, size_t i, std::string& out) {
  size_t semi = s.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10) {
    out += '&';
    return i + 1;
  }
  std::string_view name = s.substr(i + 1, semi - i - 1);
  static const std::pair<std::string_view, std::string_view> kNamed[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}};
  for (const auto& [n, v] : kNamed)
    if (name == n) {
      out += v;
      return semi + 1;
    }
  if (name.size() > 1 && name[0] == '#') {
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string digits(name.substr(hex ? 2 : 1));
    if (!digits.empty() && digits.size() <= 8) {
      char* end = nullptr;
      unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (end && *end == '\0') {
        append_codepoint(out, cp);
        return semi + 1;
      }
    }
  }
  out += '&';
  return i + 1;
}

bool is_block_tag(const std::string& n) {
  static const char* kBlocks[] = {
      "p",  "div", "h1",    "h2", "h3",      "h4",      "h5",     "h6",     "li",        "tr",
      "ul", "ol",  "table", "hr", "section", "article", "header", "footer", "blockquote"};
  for (const char* b : kBlocks)
    if (n == b) return true;
  return false;
}

// Collapses whitespace runs inside lines, trims each line and keeps at most
// one blank line between paragraphs.
std::string tidy_lines(const std::string& raw) {
  std::string out;
  size_t blank_run = 0;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t nl = raw.find('\n', start);
    std::string_view line(raw.data() + start, (nl == std::string::npos ? raw.size() : nl) - start);
    std::string collapsed;
    bool space = false;
    for (char c : line) {
      if (c == ' ' || c == '\t' || c == '\r') {
        space = !collapsed.empty();
      } else {
        if (space) collapsed += ' ';
        space = false;
        collapsed += c;
      }
    }
    if (collapsed.empty()) {
      ++blank_run;
    } else {
      if (!out.empty()) out += blank_run > 0 ? "\n\n" : "\n";
      out += collapsed;
      blank_run = 0;
    }
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace

std::string attribute_escape(std::string_view s) {
  // html_escape also escapes = and `, which only unquoted attributes need;
  // in a quoted link they stay as written.
  std::string out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] != '=' && s[i] != '`') continue;
    out += html_escape(s.substr(start, i - start));
    if (i < s.size()) out += s[i];
    start = i + 1;
  }
  return out;
}

std::optional<EmailTheme> parse_email_theme(std::string_view name) {
  if (name == "default-light") return EmailTheme::kLight;
  if (name == "default-dark") return EmailTheme::kDark;
  return std::nullopt;
}

std::string html_to_text(std::string_view html) {
  std::string raw;
  std::optional<std::string> href;  // of the open <a>
  std::string link_text;
  size_t i = 0;
  auto emit = [&](std::string_view s) {
    if (href) link_text += s;
    raw += s;
  };
  while (i < html.size()) {
    char c = html[i];
    if (c == '<') {
      if (html.substr(i, 4) == "<!--") {
        size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      size_t end = html.find('>', i + 1);
      if (end == std::string_view::npos) break;  // an unterminated tag: dropped
      std::string_view tag = html.substr(i + 1, end - i - 1);
      const bool closing = !tag.empty() && tag[0] == '/';
      const std::string name = tag_name(tag);
      i = end + 1;
      if (!closing && (name == "script" || name == "style" || name == "head" || name == "title")) {
        // Contents that are not text: skipped up to the closing tag.
        size_t close = find_ascii_ci(html, i, "</" + name);
        i = close == std::string_view::npos ? html.size() : close;
        continue;
      }
      if (name == "br") {
        raw += '\n';
      } else if (name == "a" && !closing) {
        href = attribute(tag, "href");
        link_text.clear();
      } else if (name == "a" && closing) {
        if (href && !href->empty()) {
          std::string text = tidy_lines(link_text);
          std::string url;
          for (size_t k = 0; k < href->size();)
            if ((*href)[k] == '&')
              k = decode_entity(*href, k, url);
            else
              url += (*href)[k++];
          if (text != url) raw += " (" + url + ")";
        }
        href.reset();
      } else if (is_block_tag(name)) {
        raw += "\n\n";
      }
      continue;
    }
    if (c == '&') {
      std::string decoded;
      i = decode_entity(html, i, decoded);
      emit(decoded);
      continue;
    }
    if (c == '\n') {
      emit(" ");
    } else {
      emit(std::string_view(&html[i], 1));
    }
    ++i;
  }
  return tidy_lines(raw);
}

RenderedBody render_with_theme(std::string_view body_html, EmailTheme theme,
                               const std::optional<std::string>& unsubscribe_link) {
  const ThemeColors k = colors(theme);
  std::string unsubscribe;
  if (unsubscribe_link)
    unsubscribe = "<br /><br /><a href=\"" + attribute_escape(*unsubscribe_link) +
                  "\" style=\"color:" + k.link + "\">Click here to unsubscribe</a>";
  RenderedBody out;
  out.html = std::string("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">") +
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\n" +
             "<body style=\"margin:0;padding:24px 8px;background-color:" + k.backdrop +
             ";font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif\">\n" +
             "<div style=\"background-color:" + k.canvas + ";color:" + k.text +
             ";padding:16px;border-radius:8px;max-width:600px;margin:0 auto;line-height:1.625\">" +
             std::string(body_html) + unsubscribe + "</div>\n</body></html>\n";
  out.text = html_to_text(std::string(body_html) + unsubscribe);
  return out;
}

RenderedBody render_stack_mock(const std::optional<std::string>& unsubscribe_link) {
  std::string link_html;
  if (unsubscribe_link)
    link_html = "<br /><br /><a href=\"" + *unsubscribe_link + "\">Click here to unsubscribe</a>";
  return {"<div>Mock api key detected, returning mock data " + link_html + "</div>",
          "Mock api key detected, returning mock data"};
}

}  // namespace latchkey::mail
