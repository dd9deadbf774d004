#include "store/sqlite/sqlite_store.hpp"

#include <spdlog/spdlog.h>

#include "store/migrations.hpp"
#include "store/sql_store.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace latchkey::store {
namespace {

class SqliteStore final : public SqlStore {
 public:
  explicit SqliteStore(const std::string& path)
      : SqlStore(std::make_unique<sqlite::Database>(path)) {}

  // Each pending migration in a transaction of its own (one process serves a
  // database file, so nothing else applies them meanwhile).
  void migrate() override {
    static const sql::Sql kApplied{"SELECT 1 FROM schema_migrations WHERE version = $1"};
    static const sql::Sql kRecord{
        "INSERT INTO schema_migrations (version, name, applied_at) "
        "VALUES ($1, $2, strftime('%s','now'))"};
    auto c = database().acquire();
    c->exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    {
      sql::Transaction tx(*c);
      correct_recorded_versions(*c);
      tx.commit();
    }
    for (const auto& m : all_migrations()) {
      if (m.engine != "sqlite") continue;
      sql::Transaction tx(*c);
      if (c->exists(kApplied, m.version)) continue;
      spdlog::info("applying migration {}", m.name);
      c->exec_script(m.sql);
      c->exec(kRecord, m.version, m.name);
      tx.commit();
    }
  }

  // Writes are serialized and one process serves a database file: start-up
  // seeding needs no lock of its own.
  void with_setup_lock(const std::function<void()>& setup) override { setup(); }
};

}  // namespace

std::unique_ptr<Store> make_sqlite_store(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace latchkey::store
