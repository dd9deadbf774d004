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

// A peek (what an I/O thread may do) answers from the entries alone: it never
// loads, so a miss stays a miss until a get_* loads the entry.
TEST_F(ReadCacheTest, APeekAnswersFromMemoryAndNeverLoads) {
  ReadCache cache(*store_, 60s);
  core::NewUser nu;
  nu.display_name = "someone";
  auto user = core::create_user(*store_, clock_, id_, nu);
  core::NewKeySet nk;
  nk.has_publishable_client_key = true;
  nk.expires_at_millis = clock_.now_millis() + 60'000;
  auto keys = core::create_key_set(*store_, clock_, id_, nk);
  std::string digest = core::sha256_hex(*keys.publishable_client_key);
  int64_t now = clock_.now_millis();

  EXPECT_EQ(cache.peek_project(id_), std::nullopt);
  EXPECT_EQ(cache.peek_project(id_), std::nullopt);  // still not loaded
  EXPECT_EQ(cache.peek_user(id_, user.id), std::nullopt);
  EXPECT_EQ(cache.peek_valid_key(id_, KeyKind::kPublishableClient, digest, now), std::nullopt);

  ASSERT_NE(cache.get_project(id_), nullptr);
  ASSERT_NE(cache.get_user(id_, user.id), nullptr);
  ASSERT_TRUE(cache.is_valid_key(id_, KeyKind::kPublishableClient, digest, now));
  auto project = cache.peek_project(id_);
  ASSERT_TRUE(project && *project);
  EXPECT_EQ((*project)->display_name, "before");
  auto cached_user = cache.peek_user(id_, user.id);
  ASSERT_TRUE(cached_user && *cached_user);
  EXPECT_EQ((*cached_user)->display_name, "someone");
  EXPECT_EQ(cache.peek_valid_key(id_, KeyKind::kPublishableClient, digest, now), true);
  // Expiry is checked against the time asked about, not the time loaded.
  EXPECT_EQ(cache.peek_valid_key(id_, KeyKind::kPublishableClient, digest, now + 120'000), false);

  // Known absence is an answer too.
  EXPECT_EQ(cache.get_project("no-such-project"), nullptr);
  auto absent = cache.peek_project("no-such-project");
  ASSERT_TRUE(absent);
  EXPECT_EQ(*absent, nullptr);

  // A write through this store makes the entries stale: a peek misses.
  auto p = *store_->projects().get_project(id_);
  p.display_name = "mine";
  ASSERT_TRUE(store_->projects().update_project(p));
  EXPECT_EQ(cache.peek_project(id_), std::nullopt);
  EXPECT_EQ(cache.peek_user(id_, user.id), std::nullopt);
}

TEST_F(ReadCacheTest, WithCachingOffAPeekAlwaysMisses) {
  ReadCache cache(*store_, 0ms);
  ASSERT_NE(cache.get_project(id_), nullptr);
  EXPECT_EQ(cache.peek_project(id_), std::nullopt);
}

TEST_F(ReadCacheTest, APeekPastHalfTheTtlSchedulesTheRenewalLikeAHit) {
  ReadCache cache(*store_, 2s);
  std::vector<std::function<void()>> jobs;
  cache.set_scheduler([&](std::function<void()> job) { jobs.push_back(std::move(job)); });
  ASSERT_NE(cache.get_project(id_), nullptr);
  rename_elsewhere("after");
  std::this_thread::sleep_for(1100ms);  // past half the TTL, well short of it
  auto hit = cache.peek_project(id_);
  ASSERT_TRUE(hit && *hit);
  EXPECT_EQ((*hit)->display_name, "before");
  ASSERT_EQ(jobs.size(), 1u);
  jobs[0]();  // the worker renews it; the I/O thread loaded nothing
  EXPECT_EQ((**cache.peek_project(id_)).display_name, "after");
}

// --refuse-revoked-access-tokens asks whether a session is live: a sign-out
// here is seen at once, one on another instance once the entry's TTL ran out.
TEST_F(ReadCacheTest, ASessionSignedOutHereIsDeadAtOnceAndElsewhereAfterTheTtl) {
  ReadCache cache(*store_, 2s);
  core::NewUser nu;
  nu.display_name = "someone";
  auto user = core::create_user(*store_, clock_, id_, nu);
  auto make_session = [&](const std::string& id, std::optional<int64_t> expires) {
    Session s;
    s.id = id;
    s.project_id = id_;
    s.user_id = user.id;
    s.refresh_token_digest = core::sha256_hex(id);
    s.created_at_millis = clock_.now_millis();
    s.expires_at_millis = expires;
    ASSERT_TRUE(store_->sessions().create_session(s));
  };
  int64_t now = clock_.now_millis();
  make_session("s-here", std::nullopt);
  make_session("s-elsewhere", std::nullopt);
  make_session("s-expiring", now + 60'000);

  EXPECT_EQ(cache.peek_live_session(id_, "s-here", now), std::nullopt);  // never loaded
  EXPECT_TRUE(cache.is_live_session(id_, "s-here", now));
  EXPECT_EQ(cache.peek_live_session(id_, "s-here", now), true);
  EXPECT_FALSE(cache.is_live_session(id_, "no-such-session", now));
  EXPECT_FALSE(cache.is_live_session("other-project", "s-here", now));
  EXPECT_TRUE(cache.is_live_session(id_, "s-expiring", now));
  EXPECT_FALSE(cache.is_live_session(id_, "s-expiring", now + 120'000));

  ASSERT_TRUE(store_->sessions().delete_session(id_, "s-here"));
  EXPECT_FALSE(cache.is_live_session(id_, "s-here", now));

  EXPECT_TRUE(cache.is_live_session(id_, "s-elsewhere", now));
  ASSERT_TRUE(other_->sessions().delete_session(id_, "s-elsewhere"));
  EXPECT_TRUE(cache.is_live_session(id_, "s-elsewhere", now));  // this store cannot know yet
  std::this_thread::sleep_for(2100ms);                          // past the TTL
  EXPECT_FALSE(cache.is_live_session(id_, "s-elsewhere", now));
}

}  // namespace
}  // namespace latchkey::store
