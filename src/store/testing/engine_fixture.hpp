// The store contract tests' fixture: each test gets a fresh, migrated store
// on the engine of its parameter — a new SQLite file, or (when
// LATCHKEY_TEST_DATABASE_URL names a PostgreSQL server) a schema of its own
// on that server, dropped afterwards; without a server the PostgreSQL half
// skips. Instantiate a suite over both engines with
//   INSTANTIATE_TEST_SUITE_P(Engines, MySuite, LATCHKEY_BOTH_ENGINES);
// EngineTest also has the set-up the contract tests share (new projects,
// users and sessions, concurrent calls); ProjectEngineTest starts each test
// with a project_, UserEngineTest with a project_ and a user_ in it.
#pragma once
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "store/postgres/test_server.hpp"
#include "store/store.hpp"

namespace latchkey::store::testing {

// What EngineTest::new_user sets besides the id, the project and the times;
// all unset by default.
struct UserOptions {
  std::optional<std::string> password_hash = std::nullopt;
  std::optional<std::string> primary_email = std::nullopt;  // signs in with it when set
  Json server_metadata = nullptr;
  NewUserExtras extras = {};
};

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

  // A new project (display name "p", an empty config); its id.
  std::string new_project() {
    Project p;
    p.id = core::random_uuid();
    p.display_name = "p";
    p.config = Json::object();
    store().projects().insert_project(p);
    return p.id;
  }

  // A new user of `project`, created and last active at 1000, expecting
  // kCreated; its id.
  std::string new_user(const std::string& project, const UserOptions& options = {}) {
    User u;
    u.id = core::random_uuid();
    u.project_id = project;
    u.created_at_millis = 1000;
    u.last_active_at_millis = 1000;
    u.password_hash = options.password_hash;
    u.server_metadata = options.server_metadata;
    u.primary_email = options.primary_email;
    u.primary_email_auth_enabled = u.primary_email.has_value();
    EXPECT_EQ(store().users().create_user(u, options.extras), CreateUserStatus::kCreated);
    return u.id;
  }

  // A session of `user` in `project` with a fresh id and token digest, not
  // yet created.
  static Session session(const std::string& project, const std::string& user, int64_t created = 1) {
    Session s;
    s.id = core::random_uuid();
    s.project_id = project;
    s.user_id = user;
    s.refresh_token_digest = core::random_uuid();
    s.created_at_millis = created;
    return s;
  }

  // The ids of `list`, in its order.
  template <typename T>
  static std::vector<std::string> ids(const std::vector<T>& list) {
    std::vector<std::string> out;
    for (const auto& item : list) out.push_back(item.id);
    return out;
  }

  static constexpr int kThreads = 8;

  // Runs `f` on kThreads threads at once; how many returned true.
  static int concurrently(const std::function<bool()>& f) {
    std::latch start(kThreads);
    std::atomic<int> won{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
      threads.emplace_back([&] {
        start.arrive_and_wait();
        if (f()) ++won;
      });
    for (auto& t : threads) t.join();
    return won;
  }

  StoreOptions options_;
  std::unique_ptr<Store> store_;
  std::string url_, schema_;
  std::filesystem::path dir_;
  std::unique_ptr<postgres::testing::Admin> admin_;
};

// An EngineTest whose store holds a new project, project_, before each test.
class ProjectEngineTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped()) return;
    project_ = new_project();
  }

  std::string project_;
};

// A ProjectEngineTest with a new user, user_, in project_ too.
class UserEngineTest : public ProjectEngineTest {
 protected:
  void SetUp() override {
    ProjectEngineTest::SetUp();
    if (IsSkipped()) return;
    user_ = new_user(project_);
  }

  std::string user_;
};

}  // namespace latchkey::store::testing
