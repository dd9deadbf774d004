// The store contract tests' fixture: each test gets a fresh, migrated store
// on the engine of its parameter — a new SQLite file, or (when
// LATCHKEY_TEST_DATABASE_URL names a PostgreSQL server) a schema of its own
// on that server, dropped afterwards; without a server the PostgreSQL half
// skips. Instantiate a suite over both engines with
//   INSTANTIATE_TEST_SUITE_P(Engines, MySuite, LATCHKEY_BOTH_ENGINES);
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/crypto.hpp"
#include "store/postgres/test_server.hpp"
#include "store/store.hpp"

namespace latchkey::store::testing {

#define LATCHKEY_BOTH_ENGINES              \
  ::testing::Values("sqlite", "postgres"), \
      [](const ::testing::TestParamInfo<std::string>& info) { return info.param; }

class EngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  bool postgres() const { return GetParam() == "postgres"; }

  void SetUp() override {
    if (postgres()) {
      url_ = postgres::testing::server_url();
      if (url_.empty()) GTEST_SKIP() << "LATCHKEY_TEST_DATABASE_URL is not a postgres:// URL";
      schema_ = "contract_" + core::random_uuid().substr(0, 8);
      admin_ = std::make_unique<postgres::testing::Admin>(url_);
      ASSERT_TRUE(admin_->ok());
      ASSERT_TRUE(admin_->exec("CREATE SCHEMA " + schema_));
      url_ += (url_.find('?') == std::string::npos ? "?" : "&");
      url_ += "options=-csearch_path%3D" + schema_;
    } else {
      dir_ =
          std::filesystem::temp_directory_path() / ("latchkey-store-test-" + core::random_uuid());
      std::filesystem::create_directories(dir_);
      url_ = (dir_ / "test.db").string();
    }
    store_ = open_store(url_, options_);
    store_->migrate();
  }

  void TearDown() override {
    store_.reset();
    if (admin_) admin_->exec("DROP SCHEMA " + schema_ + " CASCADE");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // A second store on the same database (another instance).
  std::unique_ptr<Store> open_again() { return open_store(url_, options_); }

  Store& store() { return *store_; }

  StoreOptions options_;
  std::unique_ptr<Store> store_;
  std::string url_, schema_;
  std::filesystem::path dir_;
  std::unique_ptr<postgres::testing::Admin> admin_;
};

}  // namespace latchkey::store::testing
