// The request and response as handlers see them: no Beast types leak past
// the server, so handlers and tests deal in plain strings.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.hpp"

namespace latchkey::http {

enum class Method { kGet, kPost, kPut, kPatch, kDelete, kOptions, kHead, kOther };
std::string_view method_name(Method m);
Method parse_method(std::string_view name);

// Case-insensitive header map; names are stored lower-case. Names and values
// share one buffer (a request's headers cost a couple of allocations, not
// two per field).
//
// Stack's headers have two spellings: SDK 2.8.108 (after Stack's rename to
// Hexclave) sends `x-hexclave-<name>` for every `x-stack-<name>`. Every
// lookup of an `x-stack-` name here answers for both, and the `x-hexclave-`
// spelling wins when a request carries both: where there is any, the
// `x-stack-` fields of that name are ignored (get, get_nonempty and count
// alike), so no caller has to know about the second spelling.
class Headers {
 public:
  void add(std::string_view name, std::string_view value);
  // The first value, or nullopt when absent.
  std::optional<std::string_view> get(std::string_view lower_name) const;
  // Absent and empty are the same for every key/token header (overview §2).
  std::optional<std::string_view> get_nonempty(std::string_view lower_name) const;
  size_t count(std::string_view lower_name) const;
  // The values of `lower_name` in arrival order (the x-hexclave- twin's
  // when there is one, as above).
  std::vector<std::string_view> values(std::string_view lower_name) const;
  // Whether any field has the x-hexclave- spelling (the client is SDK 2.8.108
  // or later, and reads response headers in that spelling too).
  bool any_hexclave() const;
  // Every field in arrival order (views into this object), as received.
  std::vector<std::pair<std::string_view, std::string_view>> all() const;

 private:
  struct Item {
    uint32_t name_at, name_size, value_at, value_size;
  };
  // Which spelling of `lower_name` a field has: 0 none, 1 the name itself,
  // 2 its x-hexclave- twin (only for x-stack- names).
  int spelling(const Item& i, std::string_view lower_name) const;
  // Whether any field is the x-hexclave- twin of `lower_name`.
  bool has_twin(std::string_view lower_name) const;
  std::string_view name(const Item& i) const { return {text_.data() + i.name_at, i.name_size}; }
  std::string_view value(const Item& i) const { return {text_.data() + i.value_at, i.value_size}; }
  std::string text_;
  std::vector<Item> items_;
};

struct Request {
  Method method = Method::kGet;
  std::string method_text;                                 // as received
  std::string target;                                      // raw request target
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;
  std::string body;
  std::string remote_ip;
  std::string host;  // Host header, for building absolute URLs

  // The target without its query, as sent: still percent-encoded, so that
  // an encoded slash never reads as a separator. The router decodes each
  // segment (router.hpp).
  std::string_view path() const { return std::string_view(target).substr(0, target.find('?')); }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::string> content_type;
  // When positive, the server waits this long before writing the response,
  // on a timer (no worker thread is held): for answers that must not reveal
  // by their speed which branch produced them.
  int64_t send_delay_millis = 0;
  // Pre-serialised "Name: value\r\n" lines with static storage, written
  // after `headers`: the fixed security and CORS headers every API response
  // carries, kept out of `headers` so no response copies them.
  std::string_view fixed_headers;

  void set_header(std::string name, std::string value);
  static Response json(int status, const Json& body, bool pretty = false);
  static Response text(int status, std::string body);
  static Response empty(int status);
};

// The HTTP/1.x wire form of `r`: status line, headers (values with CR or LF
// are cleaned, so no handler can split a response), Content-Length and
// Connection, then the body unless `head_only` (HEAD: headers only, with the
// length a GET would carry) or the status has no body (1xx, 204, 304).
std::string serialize_response(const Response& r, unsigned version, bool keep_alive,
                               bool head_only);

// Percent-decodes a URL component ('+' as space when form is true).
std::string url_decode(std::string_view s, bool form);
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q);
std::string url_encode(std::string_view s);

// Whether a same-host Location (a path, optionally with a query) stays on
// this host in every browser: it starts with one '/', and neither as sent
// nor percent-decoded does it hold a backslash, a control character (tab,
// CR, LF: browsers drop tabs and newlines, so "/\t/x" becomes "//x") or a
// second leading '/' or '\\' (which a browser reads as another host).
bool is_same_host_location(std::string_view location);

// The Location of the slash-normalising 308 for the raw request target
// `target` (repeated slashes collapsed, a trailing slash dropped, the query
// kept as sent); nullopt when that Location would not stay on this host
// (is_same_host_location), and the request is not redirected.
std::optional<std::string> slash_redirect_location(std::string_view target);

// The value of cookie `name` in the request's Cookie header(s) (the first
// "name=value" pair of that name), as sent; nullopt when there is none.
std::optional<std::string> cookie_value(const Headers& headers, std::string_view name);

}  // namespace latchkey::http
