#include "http/message.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace latchkey::http {

std::string_view method_name(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kHead:
      return "HEAD";
    case Method::kOther:
      return "OTHER";
  }
  return "OTHER";
}

Method parse_method(std::string_view name) {
  if (name == "GET") return Method::kGet;
  if (name == "POST") return Method::kPost;
  if (name == "PUT") return Method::kPut;
  if (name == "PATCH") return Method::kPatch;
  if (name == "DELETE") return Method::kDelete;
  if (name == "OPTIONS") return Method::kOptions;
  if (name == "HEAD") return Method::kHead;
  return Method::kOther;
}

void Headers::add(std::string_view name, std::string_view value) {
  // HTTP strips surrounding whitespace of field values.
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (items_.empty()) {
    text_.reserve(512);
    items_.reserve(16);
  }
  Item item{static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(name.size()), 0,
            static_cast<uint32_t>(value.size())};
  for (unsigned char c : name) text_.push_back(static_cast<char>(std::tolower(c)));
  item.value_at = static_cast<uint32_t>(text_.size());
  text_.append(value);
  items_.push_back(item);
}

namespace {
constexpr std::string_view kStackPrefix = "x-stack-";
constexpr std::string_view kHexclavePrefix = "x-hexclave-";
}  // namespace

int Headers::spelling(const Item& i, std::string_view lower_name) const {
  std::string_view n = name(i);
  if (n == lower_name) return 1;
  // x-hexclave-<rest> for x-stack-<rest>: three characters longer.
  if (n.size() == lower_name.size() + 3 && lower_name.starts_with(kStackPrefix) &&
      n.starts_with(kHexclavePrefix) &&
      n.substr(kHexclavePrefix.size()) == lower_name.substr(kStackPrefix.size()))
    return 2;
  return 0;
}

bool Headers::has_twin(std::string_view lower_name) const {
  if (!lower_name.starts_with(kStackPrefix)) return false;
  return std::any_of(items_.begin(), items_.end(),
                     [&](const Item& i) { return spelling(i, lower_name) == 2; });
}

std::optional<std::string_view> Headers::get(std::string_view lower_name) const {
  // One pass: the first x-hexclave- twin wins at once, else the first match.
  std::optional<std::string_view> first;
  for (const auto& i : items_) {
    int s = spelling(i, lower_name);
    if (s == 2) return value(i);
    if (s == 1 && !first) first = value(i);
  }
  return first;
}

std::optional<std::string_view> Headers::get_nonempty(std::string_view lower_name) const {
  auto v = get(lower_name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

size_t Headers::count(std::string_view lower_name) const {
  int wanted = has_twin(lower_name) ? 2 : 1;
  return std::count_if(items_.begin(), items_.end(),
                       [&](const Item& i) { return spelling(i, lower_name) == wanted; });
}

std::vector<std::string_view> Headers::values(std::string_view lower_name) const {
  int wanted = has_twin(lower_name) ? 2 : 1;
  std::vector<std::string_view> out;
  for (const auto& i : items_)
    if (spelling(i, lower_name) == wanted) out.push_back(value(i));
  return out;
}

bool Headers::any_hexclave() const {
  for (const auto& i : items_)
    if (name(i).substr(0, kHexclavePrefix.size()) == kHexclavePrefix) return true;
  return false;
}

std::vector<std::pair<std::string_view, std::string_view>> Headers::all() const {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  out.reserve(items_.size());
  for (const auto& i : items_) out.emplace_back(name(i), value(i));
  return out;
}

void Response::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers)
    if (k == name) {
      v = std::move(value);
      return;
    }
  headers.emplace_back(std::move(name), std::move(value));
}

Response Response::json(int status, const Json& body, bool pretty) {
  Response r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = pretty ? body.dump(2, ' ', false, Json::error_handler_t::replace)
                  : body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  return r;
}

namespace {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ");
  for (char c : value) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out.append("\r\n");
}

}  // namespace

std::string serialize_response(const Response& r, unsigned version, bool keep_alive,
                               bool head_only) {
  bool bodiless = (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304;
  std::string out;
  out.reserve(128 + r.fixed_headers.size() + r.headers.size() * 48 + r.body.size());
  char status_line[48];
  int n = std::snprintf(status_line, sizeof status_line, "HTTP/1.%u %03d ", version == 10 ? 0u : 1u,
                        r.status);
  out.append(status_line, static_cast<size_t>(n)).append(reason_phrase(r.status)).append("\r\n");
  for (const auto& [k, v] : r.headers) append_field(out, k, v);
  if (r.content_type) append_field(out, "Content-Type", *r.content_type);
  out.append(r.fixed_headers);
  if (!bodiless)
    out.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n");
  // HTTP/1.1 keeps the connection by default, HTTP/1.0 closes it by default.
  if (version == 10 && keep_alive) out.append("Connection: keep-alive\r\n");
  if (version != 10 && !keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  if (!head_only && !bodiless) out.append(r.body);
  return out;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

namespace {

bool has_unsafe_location_char(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f || c == '\\') return true;
  return false;
}

}  // namespace

bool is_same_host_location(std::string_view location) {
  if (location.empty() || location[0] != '/') return false;
  std::string_view path = location.substr(0, location.find('?'));
  const std::string decoded = url_decode(path, false);
  for (std::string_view form : {path, std::string_view(decoded)}) {
    if (has_unsafe_location_char(form)) return false;
    if (form.size() > 1 && form[1] == '/') return false;
  }
  return !has_unsafe_location_char(location);
}

std::optional<std::string> slash_redirect_location(std::string_view target) {
  const size_t q = target.find('?');
  std::string norm;
  norm.reserve(target.size());
  for (char c : target.substr(0, q))
    if (!(c == '/' && !norm.empty() && norm.back() == '/')) norm.push_back(c);
  if (norm.size() > 1 && norm.back() == '/') norm.pop_back();
  if (q != std::string_view::npos) norm.append(target.substr(q));
  if (!is_same_host_location(norm)) return std::nullopt;
  return norm;
}

std::optional<std::string> cookie_value(const Headers& headers, std::string_view name) {
  for (std::string_view v : headers.values("cookie")) {
    while (!v.empty()) {
      size_t semi = v.find(';');
      std::string_view pair = v.substr(0, semi);
      v = semi == std::string_view::npos ? std::string_view() : v.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name)
        return std::string(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

std::string url_decode(std::string_view s, bool form) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+' && form) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string key = url_decode(part.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : url_decode(part.substr(eq + 1), true);
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace latchkey::http
