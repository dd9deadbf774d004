// RateLimitStore contract, on both engines: counts per limit, key and
// window; a full window refuses without counting, even when instances add
// at once; forgetting a key clears all its windows; expired rows go.
#include <gtest/gtest.h>

#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class RateLimitStoreContract : public testing::EngineTest {
 protected:
  RateLimitStore& limits() { return store().rate_limits(); }
  static constexpr int64_t kWindow = 60'000;
};

TEST_P(RateLimitStoreContract, CountsPerWindowUpToTheCap) {
  EXPECT_EQ(limits().add_rate_limit_event("l", "k", 0, 2 * kWindow, 2), 1);
  EXPECT_EQ(limits().add_rate_limit_event("l", "k", 0, 2 * kWindow, 2), 2);
  EXPECT_EQ(limits().add_rate_limit_event("l", "k", 0, 2 * kWindow, 2), std::nullopt);
  // A higher cap (the previous window weighs less later on) counts again.
  EXPECT_EQ(limits().add_rate_limit_event("l", "k", 0, 2 * kWindow, 3), 3);
  EXPECT_EQ(limits().add_rate_limit_event("l", "k", 0, 2 * kWindow, 0), std::nullopt);

  EXPECT_EQ(limits().add_rate_limit_event("l", "k", kWindow, 3 * kWindow, 5), 1);
  auto counts = limits().read_rate_limit_counts("l", "k", kWindow, kWindow);
  EXPECT_EQ(counts.previous, 3);
  EXPECT_EQ(counts.current, 1);
  // Two windows on, the old one is no longer read.
  counts = limits().read_rate_limit_counts("l", "k", 2 * kWindow, kWindow);
  EXPECT_EQ(counts.previous, 1);
  EXPECT_EQ(counts.current, 0);
}

TEST_P(RateLimitStoreContract, LimitsAndKeysAreCountedApart) {
  limits().add_rate_limit_event("a", "k", 0, kWindow, 10);
  limits().add_rate_limit_event("b", "k", 0, kWindow, 10);
  limits().add_rate_limit_event("a", "j", 0, kWindow, 10);
  limits().add_rate_limit_event("a", "k", 0, kWindow, 10);
  EXPECT_EQ(limits().read_rate_limit_counts("a", "k", 0, kWindow).current, 2);
  EXPECT_EQ(limits().read_rate_limit_counts("b", "k", 0, kWindow).current, 1);
  EXPECT_EQ(limits().read_rate_limit_counts("a", "j", 0, kWindow).current, 1);
  EXPECT_EQ(limits().read_rate_limit_counts("b", "j", 0, kWindow).current, 0);
}

TEST_P(RateLimitStoreContract, ConcurrentAddsFromTwoInstancesStopAtTheCap) {
  auto other = open_again();
  std::atomic<int> turn{0}, counted{0};
  // Eight threads on two instances add twice each, against a cap of five.
  concurrently([&] {
    Store& s = (turn++ % 2) ? *other : store();
    for (int i = 0; i < 2; ++i)
      if (s.rate_limits().add_rate_limit_event("l", "k", 0, kWindow, 5)) ++counted;
    return true;
  });
  EXPECT_EQ(counted, 5);
  EXPECT_EQ(limits().read_rate_limit_counts("l", "k", 0, kWindow).current, 5);
}

TEST_P(RateLimitStoreContract, ForgetClearsEveryWindowOfTheKeyOnly) {
  limits().add_rate_limit_event("l", "k", 0, 2 * kWindow, 5);
  limits().add_rate_limit_event("l", "k", kWindow, 3 * kWindow, 5);
  limits().add_rate_limit_event("l", "other", kWindow, 3 * kWindow, 5);
  limits().forget_rate_limit_key("l", "k");
  auto counts = limits().read_rate_limit_counts("l", "k", kWindow, kWindow);
  EXPECT_EQ(counts.previous, 0);
  EXPECT_EQ(counts.current, 0);
  EXPECT_EQ(limits().read_rate_limit_counts("l", "other", kWindow, kWindow).current, 1);
}

TEST_P(RateLimitStoreContract, DeletesExpiredRows) {
  limits().add_rate_limit_event("l", "old", 0, 2 * kWindow, 5);
  limits().add_rate_limit_event("l", "new", kWindow, 3 * kWindow, 5);
  EXPECT_EQ(limits().delete_expired_rate_limit_counts(2 * kWindow - 1), 0);
  EXPECT_EQ(limits().delete_expired_rate_limit_counts(2 * kWindow), 1);
  EXPECT_EQ(limits().read_rate_limit_counts("l", "old", 0, kWindow).current, 0);
  EXPECT_EQ(limits().read_rate_limit_counts("l", "new", kWindow, kWindow).current, 1);
}

TEST_P(RateLimitStoreContract, CountsAreNotWritesThatInvalidateCachedReads) {
  const uint64_t before = store().write_generation();
  limits().add_rate_limit_event("l", "k", 0, kWindow, 5);
  limits().forget_rate_limit_key("l", "k");
  limits().delete_expired_rate_limit_counts(kWindow);
  EXPECT_EQ(store().write_generation(), before);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Engines, RateLimitStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace latchkey::store
