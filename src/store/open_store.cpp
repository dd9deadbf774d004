// Picks the storage engine from the --database value: a postgres:// or
// postgresql:// URL opens PostgreSQL, anything else is a SQLite file path.
#include <regex>

#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace latchkey::store {

std::unique_ptr<AsyncReads> Store::open_async_reads(boost::asio::io_context&) { return nullptr; }

bool is_postgres_url(const std::string& database) {
  return database.rfind("postgres://", 0) == 0 || database.rfind("postgresql://", 0) == 0;
}

std::unique_ptr<Store> open_store(const std::string& database, const StoreOptions& options) {
  if (!is_postgres_url(database)) return make_sqlite_store(database);
  if (options.pool_size < 1) throw std::runtime_error("the database pool size must be at least 1");
  postgres::PoolOptions pg;
  pg.conninfo = database;
  pg.max_connections = options.pool_size;
  pg.acquire_timeout_millis = options.pool_timeout_millis;
  pg.connect_timeout_seconds = options.connect_timeout_seconds;
  pg.statement_timeout_millis = options.statement_timeout_millis;
  return make_postgres_store(pg);
}

std::string redact_database(const std::string& database) {
  if (!is_postgres_url(database)) return database;
  // scheme://user:password@host... and ?password=... in the query string.
  static const std::regex userinfo(R"(^(postgres(?:ql)?://[^:/@?#]*):[^@/?#]*@)");
  static const std::regex query(R"(([?&]password=)[^&#]*)");
  std::string out = std::regex_replace(database, userinfo, "$1:***@");
  return std::regex_replace(out, query, "$1***");
}

}  // namespace latchkey::store
