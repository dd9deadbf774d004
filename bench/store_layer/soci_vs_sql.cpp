// Measures the statement a refresh runs (a session row by its token digest,
// ten columns) through Latchkey's SQL layer (src/store/sql/) and through
// SOCI 4 (Debian's libsoci-dev), on the same SQLite file and, when a URL is
// given, the same PostgreSQL database. It informed the choice of the layer
// (README, "Storage"); it is not part of the server.
//
// Usage: store_layer_bench [iterations] ["host=... port=... dbname=... user=... password=..."]
// (a libpq key=value string: SOCI does not take URLs)
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "store/postgres/pg_db.hpp"
#include "store/sqlite/sqlite_db.hpp"

// SOCI's SQLite header wraps <sqlite3.h> in a namespace of its own, which
// cannot share a translation unit with the plain one: its factory is
// declared here instead.
namespace soci {
extern "C" backend_factory const* factory_sqlite3();
}

using namespace latchkey::store;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kRows = 1000;

const char* kCreate =
    "CREATE TABLE sessions (project_id TEXT NOT NULL, id TEXT NOT NULL, user_id TEXT NOT NULL, "
    "refresh_token_digest TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, expires_at BIGINT, "
    "is_impersonation INTEGER NOT NULL DEFAULT 0, last_used_at BIGINT, last_used_ip TEXT, "
    "last_used_user_agent TEXT, PRIMARY KEY (project_id, id))";

struct Row {
  std::string project_id, id, user_id, digest;
  long long created_at = 0, expires_at = 0;
  int is_impersonation = 0;
  long long last_used_at = 0;
  std::string ip, ua;
};

double per_second(Clock::time_point start, int n) {
  return n / std::chrono::duration<double>(Clock::now() - start).count();
}

void fill(sql::Database& db) {
  static const sql::Sql kInsert{
      "INSERT INTO sessions VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9)"};
  auto c = db.acquire();
  c->exec_script(kCreate);
  sql::Transaction tx(*c);
  for (int i = 0; i < kRows; ++i)
    c->exec(kInsert, "project", "s" + std::to_string(i), "user", "digest" + std::to_string(i),
            int64_t{i}, int64_t{i + 1000}, int64_t{i}, "127.0.0.1", "bench agent");
  tx.commit();
}

double run_layer(sql::Database& db, int n) {
  static const sql::Sql kSelect{
      "SELECT project_id, id, user_id, refresh_token_digest, created_at, expires_at, "
      "is_impersonation, last_used_at, last_used_ip, last_used_user_agent FROM sessions "
      "WHERE refresh_token_digest = $1"};
  auto start = Clock::now();
  size_t check = 0;
  for (int i = 0; i < n; ++i) {
    auto c = db.acquire();
    auto r = c->query(kSelect, "digest" + std::to_string(i % kRows));
    if (!r.next()) std::abort();
    Row row{r.text(0),
            r.text(1),
            r.text(2),
            r.text(3),
            r.int64(4),
            r.int64(5),
            static_cast<int>(r.int64(6)),
            r.int64(7),
            r.text(8),
            r.text(9)};
    check += row.id.size();
  }
  double rate = per_second(start, n);
  if (check == 0) std::abort();
  return rate;
}

// SOCI with a statement prepared once and re-executed: its fastest use.
double run_soci(soci::session& s, int n) {
  Row row;
  std::string digest;
  soci::indicator ind_exp, ind_used, ind_ip, ind_ua;
  soci::statement st =
      (s.prepare << "SELECT project_id, id, user_id, refresh_token_digest, created_at, "
                    "expires_at, is_impersonation, last_used_at, last_used_ip, "
                    "last_used_user_agent FROM sessions WHERE refresh_token_digest = :d",
       soci::into(row.project_id), soci::into(row.id), soci::into(row.user_id),
       soci::into(row.digest), soci::into(row.created_at), soci::into(row.expires_at, ind_exp),
       soci::into(row.is_impersonation), soci::into(row.last_used_at, ind_used),
       soci::into(row.ip, ind_ip), soci::into(row.ua, ind_ua), soci::use(digest));
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    digest = "digest" + std::to_string(i % kRows);
    st.execute(true);
    if (row.id.empty()) std::abort();
  }
  return per_second(start, n);
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::stoi(argv[1]) : 200000;
  auto dir = std::filesystem::temp_directory_path() / "latchkey-store-layer-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string file = (dir / "bench.db").string();
  {
    sqlite::Database db(file);
    fill(db);
    run_layer(db, n / 10);  // warm-up
    soci::session s(*soci::factory_sqlite3(), "db=" + file);
    run_soci(s, n / 10);
    double layer = run_layer(db, n), soci_rate = run_soci(s, n);
    std::printf("sqlite   layer %9.0f/s   soci %9.0f/s   layer/soci %.2f\n", layer, soci_rate,
                layer / soci_rate);
  }
  if (argc > 2) {
    postgres::PoolOptions o;
    o.conninfo = argv[2];
    postgres::Pool db(o);
    db.acquire()->exec_script("DROP TABLE IF EXISTS sessions");
    fill(db);
    soci::session s(soci::postgresql, argv[2]);
    run_layer(db, n / 100);
    run_soci(s, n / 100);
    double layer = run_layer(db, n / 10), soci_rate = run_soci(s, n / 10);
    std::printf("postgres layer %9.0f/s   soci %9.0f/s   layer/soci %.2f\n", layer, soci_rate,
                layer / soci_rate);
    db.acquire()->exec_script("DROP TABLE sessions");
  }
  std::filesystem::remove_all(dir);
}
