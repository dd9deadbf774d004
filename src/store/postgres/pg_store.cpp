#include "store/postgres/pg_store.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "store/migrations.hpp"
#include "store/postgres/async_reads.hpp"
#include "store/sql_store.hpp"

namespace latchkey::store {
namespace {

// pg_advisory_xact_lock keys: migrations ("latchkey" in ASCII) and the
// start-up seeding ("latchkez").
constexpr const char* kMigrationLockSql = "SELECT pg_advisory_xact_lock(7809632219743709561)";
constexpr const char* kSetupLockSql = "SELECT pg_advisory_xact_lock(7809632219743709562)";
// Waits for a lock taken at start-up: another instance may hold it for the
// length of its migrations.
constexpr const char* kStartupLockTimeoutsSql =
    "SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '120s'";

class PostgresStore final : public SqlStore {
 public:
  explicit PostgresStore(const postgres::PoolOptions& options)
      : SqlStore(std::make_unique<postgres::Pool>(options)), options_(options) {}

  // All pending migrations in one transaction (PostgreSQL's DDL is
  // transactional) under an advisory lock, so instances that start together
  // apply them once: the others wait, then find them applied.
  void migrate() override {
    static const sql::Sql kApplied{"SELECT version FROM schema_migrations"};
    static const sql::Sql kRecord{
        "INSERT INTO schema_migrations (version, name, applied_at) "
        "VALUES ($1, $2, (extract(epoch from now()) * 1000)::bigint)"};
    auto c = database().acquire();
    sql::Transaction tx(*c);
    c->exec_script(kStartupLockTimeoutsSql);
    c->exec_script(kMigrationLockSql);
    c->exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    correct_recorded_versions(*c);
    std::set<int64_t> applied;
    for (auto r = c->query(kApplied); r.next();) applied.insert(r.int64(0));
    for (const auto& m : all_migrations()) {
      if (m.engine != "postgres" || applied.count(m.version)) continue;
      spdlog::info("applying migration {}", m.name);
      c->exec_script(m.sql);
      c->exec(kRecord, m.version, m.name);
    }
    tx.commit();
  }

  void with_setup_lock(const std::function<void()>& setup) override {
    // Outside the pool: `setup` may need every pooled connection (a pool of
    // one included). The lock goes with the transaction, also when `setup`
    // throws or this process dies.
    auto lock = database().open_unpooled();
    sql::Transaction tx(*lock);
    lock->exec_script(kStartupLockTimeoutsSql);
    lock->exec_script(kSetupLockSql);
    setup();
    tx.commit();
  }

  std::unique_ptr<AsyncReads> open_async_reads(boost::asio::io_context& io) override {
    return postgres::make_async_reads(io, postgres::AsyncReadOptions{options_});
  }

 private:
  postgres::PoolOptions options_;
};

}  // namespace

std::unique_ptr<Store> make_postgres_store(const postgres::PoolOptions& options) {
  return std::make_unique<PostgresStore>(options);
}

}  // namespace latchkey::store
