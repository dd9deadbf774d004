// make_app as instances behind a load balancer start it: several at once on
// one new PostgreSQL database. Migrations and the seeding of the internal
// project run once; every instance starts; the internal keys work, whether
// they come from the environment or were generated (and then shown once).
// Skipped unless LATCHKEY_TEST_DATABASE_URL names a PostgreSQL server; each
// test runs in a schema of its own.
#include "app.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <latch>
#include <optional>
#include <regex>
#include <thread>
#include <vector>

#include "core/console.hpp"
#include "core/crypto.hpp"
#include "store/postgres/test_server.hpp"

namespace latchkey {
namespace {

using store::postgres::testing::Admin;
using store::postgres::testing::server_url;

constexpr int kInstances = 8;
constexpr int kRounds = 5;
// The internal key variables, the prefix of each key and its kind.
struct KeyVariable {
  const char* name;
  const char* prefix;
  store::KeyKind kind;
};
constexpr KeyVariable kKeyVariables[] = {
    {"STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY", "pck_",
     store::KeyKind::kPublishableClient},
    {"STACK_SEED_INTERNAL_PROJECT_SECRET_SERVER_KEY", "ssk_", store::KeyKind::kSecretServer},
    {"STACK_SEED_INTERNAL_PROJECT_SUPER_SECRET_ADMIN_KEY", "sak_",
     store::KeyKind::kSuperSecretAdmin},
};

// Sets (or, with nullopt, unsets) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? setenv(name, value->c_str(), 1) : unsetenv(name);
  }
  ~ScopedEnv() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class AppStartOnPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = server_url();
    if (url_.empty()) GTEST_SKIP() << "LATCHKEY_TEST_DATABASE_URL is not a postgres:// URL";
    admin_ = std::make_unique<Admin>(url_);
    ASSERT_TRUE(admin_->ok());
  }
  void TearDown() override {
    apps_.clear();
    for (const auto& schema : schemas_) admin_->exec("DROP SCHEMA " + schema + " CASCADE");
  }

  // Starts kInstances apps at once on a new, empty database (a schema of its
  // own); the number that failed, with their messages added to the test's
  // output. A start race does not show every time, so the tests run a few.
  int start_together(int pool_size = store::StoreOptions{}.pool_size) {
    schemas_.push_back("app_test_" + core::random_uuid().substr(0, 8));
    EXPECT_TRUE(admin_->exec("CREATE SCHEMA " + schemas_.back()));
    Config config;
    config.database = url_ + (url_.find('?') == std::string::npos ? "?" : "&") +
                      "options=-csearch_path%3D" + schemas_.back();
    config.public_url = "http://latchkey.invalid";
    config.store_options.pool_size = pool_size;
    apps_.clear();
    apps_.resize(kInstances);
    std::latch go(kInstances);
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
      threads.emplace_back([&, i] {
        go.arrive_and_wait();
        try {
          apps_[i] = make_app(config);
        } catch (const std::exception& e) {
          ++failed;
          ADD_FAILURE() << "instance " << i << " did not start: " << e.what();
        }
      });
    }
    for (auto& t : threads) t.join();
    return failed;
  }

  // The internal project's key sets, but for the console's own (core/console.hpp).
  size_t seeded_key_sets() {
    auto sets = apps_[0]->store->projects().list_api_key_sets("internal");
    return std::count_if(sets.begin(), sets.end(),
                         [](const auto& k) { return k.id != core::kConsoleKeySetId; });
  }

  // Whether `key` is a valid key of `kind` of the internal project.
  bool internal_key_works(store::KeyKind kind, const std::string& key) {
    return apps_[0]
        ->store->projects()
        .valid_key_expiry("internal", kind, core::sha256_hex(key))
        .has_value();
  }

  std::string url_;
  std::vector<std::string> schemas_;
  std::unique_ptr<Admin> admin_;
  std::vector<std::unique_ptr<App>> apps_;
};

TEST_F(AppStartOnPostgres, InstancesStartingTogetherWithKeysFromTheEnvironmentAllStart) {
  std::vector<std::unique_ptr<ScopedEnv>> env;
  std::vector<std::string> keys;
  for (const auto& v : kKeyVariables) {
    keys.push_back(v.prefix + core::random_uuid());
    env.push_back(std::make_unique<ScopedEnv>(v.name, keys.back()));
  }
  for (int round = 0; round < kRounds; ++round) {
    ASSERT_EQ(start_together(), 0) << "round " << round;
    EXPECT_EQ(seeded_key_sets(), 1u);
    for (int i = 0; i < 3; ++i)
      EXPECT_TRUE(internal_key_works(kKeyVariables[i].kind, keys[i])) << keys[i];
  }
}

TEST_F(AppStartOnPostgres, InstancesStartingTogetherWithoutKeysShowOneGeneratedSetThatWorks) {
  std::vector<std::unique_ptr<ScopedEnv>> env;
  for (const auto& v : kKeyVariables)
    env.push_back(std::make_unique<ScopedEnv>(v.name, std::nullopt));
  for (int round = 0; round < kRounds; ++round) {
    ::testing::internal::CaptureStdout();
    int failed = start_together();
    std::string out = ::testing::internal::GetCapturedStdout();
    ASSERT_EQ(failed, 0) << "round " << round;

    // One instance generated the keys and showed them; the others found them.
    std::smatch m;
    std::vector<std::string> shown;
    for (auto it = out.cbegin(); std::regex_search(it, out.cend(), m, std::regex("_KEY=(\\S+)"));
         it = m[0].second)
      shown.push_back(m[1]);
    ASSERT_EQ(shown.size(), 3u) << "round " << round << ":\n" << out;
    EXPECT_EQ(seeded_key_sets(), 1u);
    for (int i = 0; i < 3; ++i)
      EXPECT_TRUE(internal_key_works(kKeyVariables[i].kind, shown[i])) << shown[i];
  }
}

// The setup lock holds a connection of its own: seeding with a pool of one
// connection does not wait for itself.
TEST_F(AppStartOnPostgres, InstancesWithAPoolOfOneConnectionStart) {
  ASSERT_EQ(start_together(1), 0);
  EXPECT_TRUE(apps_[0]->store->projects().get_project("internal").has_value());
}

}  // namespace
}  // namespace latchkey
