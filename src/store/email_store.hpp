// The e-mail platform's storage (emails.md §5, projects.md §5.4): users'
// notification preferences, one-click unsubscribe codes (SHA-256 digests
// only), projects' customised e-mail templates, and the read behind the
// failed-e-mails digest.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace latchkey::store {

struct NotificationPreference {
  std::string category_id;
  bool enabled = true;
};

struct UnsubscribeCode {
  std::string code_digest;  // sha256 hex of the lower-case code
  std::string project_id;
  std::string user_id;
  std::string category_id;
  int64_t created_at_millis = 0;
  int64_t expires_at_millis = 0;
  std::optional<int64_t> used_at_millis;
};

enum class UseUnsubscribeStatus {
  kNotFound,
  kExpired,
  kAlreadyUsed,
  kUnsubscribed,  // marked used and the preference stored as disabled
};

struct EmailTemplate {
  std::string project_id;
  std::string type;  // "email_verification", …
  std::string subject;
  Json content;  // the editor document
  int64_t updated_at_millis = 0;
};

// One project's failed deliveries in the digest window, and the addresses
// of its owners (internal users listing it in managedProjectIds, by their
// primary e-mail).
struct FailedEmailDigest {
  std::string project_id;
  struct Failure {
    std::string subject;
    Json to;  // array of addresses
  };
  std::vector<Failure> failures;  // oldest first
  std::vector<std::string> owner_emails;
};

class EmailStore {
 public:
  virtual ~EmailStore() = default;

  // The stored choices of a user (categories never set are absent).
  virtual std::vector<NotificationPreference> list_notification_preferences(
      const std::string& project_id, const std::string& user_id) = 0;
  // Inserts or replaces one choice; false (nothing written) when the user
  // does not exist.
  virtual bool set_notification_preference(const std::string& project_id,
                                           const std::string& user_id,
                                           const std::string& category_id, bool enabled,
                                           int64_t now_millis) = 0;

  // False when the user is gone (nothing written).
  virtual bool insert_unsubscribe_code(const UnsubscribeCode& code) = 0;
  // Checks the code with `code_digest` and, when valid, marks it used and
  // stores its category as disabled for its user, in one transaction; of two
  // concurrent uses one unsubscribes and the other reads kAlreadyUsed.
  virtual UseUnsubscribeStatus use_unsubscribe_code(const std::string& code_digest,
                                                    int64_t now_millis) = 0;

  virtual std::optional<EmailTemplate> get_email_template(const std::string& project_id,
                                                          const std::string& type) = 0;
  virtual std::vector<EmailTemplate> list_email_templates(const std::string& project_id) = 0;
  // Inserts or replaces the project's template of t.type.
  virtual void save_email_template(const EmailTemplate& t) = 0;
  // False when the project had no template of that type.
  virtual bool delete_email_template(const std::string& project_id, const std::string& type) = 0;

  // Every project with a failed delivery at or after `since_millis`, by
  // project id.
  virtual std::vector<FailedEmailDigest> failed_emails_since(int64_t since_millis) = 0;
};

}  // namespace latchkey::store
