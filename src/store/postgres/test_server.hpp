// For unit tests that need a real PostgreSQL server: its URL from
// LATCHKEY_TEST_DATABASE_URL, and a plain libpq connection of the test's own
// for what the store does not offer (schemas, locks, server views).
#pragma once
#include <libpq-fe.h>

#include <cstdlib>
#include <string>

namespace latchkey::store::postgres::testing {

// The server to test against, or "" (the test skips) when
// LATCHKEY_TEST_DATABASE_URL is not a postgres:// URL.
inline std::string server_url() {
  const char* url = std::getenv("LATCHKEY_TEST_DATABASE_URL");
  std::string s = url ? url : "";
  return s.rfind("postgres://", 0) == 0 || s.rfind("postgresql://", 0) == 0 ? s : "";
}

class Admin {
 public:
  explicit Admin(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    exec("SET client_min_messages TO warning");  // no NOTICE of DROP ... CASCADE
  }
  ~Admin() { PQfinish(conn_); }
  Admin(const Admin&) = delete;
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  // Runs one statement; whether it succeeded.
  bool exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    auto status = PQresultStatus(r);
    PQclear(r);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }
  // The first column of the first row ("" when there is none).
  std::string scalar(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::string v = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return v;
  }

 private:
  PGconn* conn_;
};

}  // namespace latchkey::store::postgres::testing
