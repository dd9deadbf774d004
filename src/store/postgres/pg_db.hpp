// The PostgreSQL driver of the SQL layer (store/sql/sql.hpp), over libpq: a
// bounded connection pool with timeouts, statements prepared once per
// connection and text, parameters in libpq's text format (bytea binary), and
// transactions. Connection failures become store::StoreUnavailable and the
// broken connection is dropped, so the pool heals on the next use.
#pragma once
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/sql/sql.hpp"
#include "store/store.hpp"

namespace latchkey::store::postgres {

using sql::ConstraintError;

// What an error's SQLSTATE means to the store (exposed for unit tests).
enum class ErrorKind { kConstraint, kUnavailable, kOther };
ErrorKind classify_sqlstate(std::string_view sqlstate);

// A libpq result, cleared when it goes.
using Result = std::unique_ptr<PGresult, void (*)(PGresult*)>;
inline Result own(PGresult* r) { return Result(r, &PQclear); }

struct PoolOptions {
  std::string conninfo;  // a postgres:// URL or key=value string
  int max_connections = 16;
  // How long a caller waits for a free connection when all are in use.
  int acquire_timeout_millis = 5000;
  int connect_timeout_seconds = 5;  // unless the connection string sets one
  int statement_timeout_millis = 15000;
};

// How every connection is opened: the libpq keywords and values for
// PQconnectdbParams / PQconnectStartParams (expand_dbname = 1; the connection
// string comes last, so what it sets overrides these defaults), and the one
// statement that applies the session settings once connected.
class ConnectSpec {
 public:
  explicit ConnectSpec(const PoolOptions& o);
  ConnectSpec(const ConnectSpec&) = delete;  // values() points into this object
  const char* const* keys() const { return keys_; }
  const char* const* values() const { return values_; }
  const std::string& settings_sql() const { return settings_sql_; }

 private:
  std::string conninfo_, timeout_, settings_sql_;
  const char* keys_[8] = {
      "connect_timeout",     "application_name", "client_encoding", "keepalives_idle",
      "keepalives_interval", "keepalives_count", "dbname",          nullptr};
  const char* values_[8] = {timeout_.c_str(),  "latchkey", "UTF8", "30", "10", "3",
                            conninfo_.c_str(), nullptr};
};

// libpq's last error on `conn` (PQerrorMessage) without its trailing
// newline; "out of memory" when libpq could not allocate `conn` at all.
std::string connection_error_message(const PGconn* conn);

// libpq notice receiver: a FATAL notice while a connection sits idle (e.g. the
// server shutting down) means it is about to close; sets *(bool*)broken.
void on_notice(void* broken, const PGresult* r);

// The rows of a result (values in libpq's text format, bytea in hex), for
// the pool's connections and the non-blocking reads alike.
sql::Rows rows_of(Result r);

class Connection final : public sql::Connection {
 public:
  // Connects; throws StoreUnavailable when the server cannot be reached.
  // `writes` counts completed writes on every connection of a pool: the
  // store's write generation.
  Connection(const PoolOptions& options, std::atomic<uint64_t>* writes);
  ~Connection() override;
  Connection(const Connection&) = delete;

  sql::Engine engine() const override { return sql::Engine::kPostgres; }
  sql::Rows run(const sql::Sql& sql, sql::Params params) override;
  // Runs SQL text (several statements, no parameters) with the simple
  // protocol: migrations, session settings, locks.
  void exec_script(const std::string& sql) override { exec_command(sql.c_str()); }
  std::atomic<uint64_t>* swap_write_counter(std::atomic<uint64_t>* c) override {
    return std::exchange(writes_, c);
  }

  // False once the connection failed; the pool then drops it.
  bool healthy();
  // Idle, not inside a transaction: may go back to the pool.
  bool reusable() const;
  // Not known to be broken (no I/O).
  bool alive() const;

 protected:
  void begin() override { exec_script("BEGIN"); }
  void commit() override;
  void rollback() noexcept override;

 private:
  // One statement with the simple protocol; returns its command tag.
  std::string exec_command(const char* sql);
  void note_write() { writes_->fetch_add(1, std::memory_order_acq_rel); }
  // Throws the exception matching a failed result (or a lost connection).
  [[noreturn]] void fail(PGresult* r, const char* what);

  PGconn* conn_ = nullptr;
  std::atomic<uint64_t>* writes_;
  bool broken_ = false;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

class Pool final : public sql::Database {
 public:
  explicit Pool(PoolOptions options) : options_(std::move(options)) {}

  sql::Engine engine() const override { return sql::Engine::kPostgres; }
  // Throws StoreUnavailable when no connection can be had within the
  // timeouts.
  sql::Lease acquire() override;
  std::unique_ptr<sql::Connection> open_unpooled() override;
  std::atomic<uint64_t>& general_writes() override { return general_writes_; }
  std::atomic<uint64_t>& activity_writes() override { return activity_writes_; }
  const PoolOptions& options() const { return options_; }

 private:
  void release(std::unique_ptr<sql::Connection> c);
  PoolOptions options_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle plus leased
  std::atomic<uint64_t> general_writes_{0}, activity_writes_{0}, unpooled_writes_{0};
};

}  // namespace latchkey::store::postgres
