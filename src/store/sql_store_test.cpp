// The Store's own parts on both engines: migrations apply once, also on a
// database whose migration table still holds the octal version numbers of
// earlier builds, and server settings are inserted once.
#include "store/sql_store.hpp"

#include <gtest/gtest.h>

#include <map>

#include "store/migrations.hpp"
#include "store/postgres/pg_db.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class StoreSetup : public testing::EngineTest {
 protected:
  // The versions recorded in schema_migrations, by name.
  std::map<std::string, int64_t> recorded() {
    std::map<std::string, int64_t> out;
    static const sql::Sql kRead{"SELECT name, version FROM schema_migrations"};
    auto db = raw();
    for (auto r = db->query(kRead); r.next();) out[r.text(0)] = r.int64(1);
    return out;
  }
  // A connection of the test's own to the same database.
  sql::Lease raw() {
    if (!db_) {
      if (postgres()) {
        postgres::PoolOptions o;
        o.conninfo = url_;
        db_ = std::make_unique<postgres::Pool>(o);
      } else {
        db_ = std::make_unique<sqlite::Database>(url_);
      }
    }
    return db_->acquire();
  }
  void TearDown() override {
    db_.reset();
    EngineTest::TearDown();
  }
  std::unique_ptr<sql::Database> db_;
};

TEST_P(StoreSetup, MigrationsAreRecordedWithTheirFileNumbers) {
  auto versions = recorded();
  for (const auto& m : all_migrations()) {
    if (m.engine != GetParam()) continue;
    EXPECT_EQ(versions[m.name], std::stoll(m.name.substr(0, 4))) << m.name;
  }
  store().migrate();  // again: nothing to do
  EXPECT_EQ(recorded(), versions);
}

TEST_P(StoreSetup, OctalVersionsOfEarlierBuildsAreCorrectedNotReapplied) {
  static const sql::Sql kOctal{"UPDATE schema_migrations SET version = $1 WHERE name = $2"};
  auto versions = recorded();
  raw()->exec(kOctal, int64_t{8}, "0010_teams_and_permissions");
  raw()->exec(kOctal, int64_t{16}, "0020_oauth");
  // Re-applying 0010 or 0020 would fail: their tables exist.
  open_again()->migrate();
  EXPECT_EQ(recorded(), versions);
}

TEST_P(StoreSetup, ASettingIsInsertedOnce) {
  EXPECT_EQ(store().get_or_insert_setting("k", "first"), "first");
  EXPECT_EQ(open_again()->get_or_insert_setting("k", "second"), "first");
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreSetup, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
