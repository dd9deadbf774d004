#include "mail/smtp.hpp"

#include <curl/curl.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>

namespace latchkey::mail {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  const std::string& data;
  size_t offset = 0;
};

size_t read_callback(char* buffer, size_t size, size_t nitems, void* userp) {
  auto* up = static_cast<Upload*>(userp);
  size_t room = size * nitems;
  size_t left = up->data.size() - up->offset;
  size_t n = left < room ? left : room;
  std::memcpy(buffer, up->data.data() + up->offset, n);
  up->offset += n;
  return n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// "<address>", the form MAIL FROM and RCPT TO take.
std::string angle_addr(std::string_view address) {
  std::string out;
  out.reserve(address.size() + 2);
  out += '<';
  out += address;
  out += '>';
  return out;
}

SmtpFailure classify(CURLcode rc, long smtp_code) {
  if (rc == CURLE_COULDNT_RESOLVE_HOST) return SmtpFailure::kHostNotFound;
  if (rc == CURLE_LOGIN_DENIED || smtp_code == 535) return SmtpFailure::kAuth;
  if (rc == CURLE_OPERATION_TIMEDOUT) return SmtpFailure::kTimeout;
  if (smtp_code == 450) return SmtpFailure::kTemporary;
  if (smtp_code == 553) return SmtpFailure::kInvalidAddress;
  if (smtp_code == 554) return SmtpFailure::kRejected;
  if (smtp_code >= 500 && smtp_code < 600) return SmtpFailure::kMessageRejected;
  if (smtp_code == 0 &&
      (rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR))
    return SmtpFailure::kConnectionLost;
  return SmtpFailure::kOther;
}

}  // namespace

bool is_valid_smtp_host(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.front() == '[') {  // IPv6 literal
    if (host.back() != ']') return false;
    for (char c : host.substr(1, host.size() - 2))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    return true;
  }
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

SmtpOutcome smtp_send(const SmtpServer& server, std::string_view envelope_from,
                      std::string_view recipient, const std::string& message,
                      const SmtpTimeouts& timeouts) {
  SmtpOutcome out;
  if (!is_valid_smtp_host(server.host)) {
    out.error = "Invalid SMTP host: " + server.host;
    out.failure = SmtpFailure::kHostNotFound;
    return out;
  }
  if (server.port < 1 || server.port > 65535) {
    out.error = "Invalid SMTP port: " + std::to_string(server.port);
    out.failure = SmtpFailure::kOther;
    return out;
  }
  global_init();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    out.error = "curl_easy_init failed";
    out.failure = SmtpFailure::kOther;
    return out;
  }
  CURL* c = curl.get();
  // Port 465 speaks TLS from the first byte; any other port starts in the
  // clear and upgrades with STARTTLS when the server offers it.
  const bool implicit_tls = server.port == 465;
  std::string url = std::string(implicit_tls ? "smtps://" : "smtp://") + server.host + ":" +
                    std::to_string(server.port);
  std::string from = angle_addr(envelope_from);
  std::unique_ptr<curl_slist, SlistDeleter> rcpt(
      curl_slist_append(nullptr, angle_addr(recipient).c_str()));
  Upload upload{message};
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // we run on worker threads
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts.connect.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts.total.count()));
  if (!implicit_tls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  // Credentials are always offered; curl only uses AUTH when the server
  // advertises it (emails.md §4.2).
  if (!server.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, server.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, server.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_callback);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);

  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.smtp_code);
  if (rc == CURLE_OK) {
    out.ok = true;
    return out;
  }
  out.error = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
  if (out.smtp_code > 0) out.error += " (SMTP " + std::to_string(out.smtp_code) + ")";
  out.transient = rc == CURLE_OPERATION_TIMEDOUT || (out.smtp_code >= 400 && out.smtp_code < 500);
  out.failure = classify(rc, out.smtp_code);
  return out;
}

}  // namespace latchkey::mail
