// The SQLite driver's own duties (issue 22): a statement under a time limit
// stops with StatementTimedOut and leaves its connection usable; writers on
// many connections take turns on the writer lock without SQLITE_BUSY; and
// the write-ahead log is truncated in the background while readers keep
// reading.
#include "store/sqlite/sqlite_db.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "store/store.hpp"

namespace latchkey::store::sqlite {
namespace {

class SqliteDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-sqlite-test-" + core::random_uuid());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
    db_ = std::make_unique<Database>(path_);
    db_->acquire()->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  int64_t count() {
    static const sql::Sql kCount{"SELECT count(*) FROM t"};
    auto c = db_->acquire();
    auto r = c->query(kCount);
    r.next();
    return r.int64(0);
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Database> db_;
};

TEST_F(SqliteDriver, AStatementPastItsTimeLimitStopsAndTheConnectionStaysUsable) {
  // Counts to a billion: minutes without a limit.
  static const sql::Sql kLong{
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
      "SELECT count(*) FROM n"};
  static const sql::Sql kShort{"SELECT 40 + 2"};
  auto c = db_->acquire();
  const auto start = std::chrono::steady_clock::now();
  {
    sql::TimeLimit limit(*c, 50);
    EXPECT_THROW(c->query(kLong), StatementTimedOut);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // The limit is gone with its guard, and the connection answers.
  auto r = c->query(kShort);
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.int64(0), 42);
}

TEST_F(SqliteDriver, WritersOnManyConnectionsTakeTurns) {
  static const sql::Sql kInsert{"INSERT INTO t (v) VALUES ($1)"};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        try {
          auto c = db_->acquire();
          if (i % 2 == 0) {
            sql::Transaction tx(*c);
            c->exec(kInsert, "in a transaction");
            c->exec(kInsert, "in a transaction");
            tx.commit();
          } else {
            c->exec(kInsert, "alone");
          }
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count(), 8 * (25 * 2 + 25));
}

TEST_F(SqliteDriver, TheWriteAheadLogIsTruncatedWhileReadersRead) {
  static const sql::Sql kInsert{"INSERT INTO t (v) VALUES ($1)"};
  static const sql::Sql kRead{"SELECT v FROM t WHERE id = $1"};
  std::atomic<bool> stop{false};
  // Readers that never pause: a checkpoint that waited for a quiet moment
  // would never truncate the log.
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&] {
      auto c = db_->acquire();
      for (int64_t i = 0; !stop; ++i) c->query(kRead, i % 100);
    });
  const std::string big(4000, 'x');
  for (int batch = 0; batch < 40; ++batch) {  // about 16 MiB of log
    auto c = db_->acquire();
    sql::Transaction tx(*c);
    for (int i = 0; i < 100; ++i) c->exec(kInsert, big);
    tx.commit();
  }
  const auto wal = path_ + "-wal";
  bool truncated = false;
  for (int i = 0; i < 100 && !truncated; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::error_code ec;
    truncated = std::filesystem::file_size(wal, ec) < (1 << 20);
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_TRUE(truncated) << "the log stayed at " << std::filesystem::file_size(wal) << " bytes";
  EXPECT_EQ(count(), 4000);
}

}  // namespace
}  // namespace latchkey::store::sqlite
