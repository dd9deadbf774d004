// A thin RAII layer over the SQLite C API: a connection pool (one connection
// per concurrent caller, statements prepared once per connection), typed
// binding and reading, and transactions.
#pragma once
#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/write_counter.hpp"

namespace latchkey::store::sqlite {

class Connection;

// A prepared statement borrowed from a connection's cache; reset on release.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s, std::atomic<uint64_t>* writes)
      : db_(db), s_(s), writes_(writes) {}
  Stmt(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, bool v) { return bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& bind_null(int i);
  template <typename T>
  Stmt& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }
  Stmt& bind_blob(int i, std::string_view v);

  // One row ready? Throws on error (constraint violations: ConstraintError).
  bool step();
  // Runs to completion; returns sqlite3_changes.
  int exec();

  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  bool boolean(int col) const { return sqlite3_column_int64(s_, col) != 0; }
  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::optional<int64_t> opt_int64(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
  std::atomic<uint64_t>* writes_;
};

class ConstraintError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Connection {
 public:
  // `writes` counts completed writing statements on every connection of a
  // pool: the store's write generation (see Store::write_generation).
  Connection(const std::string& path, std::atomic<uint64_t>* writes);
  ~Connection();
  Connection(const Connection&) = delete;

  // The statement for this SQL text, prepared on first use.
  Stmt prepare(const char* sql);
  void exec_script(const std::string& sql);
  sqlite3* raw() { return db_; }
  void note_write() { writes_->fetch_add(1, std::memory_order_acq_rel); }
  std::atomic<uint64_t>* swap_write_counter(std::atomic<uint64_t>* c) {
    return std::exchange(writes_, c);
  }

 private:
  sqlite3* db_ = nullptr;
  std::atomic<uint64_t>* writes_;
  // Keyed by the SQL text's address: SQL passed to prepare() must be a
  // string literal (or otherwise live as long as the connection).
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

class Pool {
 public:
  explicit Pool(std::string path) : path_(std::move(path)) {}

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

  // Throws NeedsWorker on a thread that must not block (store.hpp).
  Lease acquire();
  WriteCounters& writes() { return writes_; }
  const WriteCounters& writes() const { return writes_; }

 private:
  void release(std::unique_ptr<Connection> c);
  std::string path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
  WriteCounters writes_;
};

// BEGIN IMMEDIATE … COMMIT, rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& c);
  ~Transaction();
  void commit();

 private:
  Connection& c_;
  bool done_ = false;
};

}  // namespace latchkey::store::sqlite
