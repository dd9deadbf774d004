// The SQL layer on both engines: values round-trip with their types,
// placeholders repeat and come in any order, constraint violations are
// ConstraintError, transactions roll back unless committed, writes move the
// write generation only when rows change, and a statement can run again
// while an earlier result of it is still being read. The PostgreSQL half
// runs when LATCHKEY_TEST_DATABASE_URL names a server (a schema per test).
#include "store/sql/sql.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.hpp"
#include "store/postgres/pg_db.hpp"
#include "store/postgres/test_server.hpp"
#include "store/sql/columns.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace latchkey::store::sql {
namespace {

TEST(RewriteForSqlite, NumbersPlaceholdersAndDropsCasts) {
  EXPECT_EQ(sqlite::rewrite_for_sqlite("SELECT $1, $12::text FROM t WHERE a = $2::bigint"),
            "SELECT ?1, ?12 FROM t WHERE a = ?2");
  EXPECT_EQ(sqlite::rewrite_for_sqlite("SELECT '[]'::json, $1::text[]"), "SELECT '[]', ?1");
}

TEST(RewriteForSqlite, LeavesLiteralsAndQuotedNamesAlone) {
  EXPECT_EQ(sqlite::rewrite_for_sqlite("SELECT '$1::x', \"a::b\", json_extract(v, '$.p')"),
            "SELECT '$1::x', \"a::b\", json_extract(v, '$.p')");
  EXPECT_EQ(sqlite::rewrite_for_sqlite("SELECT 'it''s $1' || $1"), "SELECT 'it''s $1' || ?1");
}

struct Thing {
  std::string id;
  std::optional<std::string> note;
  int64_t n = 0;
  std::optional<int64_t> maybe;
  bool flag = false;
  Json meta;
  std::optional<std::string> bytes;
};

const Columns<Thing> kThing{
    {"id", &Thing::id},
    {"note", &Thing::note},
    {"n", &Thing::n},
    {"maybe", &Thing::maybe},
    {"flag", &Thing::flag},
    {"meta", &Thing::meta},
    Column<Thing>::bytes("bytes", &Thing::bytes),
};

class SqlLayer : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      std::string url = postgres::testing::server_url();
      if (url.empty()) GTEST_SKIP() << "LATCHKEY_TEST_DATABASE_URL is not a postgres:// URL";
      schema_ = "sql_test_" + core::random_uuid().substr(0, 8);
      admin_ = std::make_unique<postgres::testing::Admin>(url);
      ASSERT_TRUE(admin_->exec("CREATE SCHEMA " + schema_));
      postgres::PoolOptions o;
      o.conninfo = url + (url.find('?') == std::string::npos ? "?" : "&") +
                   "options=-csearch_path%3D" + schema_;
      o.max_connections = 4;
      db_ = std::make_unique<postgres::Pool>(o);
      db_->acquire()->exec_script(
          "CREATE TABLE things (id TEXT PRIMARY KEY, note TEXT, n BIGINT NOT NULL, maybe BIGINT, "
          "flag BOOLEAN NOT NULL, meta TEXT, bytes BYTEA)");
    } else {
      dir_ = std::filesystem::temp_directory_path() / ("latchkey-sql-test-" + core::random_uuid());
      std::filesystem::create_directories(dir_);
      db_ = std::make_unique<sqlite::Database>((dir_ / "t.db").string());
      db_->acquire()->exec_script(
          "CREATE TABLE things (id TEXT PRIMARY KEY, note TEXT, n INTEGER NOT NULL, maybe INTEGER, "
          "flag INTEGER NOT NULL, meta TEXT, bytes BLOB)");
    }
  }
  void TearDown() override {
    db_.reset();
    if (admin_) admin_->exec("DROP SCHEMA " + schema_ + " CASCADE");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  uint64_t writes() { return db_->general_writes().load(); }
  int count(Connection& c) {
    static const Sql kCount{"SELECT count(*) FROM things"};
    auto r = c.query(kCount);
    r.next();
    return static_cast<int>(r.int64(0));
  }

  std::unique_ptr<Database> db_;
  std::string schema_;
  std::filesystem::path dir_;
  std::unique_ptr<postgres::testing::Admin> admin_;
};

const Sql kInsert{
    "INSERT INTO things (id, note, n, maybe, flag, meta, bytes) VALUES ($1, $2, $3, $4, $5, $6, "
    "$7)"};
const Sql kSelectOne{"SELECT " + kThing.list() + " FROM things WHERE id = $1"};

TEST_P(SqlLayer, ValuesRoundTripWithTheirTypes) {
  auto c = db_->acquire();
  const std::string raw("\x00\xff\x01 bytes", 9);
  c->exec(kInsert, "a", "h\xc3\xa9llo", INT64_MIN, std::optional<int64_t>(INT64_MAX), true,
          std::string(R"({"k":[1,2]})"), blob(raw));
  c->exec(kInsert, "b", std::optional<std::string>(), int64_t{0}, std::optional<int64_t>(), false,
          std::optional<std::string>(), std::optional<Blob>());
  auto r = c->query(kSelectOne, "a");
  ASSERT_TRUE(r.next());
  Thing a = kThing.read(r);
  EXPECT_EQ(a.id, "a");
  EXPECT_EQ(a.note, "h\xc3\xa9llo");
  EXPECT_EQ(a.n, INT64_MIN);
  EXPECT_EQ(a.maybe, INT64_MAX);
  EXPECT_TRUE(a.flag);
  EXPECT_EQ(a.meta, Json::parse(R"({"k":[1,2]})"));
  EXPECT_EQ(a.bytes, raw);
  EXPECT_FALSE(r.next());

  auto r2 = c->query(kSelectOne, "b");
  ASSERT_TRUE(r2.next());
  Thing b = kThing.read(r2);
  EXPECT_FALSE(b.note);
  EXPECT_FALSE(b.maybe);
  EXPECT_FALSE(b.flag);
  EXPECT_TRUE(b.meta.is_null());
  EXPECT_FALSE(b.bytes);
}

TEST_P(SqlLayer, PlaceholdersRepeatAndComeInAnyOrder) {
  static const Sql kEcho{"SELECT $2::text, $1::bigint, $2::text || $2::text"};
  auto c = db_->acquire();
  auto r = c->query(kEcho, int64_t{7}, "x");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.text(0), "x");
  EXPECT_EQ(r.int64(1), 7);
  EXPECT_EQ(r.text(2), "xx");
}

TEST_P(SqlLayer, AUniqueViolationIsAConstraintError) {
  auto c = db_->acquire();
  c->exec(kInsert, "a", "1", int64_t{1}, std::optional<int64_t>(), false,
          std::optional<std::string>(), std::optional<Blob>());
  try {
    c->exec(kInsert, "a", "2", int64_t{2}, std::optional<int64_t>(), false,
            std::optional<std::string>(), std::optional<Blob>());
    FAIL() << "no ConstraintError";
  } catch (const ConstraintError& e) {
    if (GetParam() == "postgres") {
      EXPECT_EQ(e.constraint(), "things_pkey");
    }
  }
  // The connection is still usable and nothing of the failed row is there.
  EXPECT_EQ(count(*c), 1);
}

TEST_P(SqlLayer, ATransactionRollsBackUnlessCommitted) {
  auto c = db_->acquire();
  {
    Transaction tx(*c);
    c->exec(kInsert, "a", "1", int64_t{1}, std::optional<int64_t>(), false,
            std::optional<std::string>(), std::optional<Blob>());
    EXPECT_EQ(count(*c), 1);
  }
  EXPECT_EQ(count(*c), 0);
  {
    Transaction tx(*c);
    c->exec(kInsert, "b", "1", int64_t{1}, std::optional<int64_t>(), false,
            std::optional<std::string>(), std::optional<Blob>());
    tx.commit();
  }
  auto other = db_->open_unpooled();
  EXPECT_EQ(count(*other), 1);
}

TEST_P(SqlLayer, AFailedStatementInsideATransactionRollsItAllBack) {
  auto c = db_->acquire();
  try {
    Transaction tx(*c);
    c->exec(kInsert, "a", "1", int64_t{1}, std::optional<int64_t>(), false,
            std::optional<std::string>(), std::optional<Blob>());
    c->exec(kInsert, "a", "again", int64_t{1}, std::optional<int64_t>(), false,
            std::optional<std::string>(), std::optional<Blob>());
    tx.commit();
  } catch (const ConstraintError&) {
  }
  EXPECT_EQ(count(*c), 0);
}

TEST_P(SqlLayer, OnlyStatementsThatChangeRowsAndCommitsMoveTheWriteGeneration) {
  static const Sql kTouch{"UPDATE things SET n = n + 1 WHERE id = $1"};
  auto c = db_->acquire();
  uint64_t before = writes();
  c->exec(kTouch, "nobody");
  count(*c);
  EXPECT_EQ(writes(), before);
  c->exec(kInsert, "a", "1", int64_t{1}, std::optional<int64_t>(), false,
          std::optional<std::string>(), std::optional<Blob>());
  EXPECT_EQ(writes(), before + 1);
  EXPECT_EQ(c->exec(kTouch, "a"), 1);
  EXPECT_EQ(writes(), before + 2);
  {
    Transaction tx(*c);
    tx.commit();
  }
  EXPECT_EQ(writes(), before + 3);

  std::atomic<uint64_t> elsewhere{0};
  {
    CountWritesIn counted(*c, elsewhere);
    c->exec(kTouch, "a");
  }
  EXPECT_EQ(elsewhere.load(), 1u);
  EXPECT_EQ(writes(), before + 3);
}

TEST_P(SqlLayer, AStatementRunsAgainWhileAnEarlierResultIsRead) {
  auto c = db_->acquire();
  for (const char* id : {"a", "b", "c"})
    c->exec(kInsert, id, id, int64_t{1}, std::optional<int64_t>(), false,
            std::optional<std::string>(), std::optional<Blob>());
  static const Sql kAll{"SELECT id FROM things ORDER BY id"};
  std::vector<std::string> pairs;
  for (auto outer = c->query(kAll); outer.next();)
    for (auto inner = c->query(kAll); inner.next();) pairs.push_back(outer.text(0) + inner.text(0));
  EXPECT_EQ(pairs.size(), 9u);
  EXPECT_EQ(pairs.front(), "aa");
  EXPECT_EQ(pairs.back(), "cc");
}

TEST_P(SqlLayer, StatementsAreCachedByTextNotByAddress) {
  auto c = db_->acquire();
  c->exec(kInsert, "a", "1", int64_t{5}, std::optional<int64_t>(), false,
          std::optional<std::string>(), std::optional<Blob>());
  for (int i = 0; i < 3; ++i) {
    // A new Sql (and string buffer) each time, the same text: the same answer.
    Sql dynamic{std::string("SELECT n FROM things WHERE id = ") + "$1"};
    auto r = c->query(dynamic, "a");
    ASSERT_TRUE(r.next());
    EXPECT_EQ(r.int64(0), 5);
  }
  Sql other{std::string("SELECT n + 1 FROM things WHERE id = $1")};
  auto r = c->query(other, "a");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.int64(0), 6);
}

TEST_P(SqlLayer, EachEngineGetsItsOwnText) {
  static const Sql kWhich{"SELECT 'sqlite'", "SELECT 'postgres'"};
  auto c = db_->acquire();
  auto r = c->query(kWhich);
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.text(0), GetParam());
  EXPECT_EQ(c->dialect().engine == Engine::kPostgres, GetParam() == "postgres");
}

INSTANTIATE_TEST_SUITE_P(Engines, SqlLayer, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace latchkey::store::sql
