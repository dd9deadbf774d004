// PostgreSQL implementation of PasskeyStore and TotpStore: the user's passkey
// (one row per user) and the last TOTP step used per user.
#include "store/postgres/stores.hpp"

namespace latchkey::store::postgres {
namespace {

#define LK_PASSKEY_COLUMNS                                                                 \
  "project_id, user_id, credential_id, public_key, user_handle, transports, device_type, " \
  "backed_up, counter, created_at, last_used_at"

class PgPasskeyStore final : public PasskeyStore {
 public:
  explicit PgPasskeyStore(Pool& pool) : pool_(pool) {}

  SavePasskeyStatus save_passkey(const Passkey& p) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    // Locking the user row serialises registrations of one user (and keeps
    // the user from being deleted until the commit).
    if (c->query("SELECT 1 FROM users WHERE project_id = $1 AND id = $2 FOR UPDATE")
            .bind(p.project_id)
            .bind(p.user_id)
            .run()
            .rows() == 0)
      return SavePasskeyStatus::kUserNotFound;
    // One passkey per user: a new registration replaces the old one.
    c->query("DELETE FROM passkeys WHERE project_id = $1 AND user_id = $2")
        .bind(p.project_id)
        .bind(p.user_id)
        .exec();
    Json transports = Json::array();
    for (const auto& t : p.transports) transports.push_back(t);
    try {
      c->query("INSERT INTO passkeys (" LK_PASSKEY_COLUMNS
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
          .bind(p.project_id)
          .bind(p.user_id)
          .bind(p.credential_id)
          .bind_bytea(p.public_key)
          .bind(p.user_handle)
          .bind(transports.dump())
          .bind(p.device_type)
          .bind(p.backed_up)
          .bind(p.counter)
          .bind(p.created_at_millis)
          .bind(p.last_used_at_millis)
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
    auto r = c->query("SELECT " LK_PASSKEY_COLUMNS
                      " FROM passkeys WHERE project_id = $1 AND credential_id = $2")
                 .bind(project_id)
                 .bind(credential_id)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    Passkey p;
    p.project_id = r.text(0, 0);
    p.user_id = r.text(0, 1);
    p.credential_id = r.text(0, 2);
    p.public_key = r.opt_bytea(0, 3).value_or(std::string());
    p.user_handle = r.text(0, 4);
    Json transports = parse_json_or_null(r.opt_text(0, 5));
    if (transports.is_array())
      for (const auto& t : transports)
        if (t.is_string()) p.transports.push_back(t.get<std::string>());
    p.device_type = r.text(0, 6);
    p.backed_up = r.boolean(0, 7);
    p.counter = r.int64(0, 8);
    p.created_at_millis = r.int64(0, 9);
    p.last_used_at_millis = r.opt_int64(0, 10);
    return p;
  }

  bool update_passkey_counter(const std::string& project_id, const std::string& user_id,
                              const std::string& credential_id, int64_t expected_counter,
                              int64_t new_counter, int64_t now_millis) override {
    auto c = pool_.acquire();
    // The WHERE is re-checked on the latest row version: of two concurrent
    // assertions with the same counter, one updates and one finds nothing.
    return c->query(
                "UPDATE passkeys SET counter = $1, last_used_at = $2 WHERE project_id = $3 "
                "AND user_id = $4 AND credential_id = $5 AND counter = $6")
               .bind(new_counter)
               .bind(now_millis)
               .bind(project_id)
               .bind(user_id)
               .bind(credential_id)
               .bind(expected_counter)
               .exec() == 1;
  }

  bool delete_user_passkey(const std::string& project_id, const std::string& user_id) override {
    auto c = pool_.acquire();
    return c->query("DELETE FROM passkeys WHERE project_id = $1 AND user_id = $2")
               .bind(project_id)
               .bind(user_id)
               .exec() > 0;
  }

 private:
  Pool& pool_;
};

class PgTotpStore final : public TotpStore {
 public:
  explicit PgTotpStore(Pool& pool) : pool_(pool) {}

  bool claim_totp_step(const std::string& project_id, const std::string& user_id,
                       int64_t step) override {
    auto c = pool_.acquire();
    try {
      // One statement: ON CONFLICT takes the row lock and re-checks the
      // WHERE, so two requests with the same code cannot both win.
      return c->query(
                  "INSERT INTO totp_used_steps (project_id, user_id, last_used_step) "
                  "VALUES ($1, $2, $3) ON CONFLICT (project_id, user_id) DO UPDATE SET "
                  "last_used_step = excluded.last_used_step "
                  "WHERE totp_used_steps.last_used_step < excluded.last_used_step")
                 .bind(project_id)
                 .bind(user_id)
                 .bind(step)
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
  return std::make_unique<PgPasskeyStore>(pool);
}

std::unique_ptr<TotpStore> make_totp_store(Pool& pool) {
  return std::make_unique<PgTotpStore>(pool);
}

}  // namespace latchkey::store::postgres
