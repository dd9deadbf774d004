// The SQLite driver of the SQL layer (store/sql/sql.hpp): one connection per
// concurrent caller, statements prepared once per connection and text, and
// the rewriting of the shared statement syntax into SQLite's.
#pragma once
#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/sql/sql.hpp"

namespace latchkey::store::sqlite {

// A statement in the shared syntax as SQLite takes it: `$N` becomes `?N`
// and `::type` casts are dropped (outside string literals and quoted names).
std::string rewrite_for_sqlite(std::string_view sql);

class Connection final : public sql::Connection {
 public:
  // `writes` counts completed writes on every connection of a pool: the
  // store's write generation (Store::write_generation).
  Connection(const std::string& path, std::atomic<uint64_t>* writes);
  ~Connection() override;
  Connection(const Connection&) = delete;

  sql::Engine engine() const override { return sql::Engine::kSqlite; }
  sql::Rows run(const sql::Sql& sql, sql::Params params) override;
  void exec_script(const std::string& sql) override;
  std::atomic<uint64_t>* swap_write_counter(std::atomic<uint64_t>* c) override {
    return std::exchange(writes_, c);
  }

  sqlite3* raw() { return db_; }
  void note_write() { writes_->fetch_add(1, std::memory_order_acq_rel); }

 protected:
  void begin() override;
  void commit() override;
  void rollback() noexcept override;

 private:
  sqlite3_stmt* prepared(const std::string& text);

  sqlite3* db_ = nullptr;
  std::atomic<uint64_t>* writes_;
  struct CachedStatement {
    sqlite3_stmt* statement;
    bool in_use;  // a Rows is reading it
  };
  std::unordered_map<std::string, CachedStatement> cache_;  // by statement text
};

class Database final : public sql::Database {
 public:
  // Creates the file 0600 when it does not exist, and takes group and other
  // permissions off an existing one and its -wal/-shm files (with a warning):
  // the database holds the token-signing secret and every user.
  explicit Database(std::string path);

  sql::Engine engine() const override { return sql::Engine::kSqlite; }
  sql::Lease acquire() override;
  std::unique_ptr<sql::Connection> open_unpooled() override;
  std::atomic<uint64_t>& general_writes() override { return general_writes_; }
  std::atomic<uint64_t>& activity_writes() override { return activity_writes_; }

 private:
  void release(std::unique_ptr<sql::Connection> c);
  std::string path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<sql::Connection>> idle_;
  std::atomic<uint64_t> general_writes_{0}, activity_writes_{0}, unpooled_writes_{0};
};

}  // namespace latchkey::store::sqlite
