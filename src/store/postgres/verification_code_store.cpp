// PostgreSQL implementation of VerificationCodeStore and SentEmailStore: the
// code rows (digests only) and the e-mail delivery log.
#include "store/postgres/stores.hpp"

namespace latchkey::store::postgres {
namespace {

#define LK_CODE_COLUMNS                                                                      \
  "project_id, branch_id, id, type, code_digest, nonce_digest, redirect_url, method, data, " \
  "created_at, expires_at, used_at, attempt_count"

class PgVerificationCodeStore final : public VerificationCodeStore {
 public:
  explicit PgVerificationCodeStore(Pool& pool) : pool_(pool) {}

  bool insert_code(const VerificationCode& v) override {
    auto c = pool_.acquire();
    try {
      c->query("INSERT INTO verification_codes (" LK_CODE_COLUMNS
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
          .bind(v.project_id)
          .bind(v.branch_id)
          .bind(v.id)
          .bind(v.type)
          .bind(v.code_digest)
          .bind(v.nonce_digest)
          .bind(v.redirect_url)
          .bind(v.method.dump())
          .bind(v.data.dump())
          .bind(v.created_at_millis)
          .bind(v.expires_at_millis)
          .bind(v.used_at_millis)
          .bind(v.attempt_count)
          .exec();
    } catch (const ConstraintError& e) {
      if (e.constraint() == "verification_codes_code" ||
          e.constraint() == "verification_codes_pkey")
        return false;
      throw;
    }
    return true;
  }

  std::optional<VerificationCode> find_and_count_attempt(
      const std::string& project_id, const std::string& branch_id, const std::string& type,
      const std::string& code_digest, const std::optional<std::string>& nonce_digest) override {
    auto c = pool_.acquire();
    // One atomic statement. The UPDATE counts the attempt against every code
    // sharing the nonce; it waits for concurrent attempts on those rows, so
    // its RETURNING gives each attempt its own count. The count reported for
    // the code is the one from before this attempt (attempt_count - 1 of the
    // updated row), as in the reference; a code outside the nonce group (or
    // no nonce given) is read as it is.
    auto r = c->query(
                  "WITH bumped AS (UPDATE verification_codes "
                  "SET attempt_count = attempt_count + 1 WHERE project_id = $1 AND "
                  "branch_id = $2 AND nonce_digest = $5::text "
                  "RETURNING id, attempt_count - 1 AS before) "
                  "SELECT v.project_id, v.branch_id, v.id, v.type, v.code_digest, "
                  "v.nonce_digest, v.redirect_url, v.method, v.data, v.created_at, "
                  "v.expires_at, v.used_at, COALESCE(b.before, v.attempt_count) "
                  "FROM verification_codes v LEFT JOIN bumped b ON b.id = v.id "
                  "WHERE v.project_id = $1 AND v.branch_id = $2 AND v.type = $3 AND "
                  "v.code_digest = $4")
                 .bind(project_id)
                 .bind(branch_id)
                 .bind(type)
                 .bind(code_digest)
                 .bind(nonce_digest)
                 .run();
    if (nonce_digest) c->note_write();  // the CTE wrote even though the tag says SELECT
    if (r.rows() == 0) return std::nullopt;
    return read(r, 0);
  }

  bool mark_used(const std::string& project_id, const std::string& id,
                 int64_t now_millis) override {
    auto c = pool_.acquire();
    return c->query(
                "UPDATE verification_codes SET used_at = $1 WHERE project_id = $2 AND "
                "id = $3 AND used_at IS NULL")
               .bind(now_millis)
               .bind(project_id)
               .bind(id)
               .exec() == 1;
  }

  void delete_code(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    c->query("DELETE FROM verification_codes WHERE project_id = $1 AND id = $2")
        .bind(project_id)
        .bind(id)
        .exec();
  }

 private:
  static VerificationCode read(const Result& r, int i) {
    VerificationCode v;
    v.project_id = r.text(i, 0);
    v.branch_id = r.text(i, 1);
    v.id = r.text(i, 2);
    v.type = r.text(i, 3);
    v.code_digest = r.text(i, 4);
    v.nonce_digest = r.text(i, 5);
    v.redirect_url = r.opt_text(i, 6);
    v.method = parse_json_or_null(r.opt_text(i, 7));
    v.data = parse_json_or_null(r.opt_text(i, 8));
    v.created_at_millis = r.int64(i, 9);
    v.expires_at_millis = r.int64(i, 10);
    v.used_at_millis = r.opt_int64(i, 11);
    v.attempt_count = r.int64(i, 12);
    return v;
  }

  Pool& pool_;
};

class PgSentEmailStore final : public SentEmailStore {
 public:
  explicit PgSentEmailStore(Pool& pool) : pool_(pool) {}

  void insert_sent_email(const SentEmail& e) override {
    auto c = pool_.acquire();
    c->query(
         "INSERT INTO sent_emails (project_id, id, sent_at, recipients, subject, html, text, "
         "sender_config, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(e.project_id)
        .bind(e.id)
        .bind(e.sent_at_millis)
        .bind(e.to.dump())
        .bind(e.subject)
        .bind(e.html)
        .bind(e.text)
        .bind(e.sender_config.dump())
        .bind(dump_or_null(e.error))
        .exec();
  }

  std::vector<SentEmail> list_sent_emails(const std::string& project_id, int limit) override {
    auto c = pool_.acquire();
    auto r = c->query(
                  "SELECT project_id, id, sent_at, recipients, subject, html, text, "
                  "sender_config, error FROM sent_emails WHERE project_id = $1 "
                  "ORDER BY sent_at DESC, seq DESC LIMIT $2")
                 .bind(project_id)
                 .bind(static_cast<int64_t>(limit))
                 .run();
    std::vector<SentEmail> out;
    for (int i = 0; i < r.rows(); ++i) {
      SentEmail e;
      e.project_id = r.text(i, 0);
      e.id = r.text(i, 1);
      e.sent_at_millis = r.int64(i, 2);
      e.to = parse_json_or_null(r.opt_text(i, 3));
      e.subject = r.text(i, 4);
      e.html = r.text(i, 5);
      e.text = r.text(i, 6);
      e.sender_config = parse_json_or_null(r.opt_text(i, 7));
      e.error = parse_json_or_null(r.opt_text(i, 8));
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<VerificationCodeStore> make_verification_code_store(Pool& pool) {
  return std::make_unique<PgVerificationCodeStore>(pool);
}

std::unique_ptr<SentEmailStore> make_sent_email_store(Pool& pool) {
  return std::make_unique<PgSentEmailStore>(pool);
}

}  // namespace latchkey::store::postgres
