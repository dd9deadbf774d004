#include "core/oauth/http_client.hpp"

#include <curl/curl.h>

#include <cctype>
#include <mutex>

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

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const HttpClientOptions& o) : options_(o) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  HttpResponse send(const HttpRequest& r) override {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw HttpError("curl_easy_init failed");
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
    curl_easy_setopt(c, CURLOPT_USERAGENT, "latchkey");
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
  // For error messages: the scheme and host only, never the query (which
  // may carry secrets).
  static std::string host_of(const std::string& url) {
    auto start = url.find("://");
    if (start == std::string::npos) return "the provider";
    auto end = url.find_first_of("/?#", start + 3);
    return url.substr(0, end);
  }

  HttpClientOptions options_;
};

}  // namespace

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
