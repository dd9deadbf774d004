// RFC 5322 / MIME rendering of one e-mail: headers safe against injection,
// RFC 2047 encoded words for non-ASCII names and subjects, and a
// multipart/alternative body with a plain-text and an HTML part.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace latchkey::mail {

struct MimeMessage {
  std::string from_name;
  std::string from_address;
  std::string to;
  std::string subject;
  std::string text;
  std::string html;
  int64_t date_millis = 0;  // Date header
  std::string message_id;   // without angle brackets, e.g. "<uuid>@latchkey"
  std::string boundary;     // must not occur in the base64 parts (it cannot: it has '_')
};

// The complete message (headers, blank line, body) with CRLF line endings.
std::string render_mime(const MimeMessage& m);

// `"Name" <address>` (or just `<address>` without a name); the name is
// quoted, or RFC 2047-encoded when it is not printable ASCII.
std::string format_mailbox(std::string_view name, std::string_view address);

// A header value as RFC 2047 encoded words when it needs them (non-ASCII or
// very long), else unchanged; CR and LF are replaced by spaces either way.
std::string encode_header_value(std::string_view value);

// Base64 with lines of 76 characters, CRLF-terminated.
std::string base64_lines(std::string_view data);

// RFC 5322 date, e.g. "Tue, 08 Jul 2025 12:00:00 +0000".
std::string rfc5322_date(int64_t millis);

}  // namespace latchkey::mail
