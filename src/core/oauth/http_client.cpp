#include "core/oauth/http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>
#include <cstring>
#include <mutex>
#include <vector>

namespace latchkey::core::oauth {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Sink {
  std::string body;
  size_t limit;
  bool overflow = false;
};

size_t on_data(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  if (sink->body.size() + len > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->body.append(data, len);
  return len;
}

bool is_public_v4(const unsigned char* a) {
  auto in = [&](unsigned char b0, unsigned char b1_min, unsigned char b1_max) {
    return a[0] == b0 && a[1] >= b1_min && a[1] <= b1_max;
  };
  if (a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224) return false;
  if (in(100, 64, 127) || in(169, 254, 254) || in(172, 16, 31) || in(192, 168, 168) ||
      in(198, 18, 19))
    return false;
  if (a[0] == 192 && a[1] == 0 && (a[2] == 0 || a[2] == 2)) return false;  // IETF, TEST-NET-1
  if (a[0] == 198 && a[1] == 51 && a[2] == 100) return false;              // TEST-NET-2
  if (a[0] == 203 && a[1] == 0 && a[2] == 113) return false;               // TEST-NET-3
  return true;
}

bool is_public_v6(const unsigned char* a) {
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(a, kMapped, 12) == 0 || std::memcmp(a, kNat64, 12) == 0)
    return is_public_v4(a + 12);
  bool low_zero = true;  // ::, ::1 and the deprecated IPv4-compatible form
  for (int i = 0; i < 12; ++i) low_zero = low_zero && a[i] == 0;
  if (low_zero) return false;
  if ((a[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return false;  // fec0::/10 site-local
  if (a[0] == 0xff) return false;                           // multicast
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) return false;  // docs
  return true;
}

bool is_public_sockaddr(const sockaddr* sa) {
  if (sa->sa_family == AF_INET)
    return is_public_v4(reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr));
  if (sa->sa_family == AF_INET6)
    return is_public_v6(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr.s6_addr);
  return false;
}

// Refuses the connection (curl then fails with COULDNT_CONNECT) to an
// address that is not public, and says so through `refused`.
curl_socket_t open_public_socket(void* refused, curlsocktype, curl_sockaddr* address) {
  if (!is_public_sockaddr(&address->addr)) {
    *static_cast<bool*>(refused) = true;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const HttpClientOptions& o) : options_(o) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  HttpResponse send(const HttpRequest& r) override {
    std::unique_ptr<CURL, CurlDeleter> curl = take_handle();
    if (!curl) throw HttpError("curl_easy_init failed");
    // Back to the pool however the request ends; its connection stays in the
    // handle's cache (curl closes it if the exchange left it unusable).
    struct GiveBack {
      CurlHttpClient& client;
      std::unique_ptr<CURL, CurlDeleter>& handle;
      ~GiveBack() { client.give_back(std::move(handle)); }
    } give_back{*this, curl};
    CURL* c = curl.get();
    Sink sink{std::string(), options_.max_response_bytes};
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    for (const auto& [k, v] : r.headers) {
      std::string line = k + ": " + v;
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (!next) throw HttpError("out of memory");
      headers.release();
      headers.reset(next);
    }
    curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
    // Only web protocols, and never to a redirect target: a provider
    // endpoint that redirects is misconfigured, and following it could
    // carry credentials somewhere else.
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout_millis));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout_millis));
    curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
    bool refused = false;
    if (options_.public_addresses_only) {
      curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_public_socket);
      curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &refused);
    }
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl can decode
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (r.method == "POST") {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    } else if (r.method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    CURLcode rc = curl_easy_perform(c);
    if (sink.overflow) throw HttpError("response from " + host_of(r.url) + " is too large");
    if (refused && rc != CURLE_OK)
      throw HttpError("request to " + host_of(r.url) +
                      " refused: it resolves to a loopback, private or otherwise non-public "
                      "address");
    if (rc != CURLE_OK)
      throw HttpError("request to " + host_of(r.url) +
                      " failed: " + (error[0] ? std::string(error) : curl_easy_strerror(rc)));
    HttpResponse out;
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    out.status = static_cast<int>(status);
    char* ct = nullptr;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    if (ct) out.content_type = ct;
    out.body = std::move(sink.body);
    return out;
  }

 private:
  // A handle from the pool (reset to no options; its connection, DNS and
  // TLS session caches kept), or a new one.
  std::unique_ptr<CURL, CurlDeleter> take_handle() {
    if (options_.reuse_connections) {
      std::lock_guard lock(pool_mu_);
      if (!pool_.empty()) {
        auto h = std::move(pool_.back());
        pool_.pop_back();
        return h;
      }
    }
    return std::unique_ptr<CURL, CurlDeleter>(curl_easy_init());
  }
  void give_back(std::unique_ptr<CURL, CurlDeleter> h) {
    if (!options_.reuse_connections || !h) return;
    // Drops every option, among them the pointers to the finished request's
    // buffers; the caches stay.
    curl_easy_reset(h.get());
    std::lock_guard lock(pool_mu_);
    if (pool_.size() < kMaxPooledHandles) pool_.push_back(std::move(h));
  }

  // For error messages: the scheme and host only, never the query (which
  // may carry secrets).
  static std::string host_of(const std::string& url) {
    auto start = url.find("://");
    if (start == std::string::npos) return "the provider";
    auto end = url.find_first_of("/?#", start + 3);
    return url.substr(0, end);
  }

  // One handle per thread that sends at once is all a pool needs.
  static constexpr size_t kMaxPooledHandles = 16;
  HttpClientOptions options_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<CURL, CurlDeleter>> pool_;
};

}  // namespace

bool is_public_address(std::string_view ip) {
  std::string text(ip);
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return is_public_v4(buf);
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return is_public_v6(buf);
  return false;
}

std::unique_ptr<HttpClient> make_curl_http_client(const HttpClientOptions& options) {
  return std::make_unique<CurlHttpClient>(options);
}

std::string form_component(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out.push_back('&');
    out += form_component(k) + "=" + form_component(v);
  }
  return out;
}

}  // namespace latchkey::core::oauth
