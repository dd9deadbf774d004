// Shared throttle counts: the weighted-window arithmetic, and two instances
// (two stores on one database, each with its own RateLimits) enforcing one
// limit together, on both engines.
#include "core/shared_rate_limits.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/project_rate_limits.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::core {
namespace {

constexpr int64_t kWindow = 60'000;

TEST(SharedWindowWait, WeighsThePreviousWindowByItsOverlap) {
  const WindowLimit limit{10, kWindow};
  EXPECT_EQ(window_start_of(125'000, kWindow), 120'000);
  EXPECT_EQ(window_start_of(-1, kWindow), -kWindow);
  // Nothing before: 9 fit, the 10th waits for the window's end, and then
  // until 10 × (w - e) / w is at most 9 (a tenth into the next window).
  EXPECT_EQ(shared_window_wait({0, 9}, limit, 0, 30'000), 0);
  EXPECT_EQ(shared_window_wait({0, 10}, limit, 0, 30'000), 36'000);
  // 10 in the previous window, half of it still overlapping: 5 weigh, so
  // 4 more fit now and the 5th waits until only 4 weigh (0.4 of it left).
  EXPECT_EQ(shared_window_wait({10, 4}, limit, kWindow, kWindow + 30'000), 0);
  EXPECT_EQ(shared_window_wait({10, 5}, limit, kWindow, kWindow + 30'000), 6'000);
  EXPECT_EQ(shared_window_wait({10, 5}, limit, kWindow, kWindow + 36'000), 0);
  EXPECT_EQ(shared_window_wait({10, 5}, limit, kWindow, kWindow + 35'999), 1);
  // Rounded up: one event just before the boundary still weighs 1 after it.
  EXPECT_GT(shared_window_wait({1, 0}, WindowLimit{1, kWindow}, kWindow, kWindow + 1), 0);
}

class SharedRateLimits : public store::testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped()) return;
    other_ = open_again();
    a_counts_ = std::make_unique<SharedCounts>(store().rate_limits(), "secret");
    b_counts_ = std::make_unique<SharedCounts>(other_->rate_limits(), "secret");
    RateLimitOptions o;
    o.sign_in_failures_per_account_ip = {3, kWindow};
    o.emails_per_address = {3, kWindow};
    a_ = std::make_unique<RateLimits>(o, clock_, [&](Limit l) { return a_counts_->counter(l); });
    b_ = std::make_unique<RateLimits>(o, clock_, [&](Limit l) { return b_counts_->counter(l); });
  }

  void TearDown() override {
    a_.reset();
    b_.reset();
    a_counts_.reset();
    b_counts_.reset();
    other_.reset();
    EngineTest::TearDown();
  }

  static int64_t retry_after(const std::function<void()>& f) {
    try {
      f();
    } catch (const KnownError& e) {
      EXPECT_EQ(e.status(), 429);
      return e.details().at("retry_after_seconds").get<int64_t>();
    }
    return 0;
  }

  ManualClock clock_{1750000020000};  // a window's start
  std::unique_ptr<store::Store> other_;
  std::unique_ptr<SharedCounts> a_counts_, b_counts_;
  std::unique_ptr<RateLimits> a_, b_;
};

TEST_P(SharedRateLimits, TwoInstancesCountOneLimit) {
  a_->count_email("p", "x@y.io");
  b_->count_email("p", "x@y.io");
  a_->count_email("p", "x@y.io");
  // The rest of the window, then a third of the next, until the three
  // weigh two (a sliding window approximated from fixed ones).
  EXPECT_EQ(retry_after([&] { b_->count_email("p", "x@y.io"); }), 80);
  EXPECT_GT(retry_after([&] { a_->count_email("p", "x@y.io"); }), 0);
  EXPECT_EQ(retry_after([&] { a_->count_email("p", "other@y.io"); }), 0);
  EXPECT_EQ(retry_after([&] { a_->count_email("q", "x@y.io"); }), 0);
  // Two windows on, nothing of it weighs any more.
  clock_.advance(2 * kWindow);
  EXPECT_EQ(retry_after([&] { b_->count_email("p", "x@y.io"); }), 0);
}

TEST_P(SharedRateLimits, FailuresSeenEverywhereAndASuccessForgetsThemEverywhere) {
  for (int i = 0; i < 3; ++i) (i % 2 ? a_ : b_)->password_failed("p", "x@y.io", "1.2.3.4");
  EXPECT_GT(retry_after([&] { a_->check_password("p", "x@y.io", "1.2.3.4"); }), 0);
  EXPECT_GT(retry_after([&] { b_->check_password("p", "x@y.io", "1.2.3.4"); }), 0);
  EXPECT_EQ(retry_after([&] { b_->check_password("p", "x@y.io", "1.2.3.5"); }), 0);
  a_->password_succeeded("p", "x@y.io", "1.2.3.4");
  EXPECT_EQ(retry_after([&] { b_->check_password("p", "x@y.io", "1.2.3.4"); }), 0);
}

TEST_P(SharedRateLimits, AProjectsOwnLimitAppliesOnEveryInstance) {
  Json config = Json::object();
  set_project_rate_limit(config, Limit::kEmailsPerAddress, WindowLimit{1, kWindow});
  const LimitScope p{"p", config};
  a_->count_email(p, "x@y.io");
  EXPECT_GT(retry_after([&] { b_->count_email(p, "x@y.io"); }), 0);
}

TEST_P(SharedRateLimits, KeysAreStoredAsDigestsUnderTheServerSecret) {
  const std::string d = a_counts_->digest("p\nx@y.io");
  EXPECT_EQ(d.size(), 43u);
  EXPECT_EQ(d.find("x@y.io"), std::string::npos);
  EXPECT_EQ(d, b_counts_->digest("p\nx@y.io"));
  EXPECT_NE(d, SharedCounts(store().rate_limits(), "another secret").digest("p\nx@y.io"));
  a_->count_email("p", "x@y.io");
  const int64_t start = window_start_of(clock_.now_millis(), kWindow);
  EXPECT_EQ(
      store().rate_limits().read_rate_limit_counts("emails_per_address", d, start, kWindow).current,
      1);
}

TEST_P(SharedRateLimits, ExpiredRowsAreSweptAtMostOnceAMinute) {
  a_->count_email("p", "x@y.io");
  const int64_t start = window_start_of(clock_.now_millis(), kWindow);
  const std::string d = a_counts_->digest("p\nx@y.io");
  clock_.advance(3 * kWindow);
  a_->count_email("p", "someone@else.io");  // the first sweep of a_ runs here
  EXPECT_EQ(
      store().rate_limits().read_rate_limit_counts("emails_per_address", d, start, kWindow).current,
      0);
}

INSTANTIATE_TEST_SUITE_P(Engines, SharedRateLimits, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::core
