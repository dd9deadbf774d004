#include "mail/documents.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "mail/themes.hpp"

namespace latchkey::mail {
namespace {

// Nesting deeper than this is refused when saved and not rendered (a block
// listing itself, directly or not, would otherwise never end).
constexpr int kMaxDepth = 16;
// Blocks rendered for one e-mail at most: a block listed by several others
// is rendered each time, so a small document could otherwise ask for an
// enormous e-mail.
constexpr int kMaxRenderedBlocks = 500;
// Nor a large one: the blocks' own text counts too (one block of a
// megabyte of text, listed 500 times, was half a gigabyte of HTML). Blocks
// past this much HTML are left out.
constexpr size_t kMaxRenderedBytes = 2 << 20;

const char* const kBlockTypes[] = {"EmailLayout", "Text",   "Heading",   "Button",          "Image",
                                   "Divider",     "Spacer", "Container", "ColumnsContainer"};

// ---------------------------------------------------------------- checks

bool is_color(const Json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 7 || s[0] != '#') return false;
  for (size_t i = 1; i < 7; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

bool one_of(const Json& v, std::initializer_list<const char*> values) {
  if (!v.is_string()) return false;
  for (const char* x : values)
    if (v.get_ref<const std::string&>() == x) return true;
  return false;
}

const std::initializer_list<const char*> kFonts = {"MODERN_SANS",    "BOOK_SANS",  "ORGANIC_SANS",
                                                   "GEOMETRIC_SANS", "HEAVY_SANS", "ROUNDED_SANS",
                                                   "MODERN_SERIF",   "BOOK_SERIF", "MONOSPACE"};

// Checks the members of `obj` named in `rules` (absent or null members are
// allowed, as in the editor's schemas; other members are ignored).
using Rule = std::function<bool(const Json&)>;
std::optional<std::string> check_members(const Json& obj, const std::string& where,
                                         const std::vector<std::pair<const char*, Rule>>& rules) {
  if (obj.is_null()) return std::nullopt;
  if (!obj.is_object()) return where + " must be an object";
  for (const auto& [name, ok] : rules) {
    auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) continue;
    if (!ok(*it)) return where + "." + name + " is invalid";
  }
  return std::nullopt;
}

bool is_number(const Json& v) { return v.is_number() && std::isfinite(v.get<double>()); }
bool non_negative(const Json& v) { return is_number(v) && v.get<double>() >= 0; }
bool is_text(const Json& v) { return v.is_string(); }
bool is_bool(const Json& v) { return v.is_boolean(); }
bool is_padding(const Json& v) {
  if (!v.is_object()) return false;
  for (const char* side : {"top", "bottom", "left", "right"})
    if (!v.contains(side) || !is_number(v[side])) return false;
  return true;
}
bool is_id_list(const Json& v) {
  if (!v.is_array()) return false;
  for (const auto& id : v)
    if (!id.is_string()) return false;
  return true;
}
Rule enum_of(std::initializer_list<const char*> values) {
  std::vector<std::string> vs(values.begin(), values.end());
  return [vs](const Json& v) {
    if (!v.is_string()) return false;
    for (const auto& x : vs)
      if (v.get_ref<const std::string&>() == x) return true;
    return false;
  };
}
bool is_font(const Json& v) { return one_of(v, kFonts); }

std::vector<std::pair<const char*, Rule>> text_style_rules(bool font_size) {
  std::vector<std::pair<const char*, Rule>> r{{"color", is_color},
                                              {"backgroundColor", is_color},
                                              {"fontFamily", is_font},
                                              {"fontWeight", enum_of({"bold", "normal"})},
                                              {"textAlign", enum_of({"left", "center", "right"})},
                                              {"padding", is_padding}};
  if (font_size) r.push_back({"fontSize", non_negative});
  return r;
}

std::optional<std::string> check_block(const std::string& id, const Json& block) {
  const std::string where = "content." + id;
  if (!block.is_object()) return where + " must be an object";
  auto type = block.find("type");
  if (type == block.end() || !type->is_string()) return where + ".type must be a block type";
  bool known = false;
  for (const char* t : kBlockTypes) known = known || type->get_ref<const std::string&>() == t;
  if (!known) return where + ".type is not a known block type";
  auto data_it = block.find("data");
  if (data_it == block.end() || !data_it->is_object()) return where + ".data must be an object";
  const Json& data = *data_it;
  const std::string& t = type->get_ref<const std::string&>();
  const Json null;
  auto member = [&](const char* name) -> const Json& {
    auto it = data.find(name);
    return it == data.end() ? null : *it;
  };
  const std::string style = where + ".data.style", props = where + ".data.props";
  std::optional<std::string> p;
  if (t == "EmailLayout") {
    p = check_members(data, where + ".data",
                      {{"backdropColor", is_color},
                       {"canvasColor", is_color},
                       {"textColor", is_color},
                       {"fontFamily", is_font},
                       {"childrenIds", is_id_list}});
  } else if (t == "Text") {
    if (!(p = check_members(member("style"), style, text_style_rules(true))))
      p = check_members(member("props"), props, {{"text", is_text}});
  } else if (t == "Heading") {
    if (!(p = check_members(member("style"), style, text_style_rules(false))))
      p = check_members(member("props"), props,
                        {{"text", is_text}, {"level", enum_of({"h1", "h2", "h3"})}});
  } else if (t == "Button") {
    if (!(p = check_members(member("style"), style, text_style_rules(true))))
      p = check_members(member("props"), props,
                        {{"buttonBackgroundColor", is_color},
                         {"buttonStyle", enum_of({"rectangle", "pill", "rounded"})},
                         {"buttonTextColor", is_color},
                         {"fullWidth", is_bool},
                         {"size", enum_of({"x-small", "small", "large", "medium"})},
                         {"text", is_text},
                         {"url", is_text}});
  } else if (t == "Image") {
    if (!(p = check_members(member("style"), style,
                            {{"padding", is_padding},
                             {"backgroundColor", is_color},
                             {"textAlign", enum_of({"center", "left", "right"})}})))
      p = check_members(member("props"), props,
                        {{"width", is_number},
                         {"height", is_number},
                         {"url", is_text},
                         {"alt", is_text},
                         {"linkHref", is_text},
                         {"contentAlignment", enum_of({"top", "middle", "bottom"})}});
  } else if (t == "Divider") {
    if (!(p = check_members(member("style"), style,
                            {{"backgroundColor", is_color}, {"padding", is_padding}})))
      p = check_members(member("props"), props,
                        {{"lineColor", is_color}, {"lineHeight", is_number}});
  } else if (t == "Spacer") {
    p = check_members(member("props"), props, {{"height", non_negative}});
  } else if (t == "Container") {
    if (!(p = check_members(member("style"), style,
                            {{"backgroundColor", is_color},
                             {"borderColor", is_color},
                             {"borderRadius", is_number},
                             {"padding", is_padding}})))
      p = check_members(member("props"), props, {{"childrenIds", is_id_list}});
  } else if (t == "ColumnsContainer") {
    if (!(p = check_members(member("style"), style,
                            {{"backgroundColor", is_color}, {"padding", is_padding}})))
      p = check_members(
          member("props"), props,
          {{"columnsCount",
            [](const Json& v) { return v.is_number_integer() && (v == 2 || v == 3); }},
           {"columnsGap", is_number},
           {"contentAlignment", enum_of({"top", "middle", "bottom"})},
           {"fixedWidths",
            [](const Json& v) {
              if (!v.is_array() || v.size() != 3) return false;
              for (const auto& w : v)
                if (!w.is_null() && !is_number(w)) return false;
              return true;
            }},
           {"columns", [](const Json& v) {
              if (!v.is_array() || v.size() != 3) return false;
              for (const auto& c : v)
                if (!c.is_object() || !c.contains("childrenIds") || !is_id_list(c["childrenIds"]))
                  return false;
              return true;
            }}});
  }
  return p;
}

// ------------------------------------------------------------- rendering

// Every string of the document with the variables substituted (a string
// that does not compile is kept verbatim, as the reference does).
Json substitute(const Json& v, const TemplateVars& vars) {
  if (v.is_string()) {
    auto r = render_handlebars(v.get_ref<const std::string&>(), vars, false);
    return r ? Json(*r) : v;
  }
  if (v.is_object()) {
    Json out = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = substitute(it.value(), vars);
    return out;
  }
  if (v.is_array()) {
    Json out = Json::array();
    for (const auto& x : v) out.push_back(substitute(x, vars));
    return out;
  }
  return v;
}

const Json& get(const Json& obj, const char* name) {
  static const Json null;
  if (!obj.is_object()) return null;
  auto it = obj.find(name);
  return it == obj.end() ? null : *it;
}

std::optional<std::string> str(const Json& obj, const char* name) {
  const Json& v = get(obj, name);
  if (!v.is_string()) return std::nullopt;
  return v.get<std::string>();
}

std::optional<double> num(const Json& obj, const char* name) {
  const Json& v = get(obj, name);
  if (!is_number(v)) return std::nullopt;
  return v.get<double>();
}

std::string px(double v) {
  long long n = std::llround(v);
  return std::to_string(n) + "px";
}

// A color, only when it has the #RRGGBB form (nothing else reaches a style).
std::optional<std::string> color(const Json& obj, const char* name) {
  const Json& v = get(obj, name);
  if (!is_color(v)) return std::nullopt;
  return v.get<std::string>();
}

std::string font_stack(const std::string& f) {
  if (f == "BOOK_SANS") return "Optima, Candara, 'Noto Sans', sans-serif";
  if (f == "ORGANIC_SANS") return "Seravek, 'Gill Sans Nova', Ubuntu, Calibri, sans-serif";
  if (f == "GEOMETRIC_SANS") return "Avenir, Montserrat, Corbel, 'URW Gothic', sans-serif";
  if (f == "HEAVY_SANS")
    return "Bahnschrift, 'DIN Alternate', 'Franklin Gothic Medium', sans-serif";
  if (f == "ROUNDED_SANS")
    return "ui-rounded, Quicksand, Comfortaa, 'Arial Rounded MT Bold', sans-serif";
  if (f == "MODERN_SERIF") return "Charter, 'Bitstream Charter', Cambria, serif";
  if (f == "BOOK_SERIF") return "'Iowan Old Style', 'Palatino Linotype', 'URW Palladio L', serif";
  if (f == "MONOSPACE") return "'Nimbus Mono PS', 'Courier New', monospace";
  return "'Helvetica Neue', 'Arial Nova', 'Nimbus Sans', Arial, sans-serif";  // MODERN_SANS
}

std::string padding(const Json& style, const char* fallback) {
  const Json& p = get(style, "padding");
  if (!is_padding(p)) return fallback;
  return px(p["top"].get<double>()) + " " + px(p["right"].get<double>()) + " " +
         px(p["bottom"].get<double>()) + " " + px(p["left"].get<double>());
}

// The common text styles of Text, Heading and Button blocks.
std::string text_styles(const Json& style, bool with_color) {
  std::string css;
  if (with_color)
    if (auto c = color(style, "color")) css += "color:" + *c + ";";
  if (auto c = color(style, "backgroundColor")) css += "background-color:" + *c + ";";
  if (auto f = str(style, "fontFamily"); f && one_of(Json(*f), kFonts))
    css += "font-family:" + font_stack(*f) + ";";
  if (auto w = str(style, "fontWeight"); w && (*w == "bold" || *w == "normal"))
    css += "font-weight:" + *w + ";";
  if (auto a = str(style, "textAlign"); a && (*a == "left" || *a == "center" || *a == "right"))
    css += "text-align:" + *a + ";";
  return css;
}

// Only links a mail client can safely follow: http(s) and mailto. Anything
// else (javascript:, data:, relative text) becomes "#".
std::string safe_url(const std::string& url) {
  std::string lower;
  for (char c : url) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t start = lower.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "#";
  std::string_view l(lower.c_str() + start);
  if (l.rfind("http://", 0) == 0 || l.rfind("https://", 0) == 0 || l.rfind("mailto:", 0) == 0)
    return url.substr(start);
  return "#";
}

// Text with its line breaks kept.
std::string escaped_lines(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += "<br />";
    else
      out += html_escape(std::string_view(&c, 1));
  }
  return out;
}

class Renderer {
 public:
  explicit Renderer(const Json& doc) : doc_(doc) {}

  void children(const Json& ids, int depth) {
    if (!ids.is_array() || depth > kMaxDepth) return;
    for (const auto& id : ids)
      if (id.is_string()) block(id.get<std::string>(), depth + 1);
  }

  void block(const std::string& id, int depth) {
    const Json& b = get(doc_, id.c_str());
    auto type = str(b, "type");
    if (!type || active_.count(id)) return;  // unknown, or listing itself
    if (++rendered_ > kMaxRenderedBlocks || html_.size() > kMaxRenderedBytes) return;
    active_.insert(id);
    const Json& data = get(b, "data");
    const Json& style = get(data, "style");
    const Json& props = get(data, "props");
    if (*type == "Text") {
      std::string text = str(props, "text").value_or("");
      std::string css = text_styles(style, true);
      if (auto s = num(style, "fontSize")) css += "font-size:" + px(*s) + ";";
      html_ += "<div style=\"" + css + "padding:" + padding(style, "16px 24px 16px 24px") + "\">" +
               escaped_lines(text) + "</div>\n";
      text_ += text + "\n\n";
    } else if (*type == "Heading") {
      std::string level = str(props, "level").value_or("h2");
      if (level != "h1" && level != "h3") level = "h2";
      const char* size = level == "h1" ? "32px" : level == "h2" ? "24px" : "20px";
      std::string text = str(props, "text").value_or("");
      html_ += "<" + level + " style=\"margin:0;font-size:" + size + ";" +
               text_styles(style, true) + "padding:" + padding(style, "24px 24px 0px 24px") +
               "\">" + escaped_lines(text) + "</" + level + ">\n";
      text_ += text + "\n\n";
    } else if (*type == "Button") {
      button(style, props);
    } else if (*type == "Image") {
      image(style, props);
    } else if (*type == "Divider") {
      std::string line_color = color(props, "lineColor").value_or("#333333");
      std::string css;
      if (auto c = color(style, "backgroundColor")) css += "background-color:" + *c + ";";
      html_ += "<div style=\"" + css + "padding:" + padding(style, "16px 0px 16px 0px") +
               "\"><hr style=\"width:100%;border:none;border-top:" +
               px(num(props, "lineHeight").value_or(1)) + " solid " + line_color +
               ";margin:0\" /></div>\n";
      text_ += "---\n\n";
    } else if (*type == "Spacer") {
      html_ += "<div style=\"height:" + px(std::max(0.0, num(props, "height").value_or(16))) +
               "\"></div>\n";
    } else if (*type == "Container") {
      std::string css;
      if (auto c = color(style, "backgroundColor")) css += "background-color:" + *c + ";";
      if (auto c = color(style, "borderColor")) css += "border:1px solid " + *c + ";";
      if (auto r = num(style, "borderRadius")) css += "border-radius:" + px(*r) + ";";
      html_ += "<div style=\"" + css + "padding:" + padding(style, "16px 24px 16px 24px") + "\">\n";
      children(get(props, "childrenIds"), depth);
      html_ += "</div>\n";
    } else if (*type == "ColumnsContainer") {
      columns(style, props, depth);
    }
    active_.erase(id);
  }

  std::string html_;
  std::string text_;

 private:
  void button(const Json& style, const Json& props) {
    std::string label = str(props, "text").value_or("");
    std::string url = safe_url(str(props, "url").value_or(""));
    std::string size = str(props, "size").value_or("medium");
    const char* pad = size == "x-small" ? "4px 8px"
                      : size == "small" ? "8px 12px"
                      : size == "large" ? "16px 32px"
                                        : "12px 20px";
    std::string shape = str(props, "buttonStyle").value_or("rounded");
    const char* radius = shape == "rectangle" ? "0" : shape == "pill" ? "64px" : "4px";
    bool full = get(props, "fullWidth").is_boolean() && get(props, "fullWidth").get<bool>();
    std::string css = text_styles(style, false);
    if (auto s = num(style, "fontSize")) css += "font-size:" + px(*s) + ";";
    html_ += "<div style=\"" + css + "padding:" + padding(style, "16px 24px 16px 24px") +
             "\"><a href=\"" + attribute_escape(url) +
             "\" target=\"_blank\" style=\"display:" + (full ? "block" : "inline-block") +
             ";background-color:" + color(props, "buttonBackgroundColor").value_or("#999999") +
             ";color:" + color(props, "buttonTextColor").value_or("#FFFFFF") + ";padding:" + pad +
             ";border-radius:" + radius + ";text-decoration:none;text-align:center\">" +
             escaped_lines(label) + "</a></div>\n";
    text_ += label + ": " + url + "\n\n";
  }

  void image(const Json& style, const Json& props) {
    std::string src = safe_url(str(props, "url").value_or(""));
    std::string alt = str(props, "alt").value_or("");
    std::string css;
    if (auto c = color(style, "backgroundColor")) css += "background-color:" + *c + ";";
    if (auto a = str(style, "textAlign"); a && (*a == "left" || *a == "center" || *a == "right"))
      css += "text-align:" + *a + ";";
    std::string img = "<img src=\"" + attribute_escape(src) + "\" alt=\"" + html_escape(alt) + "\"";
    if (auto w = num(props, "width")) img += " width=\"" + std::to_string(std::llround(*w)) + "\"";
    if (auto h = num(props, "height"))
      img += " height=\"" + std::to_string(std::llround(*h)) + "\"";
    std::string align = str(props, "contentAlignment").value_or("middle");
    if (align != "top" && align != "bottom") align = "middle";
    img +=
        " style=\"outline:none;border:none;text-decoration:none;display:inline-block;"
        "max-width:100%;vertical-align:" +
        align + "\" />";
    if (auto link = str(props, "linkHref"); link && !link->empty())
      img =
          "<a href=\"" + attribute_escape(safe_url(*link)) + "\" target=\"_blank\">" + img + "</a>";
    html_ += "<div style=\"" + css + "padding:" + padding(style, "16px 24px 16px 24px") + "\">" +
             img + "</div>\n";
    if (!alt.empty()) text_ += "[" + alt + "]\n\n";
  }

  void columns(const Json& style, const Json& props, int depth) {
    int count = get(props, "columnsCount") == 3 ? 3 : 2;
    double gap = num(props, "columnsGap").value_or(0);
    std::string align = str(props, "contentAlignment").value_or("middle");
    if (align != "top" && align != "bottom") align = "middle";
    std::string css;
    if (auto c = color(style, "backgroundColor")) css += "background-color:" + *c + ";";
    html_ += "<div style=\"" + css + "padding:" + padding(style, "16px 24px 16px 24px") +
             "\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
             "style=\"table-layout:fixed;border-collapse:collapse\"><tr>\n";
    const Json& cols = get(props, "columns");
    const Json& widths = get(props, "fixedWidths");
    for (int i = 0; i < count; ++i) {
      std::string td = "vertical-align:" + align + ";padding:0 " + px(gap / 2) + ";";
      if (widths.is_array() && static_cast<int>(widths.size()) > i && is_number(widths[i]))
        td += "width:" + px(widths[i].get<double>()) + ";";
      html_ += "<td style=\"" + td + "\">\n";
      if (cols.is_array() && static_cast<int>(cols.size()) > i)
        children(get(cols[i], "childrenIds"), depth);
      html_ += "</td>\n";
    }
    html_ += "</tr></table></div>\n";
  }

  const Json& doc_;
  std::set<std::string> active_;
  int rendered_ = 0;
};

// --------------------------------------------------------------- defaults

Json text_block(const std::string& text, Json style = Json::object()) {
  return Json{{"type", "Text"}, {"data", {{"style", style}, {"props", {{"text", text}}}}}};
}

Json padding_json(int top, int right, int bottom, int left) {
  return Json{{"top", top}, {"right", right}, {"bottom", bottom}, {"left", left}};
}

Json button_block(const std::string& label, const std::string& link_var) {
  return Json{{"type", "Button"},
              {"data",
               {{"style", {{"padding", padding_json(16, 24, 16, 24)}}},
                {"props",
                 {{"text", label},
                  {"url", "{{ " + link_var + " }}"},
                  {"buttonBackgroundColor", "#000000"},
                  {"buttonTextColor", "#FFFFFF"},
                  {"buttonStyle", "rounded"},
                  {"size", "medium"}}}}}};
}

}  // namespace

std::optional<std::string> document_problem(const Json& document) {
  if (!document.is_object()) return "content must be an object";
  for (auto it = document.begin(); it != document.end(); ++it)
    if (auto p = check_block(it.key(), it.value())) return p;
  // Nesting is bounded: every chain of childrenIds from any block ends
  // within kMaxDepth (so no block contains itself). Each block's height is
  // computed once, so a block listed by many others costs nothing more.
  std::map<std::string, int> height;  // -1 while being computed
  // Recursion stops past kMaxDepth: the document is refused then anyway.
  std::function<int(const std::string&, int)> height_of = [&](const std::string& id,
                                                              int depth) -> int {
    if (depth > kMaxDepth) return kMaxDepth + 1;
    if (auto it = height.find(id); it != height.end())
      return it->second < 0 ? kMaxDepth + 1 : it->second;
    height[id] = -1;
    const Json& data = get(get(document, id.c_str()), "data");
    const Json& props = get(data, "props");
    std::vector<const Json*> lists{&get(data, "childrenIds"), &get(props, "childrenIds")};
    if (const Json& cols = get(props, "columns"); cols.is_array())
      for (const auto& c : cols) lists.push_back(&get(c, "childrenIds"));
    int h = 1;
    for (const Json* l : lists)
      if (l->is_array())
        for (const auto& child : *l)
          if (child.is_string() && document.contains(child.get<std::string>()))
            h = std::max(h, 1 + height_of(child.get<std::string>(), depth + 1));
    h = std::min(h, kMaxDepth + 1);
    height[id] = h;
    return h;
  };
  for (auto it = document.begin(); it != document.end(); ++it)
    if (height_of(it.key(), 0) > kMaxDepth)
      return "content." + it.key() + " nests too deeply or contains itself";
  return std::nullopt;
}

RenderedEmail render_document(std::string_view subject, const Json& document,
                              const TemplateVars& vars) {
  RenderedEmail out;
  auto s = render_handlebars(subject, vars, false);
  out.subject = s ? *s : std::string(subject);
  const Json doc = substitute(document, vars);
  const Json& root = get(doc, "root");
  const Json& layout = get(root, "data");
  Renderer r(doc);
  if (str(root, "type").value_or("") == "EmailLayout") r.children(get(layout, "childrenIds"), 0);
  const std::string backdrop = color(layout, "backdropColor").value_or("#F5F5F5");
  const std::string canvas = color(layout, "canvasColor").value_or("#FFFFFF");
  const std::string text_color = color(layout, "textColor").value_or("#262626");
  const std::string font = font_stack(str(layout, "fontFamily").value_or("MODERN_SANS"));
  out.html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\"><title>" +
      html_escape(out.subject) +
      "</title></head>\n<body style=\"margin:0;padding:0;"
      "background-color:" +
      backdrop + "\">\n<div style=\"background-color:" + backdrop + ";color:" + text_color +
      ";font-family:" + font +
      ";font-size:16px;line-height:1.5;padding:32px 0\">\n"
      "<div style=\"max-width:600px;margin:0 auto;background-color:" +
      canvas + ";border-radius:8px\">\n" + r.html_ + "</div>\n</div>\n</body></html>\n";
  std::string text = r.text_;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  out.text = text + "\n";
  return out;
}

std::string default_subject(TemplateType type) { return template_text(type).subject; }

Json default_document(TemplateType type) {
  const TemplateText t = template_text(type);
  Json doc = Json::object();
  doc["root"] = nullptr;  // first, as the editor writes it; filled in below
  Json children = Json::array();
  auto add = [&](const std::string& id, Json block) {
    doc[id] = std::move(block);
    children.push_back(id);
  };
  add("block-heading", Json{{"type", "Heading"},
                            {"data",
                             {{"style", {{"padding", padding_json(24, 24, 0, 24)}}},
                              {"props", {{"text", t.heading}, {"level", "h2"}}}}}});
  add("block-text", text_block(std::string(kTemplateGreeting) + t.text,
                               {{"padding", padding_json(16, 24, 16, 24)}}));
  if (t.action == TemplateText::Action::kButton) {
    add("block-button", button_block(t.button_label, t.link_var));
  } else {
    add("block-otp", Json{{"type", "Heading"},
                          {"data",
                           {{"style", {{"textAlign", "center"}}},
                            {"props", {{"text", "{{ otp }}"}, {"level", "h1"}}}}}});
    add("block-link-text", text_block("Or you can click on the following button to sign in:",
                                      {{"padding", padding_json(16, 24, 0, 24)}}));
    add("block-button", button_block("Sign in", t.link_var));
  }
  add("block-divider", Json{{"type", "Divider"},
                            {"data",
                             {{"style", {{"padding", padding_json(16, 0, 16, 0)}}},
                              {"props", {{"lineColor", "#CCCCCC"}, {"lineHeight", 1}}}}}});
  add("block-footer", text_block(kTemplateFooter, {{"color", "#737373"}, {"fontSize", 13}}));
  doc["root"] = Json{{"type", "EmailLayout"},
                     {"data",
                      {{"backdropColor", "#F5F5F5"},
                       {"canvasColor", "#FFFFFF"},
                       {"textColor", "#262626"},
                       {"fontFamily", "MODERN_SANS"},
                       {"childrenIds", children}}}};
  return doc;
}

}  // namespace latchkey::mail
