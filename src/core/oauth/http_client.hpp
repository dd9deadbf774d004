// Outbound HTTP(S) for OAuth: token exchanges, user-info calls, OpenID
// discovery and key sets. An interface so provider code can be unit-tested
// against canned responses; the real client is libcurl, blocking, and only
// ever called from worker threads.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace latchkey::core::oauth {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// The request did not produce an HTTP response: DNS, connection, TLS,
// timeout, or a response larger than the limit.
class HttpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Never follows redirects. Throws HttpError.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

struct HttpClientOptions {
  int64_t connect_timeout_millis = 5000;
  int64_t total_timeout_millis = 15000;
  size_t max_response_bytes = 1 << 20;
  // Refuse to connect to loopback, private, link-local and other
  // non-public addresses (checked on the address actually connected to, so
  // a name that resolves to one is refused too): requests whose URL a
  // user chose (webhook endpoints) must not reach the server's own network.
  bool public_addresses_only = false;
  std::string user_agent = "latchkey";
  // Keep connections open between requests (HTTP keep-alive, TLS session
  // reuse): the client keeps its curl handles, each with its own connection
  // cache, for the next request. Off: every request has a connection of its
  // own, closed after it.
  bool reuse_connections = false;
};

// Whether a textual IPv4 or IPv6 address is a public unicast one (not
// loopback, private, link-local, carrier-grade NAT, multicast, reserved or
// unspecified; IPv4-mapped IPv6 addresses are judged by their IPv4 part).
bool is_public_address(std::string_view ip);

std::unique_ptr<HttpClient> make_curl_http_client(const HttpClientOptions& options = {});

// application/x-www-form-urlencoded (RFC 6749 appendix B: space as '+').
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);
std::string form_component(std::string_view s);

}  // namespace latchkey::core::oauth
