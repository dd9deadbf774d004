// The sent-e-mail log (emails.md §4.3): one row per delivery attempt, read by
// GET /internal/emails (a page at a time from a cursor).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace latchkey::store {

struct SentEmail {
  std::string id;
  std::string project_id;
  int64_t sent_at_millis = 0;
  Json to;  // array of addresses
  std::string subject;
  std::string html;
  std::string text;
  // {"type", "host", "port", "username", "sender_name", "sender_email"};
  // never the password.
  Json sender_config;
  Json error;  // null when the attempt succeeded
};

class SentEmailStore {
 public:
  virtual ~SentEmailStore() = default;
  virtual void insert_sent_email(const SentEmail& e) = 0;
  // Newest first, at most `limit` rows.
  virtual std::vector<SentEmail> list_sent_emails(const std::string& project_id, int limit) = 0;
  // The same order from the row `cursor` on (inclusive), at most `limit`
  // rows; none when `cursor` is not a row of the project.
  virtual std::vector<SentEmail> list_sent_emails_from(const std::string& project_id,
                                                       const std::string& cursor, int limit) = 0;
};

}  // namespace latchkey::store
