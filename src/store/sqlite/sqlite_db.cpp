#include "store/sqlite/sqlite_db.hpp"

#include <stdexcept>

#include "store/store.hpp"

namespace latchkey::store::sqlite {

static void check(sqlite3* db, int rc, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) throw ConstraintError(msg);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED || (rc & 0xff) == SQLITE_IOERR ||
      (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_FULL)
    throw StoreUnavailable(msg);
  throw std::runtime_error(msg);
}

Stmt::~Stmt() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

Stmt& Stmt::bind(int i, std::string_view v) {
  check(db_, sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT),
        "bind");
  return *this;
}
Stmt& Stmt::bind(int i, int64_t v) {
  check(db_, sqlite3_bind_int64(s_, i, v), "bind");
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  check(db_, sqlite3_bind_null(s_, i), "bind");
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::string_view v) {
  check(db_, sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT),
        "bind");
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    if (!sqlite3_stmt_readonly(s_)) writes_->fetch_add(1, std::memory_order_acq_rel);
    return false;
  }
  check(db_, rc, "step");
  return false;
}

int Stmt::exec() {
  while (step()) {
  }
  return sqlite3_changes(db_);
}

std::string Stmt::text(int col) const {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, sqlite3_column_bytes(s_, col)) : std::string();
}
std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  if (sqlite3_column_type(s_, col) == SQLITE_BLOB) {
    auto p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return std::string(p, sqlite3_column_bytes(s_, col));
  }
  return text(col);
}
std::optional<int64_t> Stmt::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

Connection::Connection(const std::string& path, std::atomic<uint64_t>* writes) : writes_(writes) {
  int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreUnavailable("cannot open SQLite database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec_script(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
      "PRAGMA temp_store=MEMORY;");
}

Connection::~Connection() {
  for (auto& [_, s] : cache_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

Stmt Connection::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    check(db_, sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), "prepare");
    it = cache_.emplace(sql, s).first;
  }
  return Stmt(db_, it->second, writes_);
}

void Connection::exec_script(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("SQLite: " + msg);
  }
}

Pool::Lease Pool::acquire() {
  if (on_non_blocking_thread()) throw NeedsWorker();
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(c));
    }
  }
  return Lease(*this, std::make_unique<Connection>(path_, &writes_.general()));
}

void Pool::release(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(c));
}

Transaction::Transaction(Connection& c) : c_(c) { c_.prepare("BEGIN IMMEDIATE").exec(); }
Transaction::~Transaction() {
  if (!done_) {
    try {
      c_.prepare("ROLLBACK").exec();
    } catch (...) {
    }
  }
}
void Transaction::commit() {
  c_.prepare("COMMIT").exec();
  done_ = true;
  // Readers may have cached what they saw while this transaction was open:
  // moving the generation after the commit makes those entries stale.
  c_.note_write();
}

}  // namespace latchkey::store::sqlite
