#include "mail/mime.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "core/crypto.hpp"

namespace latchkey::mail {
namespace {

std::string strip_newlines(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

bool printable_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// Length of the UTF-8 sequence starting with `lead` (1 for stray bytes).
size_t utf8_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 6) return 2;
  if ((lead >> 4) == 14) return 3;
  if ((lead >> 3) == 30) return 4;
  return 1;
}

// Encoded words of at most 75 characters (RFC 2047 §2): 45 bytes of input
// become 60 base64 characters plus the 12 of "=?UTF-8?B?" and "?=". Chunks
// never split a UTF-8 sequence.
std::string encoded_words(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = i;
    while (end < s.size()) {
      size_t len = utf8_len(static_cast<unsigned char>(s[end]));
      if (end + len - i > 45) break;
      end += len;
    }
    if (end == i) end = std::min(s.size(), i + 1);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + core::base64_encode(s.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

}  // namespace

std::string encode_header_value(std::string_view value) {
  std::string v = strip_newlines(value);
  if (printable_ascii(v) && v.size() <= 900) return v;
  return encoded_words(v);
}

std::string format_mailbox(std::string_view name, std::string_view address) {
  std::string addr = strip_newlines(address);
  std::string n = strip_newlines(name);
  if (n.empty()) return "<" + addr + ">";
  if (!printable_ascii(n) || n.size() > 200) return encoded_words(n) + " <" + addr + ">";
  std::string quoted = "\"";
  for (char c : n) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += "\"";
  return quoted + " <" + addr + ">";
}

std::string base64_lines(std::string_view data) {
  std::string b64 = core::base64_encode(data);
  std::string out;
  out.reserve(b64.size() + b64.size() / 76 * 2 + 2);
  for (size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

std::string rfc5322_date(int64_t millis) {
  std::time_t t = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string render_mime(const MimeMessage& m) {
  std::string out;
  out += "From: " + format_mailbox(m.from_name, m.from_address) + "\r\n";
  out += "To: " + format_mailbox("", m.to) + "\r\n";
  out += "Subject: " + encode_header_value(m.subject) + "\r\n";
  out += "Date: " + rfc5322_date(m.date_millis) + "\r\n";
  out += "Message-ID: <" + strip_newlines(m.message_id) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (m.html.empty()) {  // a text-only message (the test e-mail)
    out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(m.text);
    return out;
  }
  out += "Content-Type: multipart/alternative; boundary=\"" + m.boundary + "\"\r\n";
  out += "\r\n";
  // Plain text first, HTML last: clients show the last part they support.
  out += "--" + m.boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(m.text);
  out += "--" + m.boundary + "\r\n";
  out += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(m.html);
  out += "--" + m.boundary + "--\r\n";
  return out;
}

}  // namespace latchkey::mail
