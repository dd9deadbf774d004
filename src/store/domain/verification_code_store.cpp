// VerificationCodeStore and SentEmailStore: one-time code rows (digests
// only) and the e-mail delivery log.
#include <map>

#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

const sql::Columns<VerificationCode> kCodeColumns{
    {"project_id", &VerificationCode::project_id},
    {"branch_id", &VerificationCode::branch_id},
    {"id", &VerificationCode::id},
    {"type", &VerificationCode::type},
    {"code_digest", &VerificationCode::code_digest},
    {"nonce_digest", &VerificationCode::nonce_digest},
    {"redirect_url", &VerificationCode::redirect_url},
    {"method", &VerificationCode::method},
    {"data", &VerificationCode::data},
    {"created_at", &VerificationCode::created_at_millis},
    {"expires_at", &VerificationCode::expires_at_millis},
    {"used_at", &VerificationCode::used_at_millis},
    {"attempt_count", &VerificationCode::attempt_count},
};
const sql::Columns<SentEmail> kEmailColumns{
    {"project_id", &SentEmail::project_id},
    {"id", &SentEmail::id},
    {"sent_at", &SentEmail::sent_at_millis},
    {"recipients", &SentEmail::to},
    {"subject", &SentEmail::subject},
    {"html", &SentEmail::html},
    {"text", &SentEmail::text},
    {"sender_config", &SentEmail::sender_config},
    {"error", &SentEmail::error},
};

// A duplicate (same id, or same digest in the project/branch) inserts
// nothing; any other constraint (the project is gone) is an error.
const sql::Sql kInsertCode{"INSERT INTO verification_codes (" + kCodeColumns.list() +
                           ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                           "ON CONFLICT DO NOTHING"};
// Counts an attempt against every code sharing the nonce, of any type. On
// PostgreSQL it waits for concurrent attempts on those rows, so RETURNING
// gives each attempt its own count; the count before this attempt is the
// one reported.
const sql::Sql kCountAttempt{
    "UPDATE verification_codes SET attempt_count = attempt_count + 1 WHERE project_id = $1 AND "
    "branch_id = $2 AND nonce_digest = $3 RETURNING id, attempt_count - 1"};
const sql::Sql kFindCode{"SELECT " + kCodeColumns.list() +
                         " FROM verification_codes WHERE project_id = $1 AND branch_id = $2 "
                         "AND type = $3 AND code_digest = $4"};
// Single use: the WHERE is re-checked on the latest row version (PostgreSQL
// waits for a concurrent writer), so of two requests one sets used_at.
const sql::Sql kMarkUsed{
    "UPDATE verification_codes SET used_at = $1 WHERE project_id = $2 AND id = $3 AND used_at "
    "IS NULL"};
const sql::Sql kDeleteCode{"DELETE FROM verification_codes WHERE project_id = $1 AND id = $2"};

const sql::Sql kInsertEmail{"INSERT INTO sent_emails (" + kEmailColumns.list() +
                            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
const sql::Sql kListEmails = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT " + kEmailColumns.list() +
         " FROM sent_emails WHERE project_id = $1 ORDER BY sent_at DESC, " +
         std::string(d.insertion_order) + " DESC LIMIT $2";
});
// The cursor row's place in that order, read first: the page is then a
// plain index range (sent_emails_recent ends with the insertion order).
const sql::Sql kEmailPosition = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT sent_at, " + std::string(d.insertion_order) +
         " FROM sent_emails WHERE project_id = $1 AND id = $2";
});
// Rows at or after that place.
const sql::Sql kListEmailsFrom = sql::Sql::each([](const sql::Dialect& d) {
  const std::string order(d.insertion_order);
  return "SELECT " + kEmailColumns.list() +
         " FROM sent_emails WHERE project_id = $1 AND (sent_at, " + order +
         ") <= ($2::bigint, $3::bigint) ORDER BY sent_at DESC, " + order + " DESC LIMIT $4";
});

std::optional<VerificationCode> find_code(sql::Connection& c, const std::string& project_id,
                                          const std::string& branch_id, const std::string& type,
                                          const std::string& code_digest) {
  auto r = c.query(kFindCode, project_id, branch_id, type, code_digest);
  if (!r.next()) return std::nullopt;
  return kCodeColumns.read(r);
}

class SqlVerificationCodeStore final : public VerificationCodeStore {
 public:
  explicit SqlVerificationCodeStore(sql::Database& db) : db_(db) {}

  bool insert_code(const VerificationCode& v) override {
    auto c = db_.acquire();
    return c->exec(kInsertCode, v.project_id, v.branch_id, v.id, v.type, v.code_digest,
                   v.nonce_digest, v.redirect_url, v.method.dump(), v.data.dump(),
                   v.created_at_millis, v.expires_at_millis, v.used_at_millis,
                   v.attempt_count) == 1;
  }

  std::optional<VerificationCode> find_and_count_attempt(
      const std::string& project_id, const std::string& branch_id, const std::string& type,
      const std::string& code_digest, const std::optional<std::string>& nonce_digest) override {
    auto c = db_.acquire();
    if (!nonce_digest) return find_code(*c, project_id, branch_id, type, code_digest);
    // The increment first, then the read, in one transaction: the counted
    // rows stay locked (PostgreSQL; SQLite serialises the whole
    // transaction), and the one lock-taking statement cannot deadlock with
    // another attempt. The code is reported with its count from before this
    // attempt, as in the reference.
    sql::Transaction tx(*c);
    std::map<std::string, int64_t> before;  // id -> attempt_count before ours
    for (auto r = c->query(kCountAttempt, project_id, branch_id, *nonce_digest); r.next();)
      before[r.text(0)] = r.int64(1);
    auto found = find_code(*c, project_id, branch_id, type, code_digest);
    // A code outside the nonce group is reported as it is.
    if (found)
      if (auto it = before.find(found->id); it != before.end()) found->attempt_count = it->second;
    tx.commit();
    return found;
  }

  bool mark_used(const std::string& project_id, const std::string& id,
                 int64_t now_millis) override {
    auto c = db_.acquire();
    return c->exec(kMarkUsed, now_millis, project_id, id) == 1;
  }

  void delete_code(const std::string& project_id, const std::string& id) override {
    auto c = db_.acquire();
    c->exec(kDeleteCode, project_id, id);
  }

 private:
  sql::Database& db_;
};

class SqlSentEmailStore final : public SentEmailStore {
 public:
  explicit SqlSentEmailStore(sql::Database& db) : db_(db) {}

  void insert_sent_email(const SentEmail& e) override {
    auto c = db_.acquire();
    c->exec(kInsertEmail, e.project_id, e.id, e.sent_at_millis, e.to.dump(), e.subject, e.html,
            e.text, e.sender_config.dump(), dump_or_null(e.error));
  }

  std::vector<SentEmail> list_sent_emails(const std::string& project_id, int limit) override {
    auto c = db_.acquire();
    std::vector<SentEmail> out;
    for (auto r = c->query(kListEmails, project_id, static_cast<int64_t>(limit)); r.next();)
      out.push_back(kEmailColumns.read(r));
    return out;
  }

  std::vector<SentEmail> list_sent_emails_from(const std::string& project_id,
                                               const std::string& cursor, int limit) override {
    auto c = db_.acquire();
    std::vector<SentEmail> out;
    int64_t sent_at = 0, position = 0;
    {
      auto at = c->query(kEmailPosition, project_id, cursor);
      if (!at.next()) return out;  // an unknown cursor: no rows
      sent_at = at.int64(0);
      position = at.int64(1);
    }
    for (auto r =
             c->query(kListEmailsFrom, project_id, sent_at, position, static_cast<int64_t>(limit));
         r.next();)
      out.push_back(kEmailColumns.read(r));
    return out;
  }

 private:
  sql::Database& db_;
};

}  // namespace

std::unique_ptr<VerificationCodeStore> make_verification_code_store(sql::Database& db) {
  return std::make_unique<SqlVerificationCodeStore>(db);
}

std::unique_ptr<SentEmailStore> make_sent_email_store(sql::Database& db) {
  return std::make_unique<SqlSentEmailStore>(db);
}

}  // namespace latchkey::store::domain
