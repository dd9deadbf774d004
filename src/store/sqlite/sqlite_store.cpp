#include "store/sqlite/sqlite_store.hpp"

#include <spdlog/spdlog.h>

#include "store/migrations.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store {
namespace {

using sqlite::Transaction;

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path)
      : pool_(std::move(path)),
        projects_(sqlite::make_project_store(pool_)),
        users_(sqlite::make_user_store(pool_)),
        sessions_(sqlite::make_session_store(pool_)),
        contact_channels_(sqlite::make_contact_channel_store(pool_)),
        verification_codes_(sqlite::make_verification_code_store(pool_)),
        sent_emails_(sqlite::make_sent_email_store(pool_)),
        oauth_(sqlite::make_oauth_store(pool_)),
        passkeys_(sqlite::make_passkey_store(pool_)),
        totp_steps_(sqlite::make_totp_store(pool_)),
        teams_(sqlite::make_team_store(pool_)),
        permissions_(sqlite::make_permission_store(pool_)) {}

  void migrate() override {
    auto c = pool_.acquire();
    c->exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    for (const auto& m : all_migrations()) {
      if (m.engine != "sqlite") continue;
      Transaction tx(*c);
      auto s = c->prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
      s.bind(1, m.version);
      bool applied = s.step();
      if (applied) continue;
      spdlog::info("applying migration {}", m.name);
      c->exec_script(m.sql);
      c->prepare(
           "INSERT INTO schema_migrations (version, name, applied_at) "
           "VALUES (?, ?, strftime('%s','now'))")
          .bind(1, m.version)
          .bind(2, m.name)
          .exec();
      tx.commit();
    }
  }

  void with_setup_lock(const std::function<void()>& setup) override { setup(); }

  std::string get_or_insert_setting(const std::string& key, const std::string& value) override {
    auto c = pool_.acquire();
    c->prepare("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
        .bind(1, key)
        .bind(2, value)
        .exec();
    auto s = c->prepare("SELECT value FROM settings WHERE key = ?");
    s.bind(1, key);
    s.step();
    return s.text(0);
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

 private:
  sqlite::Pool pool_;
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

std::unique_ptr<Store> make_sqlite_store(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace latchkey::store
