// The engine-neutral SQL layer every domain store is written on, once for
// SQLite and PostgreSQL: a statement text (Sql), parameters bound by
// position, the rows a statement returns, a connection, a transaction and
// the constraint error. What truly differs between the engines is gathered
// in Dialect and in the two drivers (sqlite_connection.cpp,
// postgres_connection.cpp); nothing else in a store knows which engine runs.
//
// Statements are written in PostgreSQL's syntax: `$1, $2, …` placeholders
// (a number may repeat) and `::type` casts. The SQLite driver rewrites them
// (`?1`, casts dropped: SQLite's values carry their own types) the first
// time it prepares a text. Booleans are TRUE/FALSE and bare boolean columns
// on both (SQLite stores 0/1, reads any non-zero as true).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.hpp"

namespace latchkey::store::sql {

enum class Engine { kSqlite, kPostgres };

// The few fragments whose spelling differs between the engines, for
// statements built with Sql::each.
struct Dialect {
  Engine engine;
  // Insertion order of rows that tie on created_at (SQLite's rowid,
  // PostgreSQL's seq column).
  std::string_view insertion_order;
  // Appended to a SELECT that must lock the rows it reads until the end of
  // the transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE already
  // serialises writers). Takes the table alias list, e.g. " FOR UPDATE OF u".
  std::string for_update(std::string_view of = {}) const;
  // " FOR KEY SHARE": keeps a referenced row from being deleted meanwhile.
  std::string_view for_key_share;
  // Larger of two values: GREATEST / max.
  std::string_view greatest;
  // Position of a substring (1-based, 0 when absent): strpos / instr.
  std::string_view strpos;
  // Case-insensitive ASCII folding of an expression: PostgreSQL's lower()
  // under the "C" collation folds ASCII only, as SQLite's lower() does.
  std::string lower_ascii(std::string_view expr) const;
};

const Dialect& dialect(Engine e);

// One statement's text, for each engine. Declare statements once, as
// constants (`static const Sql kFindX{"SELECT …"}`): drivers cache prepared
// statements by text.
class Sql {
 public:
  // The same text for both engines.
  Sql(const char* text) : sqlite_(text), postgres_(text) {}  // NOLINT: implicit on purpose
  Sql(std::string text) : sqlite_(text), postgres_(std::move(text)) {}  // NOLINT
  Sql(std::string sqlite, std::string postgres)
      : sqlite_(std::move(sqlite)), postgres_(std::move(postgres)) {}
  // The text built once per engine from its dialect.
  static Sql each(const std::function<std::string(const Dialect&)>& build);

  const std::string& text(Engine e) const { return e == Engine::kSqlite ? sqlite_ : postgres_; }

 private:
  std::string sqlite_, postgres_;
};

// A unique, foreign-key, not-null or check violation. `constraint` names
// the violated constraint or index where the engine reports it (PostgreSQL);
// SQLite reports the columns in the message only, so compare with
// `violates` rather than with the name.
class ConstraintError : public std::runtime_error {
 public:
  ConstraintError(const std::string& msg, std::string constraint)
      : std::runtime_error(msg), constraint_(std::move(constraint)) {}
  const std::string& constraint() const { return constraint_; }

 private:
  std::string constraint_;
};

// Raw bytes for a BLOB / bytea column (text parameters must be UTF-8).
struct Blob {
  std::string_view bytes;
};

// A statement's parameters, in order ($1 first).
class Params {
 public:
  enum class Kind { kNull, kText, kInt, kBool, kBlob };
  struct Value {
    Kind kind;
    std::string text;  // kText, kBlob
    int64_t number;    // kInt, kBool
  };

  void add(std::nullptr_t) { values_.push_back({Kind::kNull, {}, 0}); }
  void add(std::string_view v) { values_.push_back({Kind::kText, std::string(v), 0}); }
  void add(const char* v) { add(std::string_view(v)); }
  void add(const std::string& v) { add(std::string_view(v)); }
  void add(int64_t v) { values_.push_back({Kind::kInt, {}, v}); }
  void add(int v) { add(static_cast<int64_t>(v)); }
  void add(bool v) { values_.push_back({Kind::kBool, {}, v ? 1 : 0}); }
  void add(Blob v) { values_.push_back({Kind::kBlob, std::string(v.bytes), 0}); }
  template <typename T>
  void add(const std::optional<T>& v) {
    if (v)
      add(*v);
    else
      add(nullptr);
  }
  // A blob that may be NULL.
  void add(const std::optional<Blob>& v) {
    if (v)
      add(*v);
    else
      add(nullptr);
  }

  const std::vector<Value>& values() const { return values_; }

 private:
  std::vector<Value> values_;
};

// Bytes as an optional Blob parameter (nullopt: NULL).
inline std::optional<Blob> blob(const std::optional<std::string>& bytes) {
  if (!bytes) return std::nullopt;
  return Blob{*bytes};
}

// The rows of one executed statement, read one at a time. The statement has
// run by the time Rows exists (its writes are done, constraint errors
// thrown); next() moves to the first row, then to each following one.
class Rows {
 public:
  class Cursor {
   public:
    virtual ~Cursor() = default;
    virtual bool next() = 0;
    virtual int affected() = 0;
    virtual bool is_null(int col) const = 0;
    virtual std::string_view text(int col) const = 0;
    virtual int64_t int64(int col) const = 0;
    virtual bool boolean(int col) const = 0;
    virtual std::string blob(int col) const = 0;
  };

  explicit Rows(std::unique_ptr<Cursor> c) : c_(std::move(c)) {}

  bool next() { return c_->next(); }
  // Rows inserted, updated or deleted by the statement.
  int affected() { return c_->affected(); }

  bool is_null(int col) const { return c_->is_null(col); }
  std::string text(int col) const { return std::string(c_->text(col)); }
  std::optional<std::string> opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
  }
  int64_t int64(int col) const { return c_->int64(col); }
  std::optional<int64_t> opt_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
  }
  // NULL reads as false.
  bool boolean(int col) const { return !is_null(col) && c_->boolean(col); }
  std::optional<std::string> opt_blob(int col) const {
    if (is_null(col)) return std::nullopt;
    return c_->blob(col);
  }
  // A JSON column stored as text: NULL is JSON null.
  Json json(int col) const;

 private:
  std::unique_ptr<Cursor> c_;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Engine engine() const = 0;
  const Dialect& dialect() const { return sql::dialect(engine()); }

  // Runs one statement (prepared once per connection and text).
  virtual Rows run(const Sql& sql, Params params) = 0;
  // Runs SQL text without parameters (several statements allowed):
  // migrations, session settings, locks.
  virtual void exec_script(const std::string& sql) = 0;

  template <typename... Args>
  Rows query(const Sql& sql, const Args&... args) {
    Params p;
    (p.add(args), ...);
    return run(sql, std::move(p));
  }
  // Runs a statement; the number of rows it inserted, updated or deleted.
  template <typename... Args>
  int exec(const Sql& sql, const Args&... args) {
    return query(sql, args...).affected();
  }
  // Whether the statement returns at least one row.
  template <typename... Args>
  bool exists(const Sql& sql, const Args&... args) {
    return query(sql, args...).next();
  }

  // Where this connection counts its writes (Store::write_generation): a
  // statement that changes rows counts once, and so does every commit.
  virtual std::atomic<uint64_t>* swap_write_counter(std::atomic<uint64_t>* c) = 0;

  // Statements run after this stop once they have run `millis` (0: no
  // limit) and throw store::StatementTimedOut. SQLite checks the time while a
  // statement runs; PostgreSQL keeps its pool's statement_timeout (nothing
  // here). Set through TimeLimit.
  virtual void set_time_limit(int64_t millis) { (void)millis; }

 protected:
  friend class Transaction;
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
};

// A connection borrowed from a Database; returned when the lease goes.
class Lease {
 public:
  Lease(std::unique_ptr<Connection> c, std::function<void(std::unique_ptr<Connection>)> give_back)
      : conn_(std::move(c)), give_back_(std::move(give_back)) {}
  Lease(Lease&&) = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease() {
    if (conn_) give_back_(std::move(conn_));
  }
  Connection& operator*() { return *conn_; }
  Connection* operator->() { return conn_.get(); }

 private:
  std::unique_ptr<Connection> conn_;
  std::function<void(std::unique_ptr<Connection>)> give_back_;
};

// A pool of connections to one database.
class Database {
 public:
  virtual ~Database() = default;
  virtual Engine engine() const = 0;
  // A connection for this thread's use; throws StoreUnavailable when none
  // can be had (PostgreSQL: within the pool's timeouts).
  virtual Lease acquire() = 0;
  // A connection outside the pool (start-up locks held while the pool is in
  // use), counting its writes nowhere.
  virtual std::unique_ptr<Connection> open_unpooled() = 0;
  // Counters every pooled connection writes into.
  virtual std::atomic<uint64_t>& general_writes() = 0;
  virtual std::atomic<uint64_t>& activity_writes() = 0;
};

// BEGIN … COMMIT, rolled back unless committed. SQLite: BEGIN IMMEDIATE
// (writers serialised from the start). PostgreSQL: READ COMMITTED; stores
// take row locks (Dialect::for_update) where a read decides a write.
class Transaction {
 public:
  explicit Transaction(Connection& c) : c_(c) { c_.begin(); }
  ~Transaction() {
    if (!done_) c_.rollback();
  }
  Transaction(const Transaction&) = delete;
  // Throws when the engine rolled the transaction back instead.
  void commit() {
    done_ = true;
    c_.commit();
  }

 private:
  Connection& c_;
  bool done_ = false;
};

// While alive, the statements run on a connection stop after `millis`
// (Connection::set_time_limit).
class TimeLimit {
 public:
  TimeLimit(Connection& c, int64_t millis) : c_(c) { c_.set_time_limit(millis); }
  ~TimeLimit() { c_.set_time_limit(0); }
  TimeLimit(const TimeLimit&) = delete;

 private:
  Connection& c_;
};

// While alive, the writes on a connection count in `counter`; declare it
// before the transaction so that the commit counts there too.
class CountWritesIn {
 public:
  CountWritesIn(Connection& c, std::atomic<uint64_t>& counter)
      : c_(c), saved_(c.swap_write_counter(&counter)) {}
  ~CountWritesIn() { c_.swap_write_counter(saved_); }
  CountWritesIn(const CountWritesIn&) = delete;

 private:
  Connection& c_;
  std::atomic<uint64_t>* saved_;
};

}  // namespace latchkey::store::sql
