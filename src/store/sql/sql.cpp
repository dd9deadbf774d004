#include "store/sql/sql.hpp"

#include "store/sql/pool_metrics.hpp"

namespace latchkey::store::sql {

std::string Dialect::for_update(std::string_view of) const {
  if (engine == Engine::kSqlite) return {};
  return of.empty() ? std::string(" FOR UPDATE") : " FOR UPDATE OF " + std::string(of);
}

std::string Dialect::lower_ascii(std::string_view expr) const {
  if (engine == Engine::kSqlite) return "lower(" + std::string(expr) + ")";
  return "lower((" + std::string(expr) + ") COLLATE \"C\")";
}

const Dialect& dialect(Engine e) {
  static const Dialect kSqlite{Engine::kSqlite, "rowid", "", "max", "instr"};
  static const Dialect kPostgres{Engine::kPostgres, "seq", " FOR KEY SHARE", "GREATEST", "strpos"};
  return e == Engine::kSqlite ? kSqlite : kPostgres;
}

Sql Sql::each(const std::function<std::string(const Dialect&)>& build) {
  return Sql(build(dialect(Engine::kSqlite)), build(dialect(Engine::kPostgres)));
}

Json Rows::json(int col) const {
  if (is_null(col)) return Json();
  return Json::parse(c_->text(col), nullptr, false);
}

metrics::Gauge& connections_in_use() {
  static auto& g = metrics::gauge("latchkey_db_connections_in_use",
                                  "Database connections leased to a request or job now.");
  return g;
}

metrics::Histogram& acquire_wait() {
  static auto& h = metrics::histogram(
      "latchkey_db_pool_wait_seconds",
      "Time to get a database connection from the pool (PostgreSQL: waits when all "
      "--db-pool-size connections are in use, and includes connecting).");
  return h;
}

}  // namespace latchkey::store::sql
