// A thin RAII layer over libpq: a bounded connection pool with timeouts,
// statements prepared once per connection, typed parameters and results,
// and transactions. Connection failures become store::StoreUnavailable and
// the broken connection is dropped, so the pool heals on the next use.
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

#include "store/store.hpp"
#include "store/write_counter.hpp"

namespace latchkey::store::postgres {

// A unique, foreign-key or check violation (SQLSTATE class 23). `constraint`
// names the violated constraint or index, so callers can tell which
// uniqueness rule failed.
class ConstraintError : public std::runtime_error {
 public:
  ConstraintError(const std::string& msg, std::string constraint)
      : std::runtime_error(msg), constraint_(std::move(constraint)) {}
  const std::string& constraint() const { return constraint_; }

 private:
  std::string constraint_;
};

// What an error's SQLSTATE means to the store (exposed for unit tests).
enum class ErrorKind { kConstraint, kUnavailable, kOther };
ErrorKind classify_sqlstate(std::string_view sqlstate);

// Rows of one statement; values are read in libpq's text format.
class Result {
 public:
  explicit Result(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  int affected() const;
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const;
  std::optional<std::string> opt_text(int row, int col) const;
  int64_t int64(int row, int col) const;
  std::optional<int64_t> opt_int64(int row, int col) const;
  bool boolean(int row, int col) const;
  // A bytea column (hex output format) as raw bytes; nullopt when NULL.
  std::optional<std::string> opt_bytea(int row, int col) const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> r_;
};

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

class Connection;

// One statement with its parameters, bound in order ($1, $2, ...). SQL
// passed here must be a string literal: it is prepared once per connection
// and cached by address.
class Query {
 public:
  Query(Connection& c, const char* sql) : c_(c), sql_(sql) {}
  Query& bind(std::string_view v);
  Query& bind(const char* v) { return bind(std::string_view(v)); }
  Query& bind(const std::string& v) { return bind(std::string_view(v)); }
  Query& bind(int64_t v);
  Query& bind(int v) { return bind(static_cast<int64_t>(v)); }
  Query& bind(bool v);
  Query& bind_null();
  template <typename T>
  Query& bind(const std::optional<T>& v) {
    return v ? bind(*v) : bind_null();
  }
  // Binary parameter for a bytea column.
  Query& bind_bytea(const std::optional<std::string>& v);

  Result run();
  // Runs and returns the number of rows affected.
  int exec() { return run().affected(); }

 private:
  Connection& c_;
  const char* sql_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> formats_;
};

class Connection {
 public:
  // Connects; throws StoreUnavailable when the server cannot be reached.
  // `writes` counts completed writes on every connection of a pool: the
  // store's write generation (write_counter.hpp).
  Connection(const PoolOptions& options, std::atomic<uint64_t>* writes);
  ~Connection();
  Connection(const Connection&) = delete;

  Query query(const char* sql) { return Query(*this, sql); }
  // Runs SQL text (several statements, no parameters) with the simple
  // protocol: migrations and session settings.
  void exec_script(const std::string& sql);
  // One statement with the simple protocol; returns its command tag.
  std::string exec_command(const char* sql);
  // False once the connection failed; the pool then drops it.
  bool healthy();
  // Idle, not inside a transaction: may go back to the pool.
  bool reusable() const;
  // Not known to be broken (no I/O).
  bool alive() const;
  void note_write() { writes_->fetch_add(1, std::memory_order_acq_rel); }
  std::atomic<uint64_t>* swap_write_counter(std::atomic<uint64_t>* c) {
    return std::exchange(writes_, c);
  }

 private:
  friend class Query;
  Result execute(const char* sql, const std::vector<std::string>& values,
                 const std::vector<bool>& nulls, const std::vector<int>& formats);
  // Throws the exception matching a failed result (or a lost connection).
  [[noreturn]] void fail(PGresult* r, const char* what);

  PGconn* conn_ = nullptr;
  std::atomic<uint64_t>* writes_;
  bool broken_ = false;
  std::unordered_map<const char*, std::string> prepared_;  // SQL address -> name
};

class Pool {
 public:
  explicit Pool(PoolOptions options) : options_(std::move(options)) {}

  class Lease {
   public:
    Lease(Pool& p, std::unique_ptr<Connection> c) : pool_(p), conn_(std::move(c)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (conn_) pool_.release(std::move(conn_));
    }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    Pool& pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Throws NeedsWorker on a thread that must not block (store.hpp), and
  // StoreUnavailable when no connection can be had within the timeouts.
  Lease acquire();
  WriteCounters& writes() { return writes_; }
  const WriteCounters& writes() const { return writes_; }
  const PoolOptions& options() const { return options_; }

 private:
  void release(std::unique_ptr<Connection> c);
  PoolOptions options_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle plus leased
  WriteCounters writes_;
};

// BEGIN … COMMIT (READ COMMITTED), rolled back unless committed. The stores
// get their guarantees from row locks (SELECT … FOR UPDATE), atomic
// statements and unique indexes rather than from a stricter isolation level.
class Transaction {
 public:
  explicit Transaction(Connection& c);
  ~Transaction();
  void commit();

 private:
  Connection& c_;
  bool done_ = false;
};

}  // namespace latchkey::store::postgres
