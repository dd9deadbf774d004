#include "store/postgres/pg_store.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "store/migrations.hpp"
#include "store/postgres/async_reads.hpp"
#include "store/postgres/stores.hpp"

namespace latchkey::store {
namespace {

using postgres::Transaction;

// pg_advisory_xact_lock keys: migrations ("latchkey" in ASCII) and the
// start-up seeding ("latchkez").
constexpr const char* kMigrationLockSql = "SELECT pg_advisory_xact_lock(7809632219743709561)";
constexpr const char* kSetupLockSql = "SELECT pg_advisory_xact_lock(7809632219743709562)";
// Waits for a lock taken at start-up: another instance may hold it for the
// length of its migrations.
constexpr const char* kStartupLockTimeoutsSql =
    "SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '120s'";

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(const postgres::PoolOptions& options)
      : pool_(options),
        projects_(postgres::make_project_store(pool_)),
        users_(postgres::make_user_store(pool_)),
        sessions_(postgres::make_session_store(pool_)),
        contact_channels_(postgres::make_contact_channel_store(pool_)),
        verification_codes_(postgres::make_verification_code_store(pool_)),
        sent_emails_(postgres::make_sent_email_store(pool_)),
        oauth_(postgres::make_oauth_store(pool_)),
        passkeys_(postgres::make_passkey_store(pool_)),
        totp_steps_(postgres::make_totp_store(pool_)),
        teams_(postgres::make_team_store(pool_)),
        permissions_(postgres::make_permission_store(pool_)) {}

  // All pending migrations in one transaction (PostgreSQL's DDL is
  // transactional) under an advisory lock, so instances that start together
  // apply them once: the others wait, then find them applied.
  void migrate() override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    c->exec_script(kStartupLockTimeoutsSql);
    c->exec_script(kMigrationLockSql);
    c->exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    std::set<int> applied;
    {
      auto r = c->query("SELECT version FROM schema_migrations").run();
      for (int i = 0; i < r.rows(); ++i) applied.insert(static_cast<int>(r.int64(i, 0)));
    }
    for (const auto& m : all_migrations()) {
      if (m.engine != "postgres" || applied.count(m.version)) continue;
      spdlog::info("applying migration {}", m.name);
      c->exec_script(m.sql);
      c->query(
           "INSERT INTO schema_migrations (version, name, applied_at) "
           "VALUES ($1, $2, (extract(epoch from now()) * 1000)::bigint)")
          .bind(m.version)
          .bind(m.name)
          .exec();
    }
    tx.commit();
  }

  void with_setup_lock(const std::function<void()>& setup) override {
    // Outside the pool: `setup` may need every pooled connection (a pool of
    // one included). The lock goes with the transaction, also when `setup`
    // throws or this process dies.
    std::atomic<uint64_t> writes_none{0};
    postgres::Connection lock(pool_.options(), &writes_none);
    Transaction tx(lock);
    lock.exec_script(kStartupLockTimeoutsSql);
    lock.exec_script(kSetupLockSql);
    setup();
    tx.commit();
  }

  std::string get_or_insert_setting(const std::string& key, const std::string& value) override {
    auto c = pool_.acquire();
    c->query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(value)
        .exec();
    // A separate statement: its snapshot sees a row another instance
    // inserted concurrently.
    auto r = c->query("SELECT value FROM settings WHERE key = $1").bind(key).run();
    if (r.rows() == 0) throw std::runtime_error("setting " + key + " vanished");
    return r.text(0, 0);
  }

  uint64_t write_generation() const override { return pool_.writes().general_value(); }
  uint64_t activity_generation() const override { return pool_.writes().activity_value(); }
  ProjectStore& projects() override { return *projects_; }
  UserStore& users() override { return *users_; }
  SessionStore& sessions() override { return *sessions_; }
  ContactChannelStore& contact_channels() override { return *contact_channels_; }
  VerificationCodeStore& verification_codes() override { return *verification_codes_; }
  SentEmailStore& sent_emails() override { return *sent_emails_; }
  OAuthStore& oauth() override { return *oauth_; }
  PasskeyStore& passkeys() override { return *passkeys_; }
  TotpStore& totp_steps() override { return *totp_steps_; }
  TeamStore& teams() override { return *teams_; }
  PermissionStore& permissions() override { return *permissions_; }
  std::unique_ptr<AsyncReads> open_async_reads(boost::asio::io_context& io) override {
    return postgres::make_async_reads(io, postgres::AsyncReadOptions{pool_.options()});
  }

 private:
  postgres::Pool pool_;
  std::unique_ptr<ProjectStore> projects_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<ContactChannelStore> contact_channels_;
  std::unique_ptr<VerificationCodeStore> verification_codes_;
  std::unique_ptr<SentEmailStore> sent_emails_;
  std::unique_ptr<OAuthStore> oauth_;
  std::unique_ptr<PasskeyStore> passkeys_;
  std::unique_ptr<TotpStore> totp_steps_;
  std::unique_ptr<TeamStore> teams_;
  std::unique_ptr<PermissionStore> permissions_;
};

}  // namespace

std::unique_ptr<Store> make_postgres_store(const postgres::PoolOptions& options) {
  return std::make_unique<PostgresStore>(options);
}

}  // namespace latchkey::store
