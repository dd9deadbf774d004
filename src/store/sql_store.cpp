#include "store/sql_store.hpp"

#include "store/domain/stores.hpp"
#include "store/migrations.hpp"

namespace latchkey::store {

SqlStore::SqlStore(std::unique_ptr<sql::Database> db)
    : db_(std::move(db)),
      projects_(domain::make_project_store(*db_)),
      users_(domain::make_user_store(*db_)),
      sessions_(domain::make_session_store(*db_)),
      contact_channels_(domain::make_contact_channel_store(*db_)),
      verification_codes_(domain::make_verification_code_store(*db_)),
      sent_emails_(domain::make_sent_email_store(*db_)),
      emails_(domain::make_email_store(*db_)),
      oauth_(domain::make_oauth_store(*db_)),
      passkeys_(domain::make_passkey_store(*db_)),
      totp_steps_(domain::make_totp_store(*db_)),
      teams_(domain::make_team_store(*db_)),
      permissions_(domain::make_permission_store(*db_)),
      webhooks_(domain::make_webhook_store(*db_)),
      api_keys_(domain::make_api_key_store(*db_)),
      cli_logins_(domain::make_cli_login_store(*db_)),
      rate_limits_(domain::make_rate_limit_store(*db_)) {}

SqlStore::~SqlStore() = default;

uint64_t SqlStore::write_generation() const {
  return db_->general_writes().load(std::memory_order_acquire);
}
uint64_t SqlStore::activity_generation() const {
  return db_->activity_writes().load(std::memory_order_acquire);
}

std::string SqlStore::get_or_insert_setting(const std::string& key, const std::string& value) {
  static const sql::Sql kInsert{
      "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"};
  static const sql::Sql kSelect{"SELECT value FROM settings WHERE key = $1"};
  auto c = db_->acquire();
  c->exec(kInsert, key, value);
  // A separate statement: on PostgreSQL its snapshot sees a row another
  // instance inserted concurrently.
  auto r = c->query(kSelect, key);
  if (!r.next()) throw std::runtime_error("setting " + key + " vanished");
  return r.text(0);
}

void SqlStore::correct_recorded_versions(sql::Connection& c) {
  static const sql::Sql kCorrect{
      "UPDATE schema_migrations SET version = $1 WHERE name = $2 AND version <> $1"};
  const std::string engine = c.engine() == sql::Engine::kSqlite ? "sqlite" : "postgres";
  for (const auto& m : all_migrations())
    if (m.engine == engine) c.exec(kCorrect, m.version, m.name);
}

}  // namespace latchkey::store
