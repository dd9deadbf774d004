// Unit tests of the PostgreSQL store's pure parts (no server needed): how
// SQLSTATEs map to store errors, and the redaction of URLs for logs.
#include "store/postgres/pg_db.hpp"

#include <gtest/gtest.h>

#include "store/store.hpp"

namespace latchkey::store {
namespace {

using postgres::classify_sqlstate;
using postgres::ErrorKind;

TEST(PgErrors, ConstraintViolationsAreConstraintErrors) {
  EXPECT_EQ(classify_sqlstate("23505"), ErrorKind::kConstraint);  // unique_violation
  EXPECT_EQ(classify_sqlstate("23503"), ErrorKind::kConstraint);  // foreign_key_violation
}

TEST(PgErrors, OutagesAndTransientFailuresAreUnavailable) {
  for (const char* s : {"", "08006", "08001", "57P01", "57P02", "57P03", "57014", "53300", "40001",
                        "40P01", "55P03", "58030"})
    EXPECT_EQ(classify_sqlstate(s), ErrorKind::kUnavailable) << s;
}

TEST(PgErrors, ProgrammingErrorsAreNeitherRetriedNorHidden) {
  for (const char* s : {"42601", "42P01", "22P02", "25P02"})
    EXPECT_EQ(classify_sqlstate(s), ErrorKind::kOther) << s;
}

TEST(RedactDatabase, HidesTheUrlPassword) {
  EXPECT_EQ(redact_database("postgresql://lk:s3cret@db:5432/latchkey"),
            "postgresql://lk:***@db:5432/latchkey");
  EXPECT_EQ(redact_database("postgres://lk:p%40ss@127.0.0.1/x?sslmode=require"),
            "postgres://lk:***@127.0.0.1/x?sslmode=require");
  EXPECT_EQ(redact_database("postgresql://db/x?user=lk&password=s3cret&sslmode=disable"),
            "postgresql://db/x?user=lk&password=***&sslmode=disable");
}

TEST(RedactDatabase, LeavesOtherValuesAlone) {
  EXPECT_EQ(redact_database("postgresql://lk@db/latchkey"), "postgresql://lk@db/latchkey");
  EXPECT_EQ(redact_database("./latchkey.db"), "./latchkey.db");
}

TEST(OpenStore, RejectsAnEmptyPool) {
  StoreOptions options;
  options.pool_size = 0;
  EXPECT_THROW(open_store("postgresql://127.0.0.1:1/none", options), std::runtime_error);
}

}  // namespace
}  // namespace latchkey::store
