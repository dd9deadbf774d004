// SQLite implementation of VerificationCodeStore and SentEmailStore: the
// code rows (digests only) and the e-mail delivery log.
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {
namespace {

#define LK_CODE_COLUMNS                                                                      \
  "project_id, branch_id, id, type, code_digest, nonce_digest, redirect_url, method, data, " \
  "created_at, expires_at, used_at, attempt_count"

class SqliteVerificationCodeStore final : public VerificationCodeStore {
 public:
  explicit SqliteVerificationCodeStore(Pool& pool) : pool_(pool) {}

  bool insert_code(const VerificationCode& v) override {
    auto c = pool_.acquire();
    try {
      c->prepare("INSERT INTO verification_codes (" LK_CODE_COLUMNS
                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(1, v.project_id)
          .bind(2, v.branch_id)
          .bind(3, v.id)
          .bind(4, v.type)
          .bind(5, v.code_digest)
          .bind(6, v.nonce_digest)
          .bind(7, v.redirect_url)
          .bind(8, v.method.dump())
          .bind(9, v.data.dump())
          .bind(10, v.created_at_millis)
          .bind(11, v.expires_at_millis)
          .bind(12, v.used_at_millis)
          .bind(13, v.attempt_count)
          .exec();
    } catch (const ConstraintError&) {
      return false;
    }
    return true;
  }

  std::optional<VerificationCode> find_and_count_attempt(
      const std::string& project_id, const std::string& branch_id, const std::string& type,
      const std::string& code_digest, const std::optional<std::string>& nonce_digest) override {
    auto c = pool_.acquire();
    // The read and the increment in one transaction: the count checked
    // afterwards is the one from before this attempt, as in the reference.
    Transaction tx(*c);
    std::optional<VerificationCode> found;
    {
      auto s = c->prepare("SELECT " LK_CODE_COLUMNS
                          " FROM verification_codes WHERE project_id = ? AND branch_id = ? "
                          "AND type = ? AND code_digest = ?");
      s.bind(1, project_id).bind(2, branch_id).bind(3, type).bind(4, code_digest);
      if (s.step()) found = read(s);
    }
    if (nonce_digest) {
      c->prepare(
           "UPDATE verification_codes SET attempt_count = attempt_count + 1 "
           "WHERE project_id = ? AND branch_id = ? AND nonce_digest = ?")
          .bind(1, project_id)
          .bind(2, branch_id)
          .bind(3, *nonce_digest)
          .exec();
    }
    tx.commit();
    return found;
  }

  bool mark_used(const std::string& project_id, const std::string& id,
                 int64_t now_millis) override {
    auto c = pool_.acquire();
    int n = c->prepare(
                 "UPDATE verification_codes SET used_at = ? WHERE project_id = ? AND id = ? "
                 "AND used_at IS NULL")
                .bind(1, now_millis)
                .bind(2, project_id)
                .bind(3, id)
                .exec();
    return n == 1;
  }

  void delete_code(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    c->prepare("DELETE FROM verification_codes WHERE project_id = ? AND id = ?")
        .bind(1, project_id)
        .bind(2, id)
        .exec();
  }

 private:
  static VerificationCode read(Stmt& s) {
    VerificationCode v;
    v.project_id = s.text(0);
    v.branch_id = s.text(1);
    v.id = s.text(2);
    v.type = s.text(3);
    v.code_digest = s.text(4);
    v.nonce_digest = s.text(5);
    v.redirect_url = s.opt_text(6);
    v.method = parse_json_or_null(s.opt_text(7));
    v.data = parse_json_or_null(s.opt_text(8));
    v.created_at_millis = s.int64(9);
    v.expires_at_millis = s.int64(10);
    v.used_at_millis = s.opt_int64(11);
    v.attempt_count = s.int64(12);
    return v;
  }

  Pool& pool_;
};

class SqliteSentEmailStore final : public SentEmailStore {
 public:
  explicit SqliteSentEmailStore(Pool& pool) : pool_(pool) {}

  void insert_sent_email(const SentEmail& e) override {
    auto c = pool_.acquire();
    c->prepare(
         "INSERT INTO sent_emails (project_id, id, sent_at, recipients, subject, html, text, "
         "sender_config, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, e.project_id)
        .bind(2, e.id)
        .bind(3, e.sent_at_millis)
        .bind(4, e.to.dump())
        .bind(5, e.subject)
        .bind(6, e.html)
        .bind(7, e.text)
        .bind(8, e.sender_config.dump())
        .bind(9, dump_or_null(e.error))
        .exec();
  }

  std::vector<SentEmail> list_sent_emails(const std::string& project_id, int limit) override {
    auto c = pool_.acquire();
    auto s = c->prepare(
        "SELECT project_id, id, sent_at, recipients, subject, html, text, sender_config, error "
        "FROM sent_emails WHERE project_id = ? ORDER BY sent_at DESC, rowid DESC LIMIT ?");
    s.bind(1, project_id).bind(2, static_cast<int64_t>(limit));
    std::vector<SentEmail> out;
    while (s.step()) {
      SentEmail e;
      e.project_id = s.text(0);
      e.id = s.text(1);
      e.sent_at_millis = s.int64(2);
      e.to = parse_json_or_null(s.opt_text(3));
      e.subject = s.text(4);
      e.html = s.text(5);
      e.text = s.text(6);
      e.sender_config = parse_json_or_null(s.opt_text(7));
      e.error = parse_json_or_null(s.opt_text(8));
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<VerificationCodeStore> make_verification_code_store(Pool& pool) {
  return std::make_unique<SqliteVerificationCodeStore>(pool);
}

std::unique_ptr<SentEmailStore> make_sent_email_store(Pool& pool) {
  return std::make_unique<SqliteSentEmailStore>(pool);
}

}  // namespace latchkey::store::sqlite
