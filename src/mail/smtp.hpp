// One SMTP delivery with libcurl: implicit TLS on port 465, STARTTLS when the
// server offers it on any other port, AUTH when the server advertises it,
// and connect/total timeouts so that a dead server is an error, not a hang.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

namespace latchkey::mail {

struct SmtpServer {
  std::string host;
  int port = 25;
  std::string username;  // empty: no AUTH
  std::string password;
};

// Why a delivery failed, as far as the caller needs to tell (the
// messages of POST /internal/send-test-email, emails.md §4.4).
enum class SmtpFailure {
  kNone,
  kHostNotFound,     // the host name does not resolve
  kAuth,             // credentials refused (535)
  kTemporary,        // 450
  kInvalidAddress,   // 553
  kRejected,         // 554: the envelope was refused
  kMessageRejected,  // another 5xx reply: the message itself was refused
  kTimeout,          // a connect or overall timeout
  kConnectionLost,   // the server closed the connection unexpectedly
  kOther,
};

struct SmtpOutcome {
  bool ok = false;
  SmtpFailure failure = SmtpFailure::kNone;
  // Worth retrying (emails.md §4.3): a 4xx reply or a timeout.
  bool transient = false;
  long smtp_code = 0;  // last SMTP reply code, 0 when none was received
  std::string error;   // human-readable cause, for the log and sent_emails
};

struct SmtpTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds total{10000};
};

// Sends `message` (a complete RFC 5322 message, CRLF line endings) from
// `envelope_from` to `recipient`. Blocking: call it from a worker thread.
SmtpOutcome smtp_send(const SmtpServer& server, std::string_view envelope_from,
                      std::string_view recipient, const std::string& message,
                      const SmtpTimeouts& timeouts = {});

// Whether `host` is a plain host name or IP literal (no URL syntax that could
// redirect curl elsewhere).
bool is_valid_smtp_host(std::string_view host);

}  // namespace latchkey::mail
