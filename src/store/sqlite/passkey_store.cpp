// SQLite implementation of PasskeyStore and TotpStore: the user's passkey
// (one row per user) and the last TOTP step used per user.
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {
namespace {

#define LK_PASSKEY_COLUMNS                                                                 \
  "project_id, user_id, credential_id, public_key, user_handle, transports, device_type, " \
  "backed_up, counter, created_at, last_used_at"

class SqlitePasskeyStore final : public PasskeyStore {
 public:
  explicit SqlitePasskeyStore(Pool& pool) : pool_(pool) {}

  SavePasskeyStatus save_passkey(const Passkey& p) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    {
      auto s = c->prepare("SELECT 1 FROM users WHERE project_id = ? AND id = ?");
      s.bind(1, p.project_id).bind(2, p.user_id);
      if (!s.step()) return SavePasskeyStatus::kUserNotFound;
    }
    // One passkey per user: a new registration replaces the old one.
    c->prepare("DELETE FROM passkeys WHERE project_id = ? AND user_id = ?")
        .bind(1, p.project_id)
        .bind(2, p.user_id)
        .exec();
    Json transports = Json::array();
    for (const auto& t : p.transports) transports.push_back(t);
    try {
      c->prepare("INSERT INTO passkeys (" LK_PASSKEY_COLUMNS
                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(1, p.project_id)
          .bind(2, p.user_id)
          .bind(3, p.credential_id)
          .bind_blob(4, p.public_key)
          .bind(5, p.user_handle)
          .bind(6, transports.dump())
          .bind(7, p.device_type)
          .bind(8, p.backed_up)
          .bind(9, p.counter)
          .bind(10, p.created_at_millis)
          .bind(11, p.last_used_at_millis)
          .exec();
    } catch (const ConstraintError&) {
      // Only the credential-ID index can fail: the user's own row is gone.
      return SavePasskeyStatus::kCredentialInUse;
    }
    tx.commit();
    return SavePasskeyStatus::kSaved;
  }

  std::optional<Passkey> find_passkey_by_credential_id(const std::string& project_id,
                                                       const std::string& credential_id) override {
    auto c = pool_.acquire();
    auto s = c->prepare("SELECT " LK_PASSKEY_COLUMNS
                        " FROM passkeys WHERE project_id = ? AND credential_id = ?");
    s.bind(1, project_id).bind(2, credential_id);
    if (!s.step()) return std::nullopt;
    Passkey p;
    p.project_id = s.text(0);
    p.user_id = s.text(1);
    p.credential_id = s.text(2);
    p.public_key = s.text(3);
    p.user_handle = s.text(4);
    Json transports = parse_json_or_null(s.opt_text(5));
    if (transports.is_array())
      for (const auto& t : transports)
        if (t.is_string()) p.transports.push_back(t.get<std::string>());
    p.device_type = s.text(6);
    p.backed_up = s.boolean(7);
    p.counter = s.int64(8);
    p.created_at_millis = s.int64(9);
    p.last_used_at_millis = s.opt_int64(10);
    return p;
  }

  bool update_passkey_counter(const std::string& project_id, const std::string& user_id,
                              const std::string& credential_id, int64_t expected_counter,
                              int64_t new_counter, int64_t now_millis) override {
    auto c = pool_.acquire();
    return c->prepare(
                "UPDATE passkeys SET counter = ?, last_used_at = ? WHERE project_id = ? "
                "AND user_id = ? AND credential_id = ? AND counter = ?")
               .bind(1, new_counter)
               .bind(2, now_millis)
               .bind(3, project_id)
               .bind(4, user_id)
               .bind(5, credential_id)
               .bind(6, expected_counter)
               .exec() == 1;
  }

  bool delete_user_passkey(const std::string& project_id, const std::string& user_id) override {
    auto c = pool_.acquire();
    return c->prepare("DELETE FROM passkeys WHERE project_id = ? AND user_id = ?")
               .bind(1, project_id)
               .bind(2, user_id)
               .exec() > 0;
  }

 private:
  Pool& pool_;
};

class SqliteTotpStore final : public TotpStore {
 public:
  explicit SqliteTotpStore(Pool& pool) : pool_(pool) {}

  bool claim_totp_step(const std::string& project_id, const std::string& user_id,
                       int64_t step) override {
    auto c = pool_.acquire();
    try {
      // One statement, so two requests with the same code cannot both win.
      return c->prepare(
                  "INSERT INTO totp_used_steps (project_id, user_id, last_used_step) "
                  "VALUES (?, ?, ?) ON CONFLICT (project_id, user_id) DO UPDATE SET "
                  "last_used_step = excluded.last_used_step "
                  "WHERE totp_used_steps.last_used_step < excluded.last_used_step")
                 .bind(1, project_id)
                 .bind(2, user_id)
                 .bind(3, step)
                 .exec() == 1;
    } catch (const ConstraintError&) {
      return false;  // the user is gone (foreign key)
    }
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<PasskeyStore> make_passkey_store(Pool& pool) {
  return std::make_unique<SqlitePasskeyStore>(pool);
}

std::unique_ptr<TotpStore> make_totp_store(Pool& pool) {
  return std::make_unique<SqliteTotpStore>(pool);
}

}  // namespace latchkey::store::sqlite
