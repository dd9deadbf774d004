// The SQLite driver of the SQL layer (store/sql/sql.hpp): one connection per
// concurrent caller (readers run in parallel under WAL), writers queued on
// one in-process lock, statements prepared once per connection and text, a
// background checkpoint that keeps the write-ahead log small, and the
// rewriting of the shared statement syntax into SQLite's.
#pragma once
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
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
  // store's write generation (Store::write_generation). `writer`: the lock
  // every connection of the pool takes to write (SQLite allows one writer;
  // waiting on a mutex hands the turn over at once, where SQLite's busy
  // handler sleeps and polls).
  Connection(const std::string& path, std::atomic<uint64_t>* writes, std::timed_mutex* writer);
  ~Connection() override;
  Connection(const Connection&) = delete;

  sql::Engine engine() const override { return sql::Engine::kSqlite; }
  sql::Rows run(const sql::Sql& sql, sql::Params params) override;
  void exec_script(const std::string& sql) override;
  std::atomic<uint64_t>* swap_write_counter(std::atomic<uint64_t>* c) override {
    return std::exchange(writes_, c);
  }

  void set_time_limit(int64_t millis) override;

  sqlite3* raw() { return db_; }
  void note_write() { writes_->fetch_add(1, std::memory_order_acq_rel); }
  // The pool's writer lock, held by this connection (nested holds count);
  // StoreUnavailable after the busy timeout, as SQLite's own wait would.
  void hold_writer();
  void release_writer() noexcept;

 protected:
  void begin() override;
  void commit() override;
  void rollback() noexcept override;

 private:
  sqlite3_stmt* prepared(const std::string& text);
  static int past_deadline(void* self);

  sqlite3* db_ = nullptr;
  std::atomic<uint64_t>* writes_;
  std::timed_mutex* writer_;
  int writer_holds_ = 0;
  std::chrono::steady_clock::time_point deadline_;
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
  ~Database() override;

  sql::Engine engine() const override { return sql::Engine::kSqlite; }
  sql::Lease acquire() override;
  std::unique_ptr<sql::Connection> open_unpooled() override;
  std::atomic<uint64_t>& general_writes() override { return general_writes_; }
  std::atomic<uint64_t>& activity_writes() override { return activity_writes_; }

 private:
  void release(std::unique_ptr<sql::Connection> c);
  void checkpoint_loop();
  void checkpoint(std::unique_ptr<Connection>& c);

  std::string path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<sql::Connection>> idle_;
  std::atomic<uint64_t> general_writes_{0}, activity_writes_{0}, unpooled_writes_{0};
  std::timed_mutex writer_;
  // The background checkpoint (file databases only).
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread checkpointer_;
};

}  // namespace latchkey::store::sqlite
