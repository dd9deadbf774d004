// CliLoginStore: CLI login attempts, found by the digest of their polling
// or login code; completed once, delivered once.
#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

// One day: an expired attempt still answers "expired" to its CLI for that
// long before it is deleted.
constexpr int64_t kKeepExpiredMillis = 24 * 60 * 60 * 1000;

const sql::Columns<CliLoginAttempt> kColumns{
    {"project_id", &CliLoginAttempt::project_id},
    {"id", &CliLoginAttempt::id},
    sql::Column<CliLoginAttempt>::custom("public_key",
                                         [](CliLoginAttempt& a, const sql::Rows& r, int col) {
                                           a.public_key = r.opt_blob(col).value_or(std::string());
                                         }),
    sql::Column<CliLoginAttempt>::bytes("sealed_refresh_token",
                                        &CliLoginAttempt::sealed_refresh_token),
    {"completed_at", &CliLoginAttempt::completed_at_millis},
    {"used_at", &CliLoginAttempt::used_at_millis},
    {"created_at", &CliLoginAttempt::created_at_millis},
    {"expires_at", &CliLoginAttempt::expires_at_millis},
};

const std::string kSelect = "SELECT " + kColumns.list() + " FROM cli_login_attempts ";

const sql::Sql kDeleteLongExpired{"DELETE FROM cli_login_attempts WHERE expires_at < $1"};
const sql::Sql kInsert{"INSERT INTO cli_login_attempts (" + kColumns.list() +
                       ", polling_code_digest, login_code_digest) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"};
const sql::Sql kByPolling{kSelect + "WHERE polling_code_digest = $1 AND project_id = $2"};
const sql::Sql kOpenByLogin{kSelect +
                            "WHERE login_code_digest = $1 AND completed_at IS NULL AND "
                            "expires_at > $2"};
const sql::Sql kComplete{
    "UPDATE cli_login_attempts SET sealed_refresh_token = $3, completed_at = $4 "
    "WHERE project_id = $1 AND id = $2 AND completed_at IS NULL AND expires_at > $4"};
const sql::Sql kLockUnclaimed = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT sealed_refresh_token FROM cli_login_attempts WHERE project_id = $1 AND id = $2 "
         "AND used_at IS NULL AND completed_at IS NOT NULL" +
         d.for_update();
});
const sql::Sql kMarkUsed{
    "UPDATE cli_login_attempts SET used_at = $3, sealed_refresh_token = NULL "
    "WHERE project_id = $1 AND id = $2"};

class SqlCliLoginStore final : public CliLoginStore {
 public:
  explicit SqlCliLoginStore(sql::Database& db) : db_(db) {}

  bool create_cli_attempt(const CliLoginAttempt& a, const std::string& polling_code_digest,
                          const std::string& login_code_digest) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    c->exec(kDeleteLongExpired, a.created_at_millis - kKeepExpiredMillis);
    try {
      c->exec(kInsert, a.project_id, a.id, sql::Blob{a.public_key},
              sql::blob(a.sealed_refresh_token), a.completed_at_millis, a.used_at_millis,
              a.created_at_millis, a.expires_at_millis, polling_code_digest, login_code_digest);
    } catch (const sql::ConstraintError&) {
      return false;  // the project's foreign key: codes and id are fresh random values
    }
    tx.commit();
    return true;
  }

  std::optional<CliLoginAttempt> find_cli_attempt_by_polling_code(
      const std::string& project_id, const std::string& polling_code_digest) override {
    auto c = db_.acquire();
    auto r = c->query(kByPolling, polling_code_digest, project_id);
    if (!r.next()) return std::nullopt;
    return kColumns.read(r);
  }

  std::optional<CliLoginAttempt> find_open_cli_attempt_by_login_code(
      const std::string& login_code_digest, int64_t now_millis) override {
    auto c = db_.acquire();
    auto r = c->query(kOpenByLogin, login_code_digest, now_millis);
    if (!r.next()) return std::nullopt;
    return kColumns.read(r);
  }

  bool complete_cli_attempt(const std::string& project_id, const std::string& id,
                            const std::string& sealed_refresh_token, int64_t now_millis) override {
    auto c = db_.acquire();
    return c->exec(kComplete, project_id, id, sql::Blob{sealed_refresh_token}, now_millis) == 1;
  }

  std::optional<std::string> claim_cli_attempt(const std::string& project_id, const std::string& id,
                                               int64_t now_millis) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    std::optional<std::string> sealed;
    {
      auto r = c->query(kLockUnclaimed, project_id, id);
      if (!r.next()) return std::nullopt;
      sealed = r.opt_blob(0);
    }
    if (!sealed) return std::nullopt;
    c->exec(kMarkUsed, project_id, id, now_millis);
    tx.commit();
    return sealed;
  }

 private:
  sql::Database& db_;
};

}  // namespace

std::unique_ptr<CliLoginStore> make_cli_login_store(sql::Database& db) {
  return std::make_unique<SqlCliLoginStore>(db);
}

}  // namespace latchkey::store::domain
