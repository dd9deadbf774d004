#include "store/read_cache.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/projects.hpp"
#include "core/users.hpp"

namespace latchkey::store {
namespace {

using namespace std::chrono_literals;

// Real time (the cache ages entries by steady_clock), with margins of about
// a second either side of each boundary so a loaded machine cannot flip them.
// Two stores on one SQLite file: `other` plays another instance, whose
// writes this store's write generation does not see.
class ReadCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-cache-test-" + core::random_uuid());
    std::filesystem::create_directories(dir_);
    auto path = (dir_ / "test.db").string();
    store_ = open_store(path);
    store_->migrate();
    other_ = open_store(path);
    core::NewProject np;
    np.display_name = "before";
    id_ = core::create_project(*store_, clock_, np).id;
  }
  void TearDown() override {
    store_.reset();
    other_.reset();
    std::filesystem::remove_all(dir_);
  }
  void rename_elsewhere(const std::string& name) {
    auto p = *other_->projects().get_project(id_);
    p.display_name = name;
    ASSERT_TRUE(other_->projects().update_project(p));
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_, other_;
  core::ManualClock clock_{1'700'000'000'000};
  std::string id_;
};

TEST_F(ReadCacheTest, AHitPastHalfTheTtlSchedulesOneBackgroundReload) {
  ReadCache cache(*store_, 2s);
  std::vector<std::function<void()>> jobs;
  cache.set_scheduler([&](std::function<void()> job) { jobs.push_back(std::move(job)); });
  EXPECT_EQ(cache.get_project(id_)->display_name, "before");
  EXPECT_TRUE(jobs.empty());  // young entry: nothing to renew
  rename_elsewhere("after");
  std::this_thread::sleep_for(1100ms);                        // past half the TTL, well short of it
  EXPECT_EQ(cache.get_project(id_)->display_name, "before");  // served, renewal scheduled
  EXPECT_EQ(cache.get_project(id_)->display_name, "before");  // not scheduled twice
  ASSERT_EQ(jobs.size(), 1u);
  jobs[0]();  // the worker runs it
  EXPECT_EQ(cache.get_project(id_)->display_name, "after");
  EXPECT_EQ(jobs.size(), 1u);  // the renewed entry is young again
}

TEST_F(ReadCacheTest, WithoutAScheduler_AnEntryIsReloadedOnlyAfterItsTtl) {
  ReadCache cache(*store_, 2s);
  EXPECT_EQ(cache.get_project(id_)->display_name, "before");
  rename_elsewhere("after");
  std::this_thread::sleep_for(1100ms);  // past half the TTL, well short of it
  EXPECT_EQ(cache.get_project(id_)->display_name, "before");
  std::this_thread::sleep_for(1000ms);  // past the TTL
  EXPECT_EQ(cache.get_project(id_)->display_name, "after");
}

TEST_F(ReadCacheTest, AWriteThroughThisStoreInvalidatesAtOnce) {
  ReadCache cache(*store_, 60s);
  EXPECT_EQ(cache.get_project(id_)->display_name, "before");
  auto p = *store_->projects().get_project(id_);
  p.display_name = "mine";
  ASSERT_TRUE(store_->projects().update_project(p));
  EXPECT_EQ(cache.get_project(id_)->display_name, "mine");
  EXPECT_EQ(cache.get_project("no-such-project"), nullptr);
}

TEST_F(ReadCacheTest, AnActivityBatchKeepsProjectsAndKeysButRenewsUsers) {
  ReadCache cache(*store_, 60s);
  core::NewUser nu;
  nu.display_name = "someone";
  auto user = core::create_user(*store_, clock_, id_, nu);
  EXPECT_EQ(cache.get_project(id_)->display_name, "before");
  int64_t was = cache.get_user(id_, user.id)->last_active_at_millis;
  // Another instance renames the project: this store cannot know, so only a
  // reload would show it.
  rename_elsewhere("after");
  store_->sessions().record_activity({}, {UserActivity{id_, user.id, was + 1000}});
  EXPECT_EQ(cache.get_project(id_)->display_name, "before");  // not reloaded
  EXPECT_EQ(cache.get_user(id_, user.id)->last_active_at_millis, was + 1000);
}

}  // namespace
}  // namespace latchkey::store
