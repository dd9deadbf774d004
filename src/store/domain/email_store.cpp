// EmailStore: notification preferences, unsubscribe codes, customised
// e-mail templates and the failed-e-mails digest read.

#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

const sql::Columns<UnsubscribeCode> kCodeColumns{
    {"code_digest", &UnsubscribeCode::code_digest},
    {"project_id", &UnsubscribeCode::project_id},
    {"user_id", &UnsubscribeCode::user_id},
    {"category_id", &UnsubscribeCode::category_id},
    {"created_at", &UnsubscribeCode::created_at_millis},
    {"expires_at", &UnsubscribeCode::expires_at_millis},
    {"used_at", &UnsubscribeCode::used_at_millis},
};
const sql::Columns<EmailTemplate> kTemplateColumns{
    {"project_id", &EmailTemplate::project_id},
    {"type", &EmailTemplate::type},
    {"subject", &EmailTemplate::subject},
    {"content", &EmailTemplate::content},
    {"updated_at", &EmailTemplate::updated_at_millis},
};

const sql::Sql kListPreferences{
    "SELECT category_id, enabled FROM notification_preferences WHERE project_id = $1 AND "
    "user_id = $2 ORDER BY category_id"};
// Written only while the user exists: the caller learns of a missing user
// from the count instead of a foreign-key error.
const sql::Sql kSetPreference{
    "INSERT INTO notification_preferences (project_id, user_id, category_id, enabled, "
    "updated_at) SELECT $1::text, $2::text, $3::text, $4::boolean, $5::bigint WHERE EXISTS "
    "(SELECT 1 FROM users WHERE project_id = $1 AND id = $2) ON CONFLICT (project_id, user_id, "
    "category_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at"};

const sql::Sql kInsertCode{"INSERT INTO unsubscribe_codes (" + kCodeColumns.list() +
                           ") SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, "
                           "$6::bigint, $7::bigint WHERE EXISTS (SELECT 1 FROM users WHERE "
                           "project_id = $2 AND id = $3)"};
const sql::Sql kFindCodeForUpdate = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT " + kCodeColumns.list() + " FROM unsubscribe_codes WHERE code_digest = $1" +
         d.for_update();
});
const sql::Sql kMarkCodeUsed{
    "UPDATE unsubscribe_codes SET used_at = $1 WHERE code_digest = $2 AND used_at IS NULL"};

const std::string kSelectTemplates = "SELECT " + kTemplateColumns.list() + " FROM email_templates ";
const sql::Sql kGetTemplate{kSelectTemplates + "WHERE project_id = $1 AND type = $2"};
const sql::Sql kListTemplates{kSelectTemplates + "WHERE project_id = $1 ORDER BY type"};
const sql::Sql kSaveTemplate{
    "INSERT INTO email_templates (" + kTemplateColumns.list() +
    ") VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, type) DO UPDATE SET subject = "
    "excluded.subject, content = excluded.content, updated_at = excluded.updated_at"};
const sql::Sql kDeleteTemplate{"DELETE FROM email_templates WHERE project_id = $1 AND type = $2"};

const sql::Sql kFailedEmails = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT project_id, subject, recipients FROM sent_emails WHERE error IS NOT NULL AND "
         "sent_at >= $1 ORDER BY project_id, sent_at, " +
         std::string(d.insertion_order);
});
// The internal project's users whose metadata may list the project ($1),
// with their primary e-mail. As in ProjectStore::delete_project, the text
// match only narrows the rows; membership is decided on the parsed metadata.
const sql::Sql kOwnerCandidates = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT u.server_metadata, cc.value FROM users u JOIN contact_channels cc ON "
         "cc.project_id = u.project_id AND cc.user_id = u.id AND cc.type = 'email' AND "
         "cc.is_primary WHERE u.project_id = 'internal' AND " +
         std::string(d.strpos) + "(u.server_metadata, 'managedProjectIds') > 0 AND " +
         std::string(d.strpos) + "(u.server_metadata, $1) > 0 ORDER BY u.created_at, u.id";
});

bool manages(const Json& server_metadata, const std::string& project_id) {
  if (!server_metadata.is_object()) return false;
  auto it = server_metadata.find("managedProjectIds");
  if (it == server_metadata.end() || !it->is_array()) return false;
  for (const auto& v : *it)
    if (v.is_string() && v.get<std::string>() == project_id) return true;
  return false;
}

class SqlEmailStore final : public EmailStore {
 public:
  explicit SqlEmailStore(sql::Database& db) : db_(db) {}

  std::vector<NotificationPreference> list_notification_preferences(
      const std::string& project_id, const std::string& user_id) override {
    auto c = db_.acquire();
    std::vector<NotificationPreference> out;
    for (auto r = c->query(kListPreferences, project_id, user_id); r.next();)
      out.push_back({r.text(0), r.boolean(1)});
    return out;
  }

  bool set_notification_preference(const std::string& project_id, const std::string& user_id,
                                   const std::string& category_id, bool enabled,
                                   int64_t now_millis) override {
    auto c = db_.acquire();
    return c->exec(kSetPreference, project_id, user_id, category_id, enabled, now_millis) > 0;
  }

  bool insert_unsubscribe_code(const UnsubscribeCode& u) override {
    auto c = db_.acquire();
    return c->exec(kInsertCode, u.code_digest, u.project_id, u.user_id, u.category_id,
                   u.created_at_millis, u.expires_at_millis, u.used_at_millis) == 1;
  }

  UseUnsubscribeStatus use_unsubscribe_code(const std::string& code_digest,
                                            int64_t now_millis) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    auto r = c->query(kFindCodeForUpdate, code_digest);
    if (!r.next()) return UseUnsubscribeStatus::kNotFound;
    const UnsubscribeCode code = kCodeColumns.read(r);
    if (code.expires_at_millis < now_millis) return UseUnsubscribeStatus::kExpired;
    if (code.used_at_millis || c->exec(kMarkCodeUsed, now_millis, code_digest) != 1)
      return UseUnsubscribeStatus::kAlreadyUsed;
    c->exec(kSetPreference, code.project_id, code.user_id, code.category_id, false, now_millis);
    tx.commit();
    return UseUnsubscribeStatus::kUnsubscribed;
  }

  std::optional<EmailTemplate> get_email_template(const std::string& project_id,
                                                  const std::string& type) override {
    auto c = db_.acquire();
    auto r = c->query(kGetTemplate, project_id, type);
    if (!r.next()) return std::nullopt;
    return kTemplateColumns.read(r);
  }

  std::vector<EmailTemplate> list_email_templates(const std::string& project_id) override {
    auto c = db_.acquire();
    std::vector<EmailTemplate> out;
    for (auto r = c->query(kListTemplates, project_id); r.next();)
      out.push_back(kTemplateColumns.read(r));
    return out;
  }

  void save_email_template(const EmailTemplate& t) override {
    auto c = db_.acquire();
    c->exec(kSaveTemplate, t.project_id, t.type, t.subject, t.content.dump(), t.updated_at_millis);
  }

  bool delete_email_template(const std::string& project_id, const std::string& type) override {
    auto c = db_.acquire();
    return c->exec(kDeleteTemplate, project_id, type) > 0;
  }

  std::vector<FailedEmailDigest> failed_emails_since(int64_t since_millis) override {
    auto c = db_.acquire();
    std::vector<FailedEmailDigest> out;
    for (auto r = c->query(kFailedEmails, since_millis); r.next();) {
      std::string project_id = r.text(0);
      if (out.empty() || out.back().project_id != project_id) out.push_back({project_id, {}, {}});
      out.back().failures.push_back({r.text(1), r.json(2)});
    }
    for (auto& d : out) {
      for (auto r = c->query(kOwnerCandidates, d.project_id); r.next();) {
        std::string email = r.text(1);
        if (!manages(r.json(0), d.project_id)) continue;
        bool seen = false;
        for (const auto& e : d.owner_emails) seen = seen || e == email;
        if (!seen) d.owner_emails.push_back(std::move(email));
      }
    }
    return out;
  }

 private:
  sql::Database& db_;
};

}  // namespace

std::unique_ptr<EmailStore> make_email_store(sql::Database& db) {
  return std::make_unique<SqlEmailStore>(db);
}

}  // namespace latchkey::store::domain
