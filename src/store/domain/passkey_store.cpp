// PasskeyStore and TotpStore: the user's passkey (one row per user, its
// public key as bytes) and the last TOTP step used per user.
#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

// The transports are a JSON array of strings in a text column.
Json transports_json(const std::vector<std::string>& transports) {
  Json out = Json::array();
  for (const auto& t : transports) out.push_back(t);
  return out;
}

const sql::Columns<Passkey> kColumns{
    {"project_id", &Passkey::project_id},
    {"user_id", &Passkey::user_id},
    {"credential_id", &Passkey::credential_id},
    // BLOB / bytea; the member is a plain string (the column is NOT NULL).
    sql::Column<Passkey>::custom("public_key",
                                 [](Passkey& p, const sql::Rows& r, int col) {
                                   p.public_key = r.opt_blob(col).value_or(std::string());
                                 }),
    {"user_handle", &Passkey::user_handle},
    sql::Column<Passkey>::custom("transports",
                                 [](Passkey& p, const sql::Rows& r, int col) {
                                   Json transports = r.json(col);
                                   if (!transports.is_array()) return;
                                   for (const auto& t : transports)
                                     if (t.is_string())
                                       p.transports.push_back(t.get<std::string>());
                                 }),
    {"device_type", &Passkey::device_type},
    {"backed_up", &Passkey::backed_up},
    {"counter", &Passkey::counter},
    {"created_at", &Passkey::created_at_millis},
    {"last_used_at", &Passkey::last_used_at_millis},
};

// On PostgreSQL the user's row lock serialises registrations of one user
// (and keeps the user from being deleted until the commit); SQLite's BEGIN
// IMMEDIATE does the same.
const sql::Sql kLockUser = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT 1 FROM users WHERE project_id = $1 AND id = $2" + d.for_update();
});
const sql::Sql kDeleteOfUser{"DELETE FROM passkeys WHERE project_id = $1 AND user_id = $2"};
// The user's own row was just deleted (under the lock), so the only
// conflict left is another user's passkey with this credential ID: nothing
// inserted.
const sql::Sql kInsert{"INSERT INTO passkeys (" + kColumns.list() +
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                       "ON CONFLICT (project_id, credential_id) DO NOTHING"};
const sql::Sql kByCredential{"SELECT " + kColumns.list() +
                             " FROM passkeys WHERE project_id = $1 AND credential_id = $2"};
// The WHERE is re-checked on the latest row version (PostgreSQL waits for a
// concurrent writer): of two assertions with the same counter, one updates
// and one finds nothing.
const sql::Sql kUpdateCounter{
    "UPDATE passkeys SET counter = $1, last_used_at = $2 WHERE project_id = $3 AND user_id = $4 "
    "AND credential_id = $5 AND counter = $6"};

// One statement, so two requests with the same code cannot both win: on
// conflict the row is locked and the WHERE re-checked against it.
const sql::Sql kClaimStep{
    "INSERT INTO totp_used_steps (project_id, user_id, last_used_step) VALUES ($1, $2, $3) "
    "ON CONFLICT (project_id, user_id) DO UPDATE SET last_used_step = excluded.last_used_step "
    "WHERE totp_used_steps.last_used_step < excluded.last_used_step"};

class SqlPasskeyStore final : public PasskeyStore {
 public:
  explicit SqlPasskeyStore(sql::Database& db) : db_(db) {}

  SavePasskeyStatus save_passkey(const Passkey& p) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (!c->exists(kLockUser, p.project_id, p.user_id)) return SavePasskeyStatus::kUserNotFound;
    // One passkey per user: a new registration replaces the old one.
    c->exec(kDeleteOfUser, p.project_id, p.user_id);
    if (c->exec(kInsert, p.project_id, p.user_id, p.credential_id, sql::Blob{p.public_key},
                p.user_handle, transports_json(p.transports).dump(), p.device_type, p.backed_up,
                p.counter, p.created_at_millis, p.last_used_at_millis) == 0)
      return SavePasskeyStatus::kCredentialInUse;  // rolled back: the old passkey stays
    tx.commit();
    return SavePasskeyStatus::kSaved;
  }

  std::optional<Passkey> find_passkey_by_credential_id(const std::string& project_id,
                                                       const std::string& credential_id) override {
    auto c = db_.acquire();
    auto r = c->query(kByCredential, project_id, credential_id);
    if (!r.next()) return std::nullopt;
    return kColumns.read(r);
  }

  bool update_passkey_counter(const std::string& project_id, const std::string& user_id,
                              const std::string& credential_id, int64_t expected_counter,
                              int64_t new_counter, int64_t now_millis) override {
    auto c = db_.acquire();
    return c->exec(kUpdateCounter, new_counter, now_millis, project_id, user_id, credential_id,
                   expected_counter) == 1;
  }

  bool delete_user_passkey(const std::string& project_id, const std::string& user_id) override {
    auto c = db_.acquire();
    return c->exec(kDeleteOfUser, project_id, user_id) > 0;
  }

 private:
  sql::Database& db_;
};

class SqlTotpStore final : public TotpStore {
 public:
  explicit SqlTotpStore(sql::Database& db) : db_(db) {}

  bool claim_totp_step(const std::string& project_id, const std::string& user_id,
                       int64_t step) override {
    auto c = db_.acquire();
    try {
      return c->exec(kClaimStep, project_id, user_id, step) == 1;
    } catch (const sql::ConstraintError&) {
      // The only constraint the statement can break is the foreign key:
      // the user does not exist (or was deleted meanwhile).
      return false;
    }
  }

 private:
  sql::Database& db_;
};

}  // namespace

std::unique_ptr<PasskeyStore> make_passkey_store(sql::Database& db) {
  return std::make_unique<SqlPasskeyStore>(db);
}

std::unique_ptr<TotpStore> make_totp_store(sql::Database& db) {
  return std::make_unique<SqlTotpStore>(db);
}

}  // namespace latchkey::store::domain
