#include "core/rate_limits.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/project_rate_limits.hpp"

namespace latchkey::core {
namespace {

constexpr int64_t kWindow = 60'000;

TEST(WindowLimitFlag, ParsesCountSlashWindow) {
  auto l = parse_window_limit("10/15min");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->max, 10);
  EXPECT_EQ(l->window_millis, 15 * 60'000);
  EXPECT_EQ(format_window_limit(*l), "10/15min");
  EXPECT_EQ(format_window_limit(*parse_window_limit("5/30s")), "5/30s");
  EXPECT_EQ(format_window_limit(*parse_window_limit("7/2h")), "7/2h");
  EXPECT_FALSE(parse_window_limit("0")->enabled());
  EXPECT_FALSE(parse_window_limit("0/1h")->enabled());
  EXPECT_EQ(format_window_limit(WindowLimit{}), "0");
  for (const char* bad : {"", "10", "10/", "/1h", "x/1h", "-1/1h", "10/0s", "10/soon", "1.5/1h"})
    EXPECT_FALSE(parse_window_limit(bad)) << bad;
}

TEST(SlidingWindow, AllowsMaxEventsThenWaitsForTheOldestToLeave) {
  SlidingWindow w({3, kWindow});
  EXPECT_EQ(w.try_record("k", 1000), 0);
  EXPECT_EQ(w.try_record("k", 2000), 0);
  EXPECT_EQ(w.try_record("k", 3000), 0);
  // Full: the event at 1000 leaves at 61000.
  EXPECT_EQ(w.try_record("k", 4000), 57'000);
  EXPECT_EQ(w.wait_millis("k", 60'999), 1);
  EXPECT_EQ(w.wait_millis("k", 61'000), 0);
  EXPECT_EQ(w.try_record("k", 61'000), 0);
  // Refused attempts were not counted: the window slides, not restarts.
  EXPECT_EQ(w.try_record("k", 61'001), 999);  // the event at 2000 leaves at 62000
}

TEST(SlidingWindow, KeysAreCountedApart) {
  SlidingWindow w({1, kWindow});
  EXPECT_EQ(w.try_record("a", 0), 0);
  EXPECT_GT(w.try_record("a", 1), 0);
  EXPECT_EQ(w.try_record("b", 1), 0);
}

TEST(SlidingWindow, ForgetClearsAKey) {
  SlidingWindow w({2, kWindow});
  w.record("k", 0);
  w.record("k", 1);
  EXPECT_GT(w.wait_millis("k", 2), 0);
  w.forget("k");
  EXPECT_EQ(w.wait_millis("k", 2), 0);
}

TEST(SlidingWindow, RecordKeepsOnlyTheLastMaxEvents) {
  SlidingWindow w({2, kWindow});
  for (int64_t t = 0; t < 100; ++t) w.record("k", t);
  // The last two (98, 99) decide: one more fits at 98 + window.
  EXPECT_EQ(w.wait_millis("k", 100), kWindow + 98 - 100);
}

TEST(SlidingWindow, ADisabledLimitNeverWaits) {
  SlidingWindow w({0, kWindow});
  for (int i = 0; i < 10; ++i) EXPECT_EQ(w.try_record("k", 0), 0);
  EXPECT_EQ(w.size(), 0u);
}

TEST(SlidingWindow, ExpiredKeysAreSweptSoMemoryFollowsOneWindow) {
  SlidingWindow w({1, kWindow});
  for (int i = 0; i < 20'000; ++i) w.record("old" + std::to_string(i), 0);
  for (int i = 0; i < 20'000; ++i) w.record("new" + std::to_string(i), 10 * kWindow);
  EXPECT_LE(w.size(), 20'000u + 32 * 1024u);
  EXPECT_LT(w.size(), 40'000u);
}

TEST(SlidingWindow, AClockMovedBackKeepsEventsInOrder) {
  SlidingWindow w({2, kWindow});
  w.record("k", 5000);
  w.record("k", 1000);
  EXPECT_EQ(w.wait_millis("k", 5000), 1000 + kWindow - 5000);
}

class RateLimitsTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  RateLimitOptions options() {
    RateLimitOptions o;
    o.sign_in_failures_per_account = {5, kWindow};
    o.sign_in_failures_per_account_ip = {2, kWindow};
    o.totp_failures_per_user = {3, kWindow};
    o.emails_per_address = {2, kWindow};
    o.code_sends_per_ip = {2, kWindow};
    o.sign_ups_per_ip = {2, kWindow};
    return o;
  }
};

int64_t retry_after_seconds(const std::function<void()>& f) {
  try {
    f();
  } catch (const KnownError& e) {
    EXPECT_EQ(e.status(), 429);
    EXPECT_EQ(e.code(), "TOO_MANY_REQUESTS");
    return e.details().at("retry_after_seconds").get<int64_t>();
  }
  return 0;
}

TEST_F(RateLimitsTest, PasswordFailuresFromOneAddressStopThatAddressFirst) {
  RateLimits l(options(), clock_);
  l.password_failed("p", "a@x.io", "10.0.0.1");
  l.password_failed("p", "a@x.io", "10.0.0.1");
  EXPECT_EQ(retry_after_seconds([&] { l.check_password("p", "a@x.io", "10.0.0.1"); }), 60);
  // The owner elsewhere, other accounts and other projects are unaffected.
  EXPECT_NO_THROW(l.check_password("p", "a@x.io", "10.0.0.2"));
  EXPECT_NO_THROW(l.check_password("p", "b@x.io", "10.0.0.1"));
  EXPECT_NO_THROW(l.check_password("q", "a@x.io", "10.0.0.1"));
  clock_.advance(kWindow);
  EXPECT_NO_THROW(l.check_password("p", "a@x.io", "10.0.0.1"));
}

TEST_F(RateLimitsTest, ManyAddressesReachTheAccountLimit) {
  RateLimits l(options(), clock_);
  for (int i = 0; i < 5; ++i) l.password_failed("p", "a@x.io", "10.0.0." + std::to_string(i));
  EXPECT_GT(retry_after_seconds([&] { l.check_password("p", "a@x.io", "10.9.9.9"); }), 0);
}

TEST_F(RateLimitsTest, SuccessForgetsTheAddressFailuresButNotTheAccountTotal) {
  RateLimits l(options(), clock_);
  l.password_failed("p", "a@x.io", "10.0.0.1");
  l.password_failed("p", "a@x.io", "10.0.0.1");
  l.password_succeeded("p", "a@x.io", "10.0.0.1");
  EXPECT_NO_THROW(l.check_password("p", "a@x.io", "10.0.0.1"));
  for (int i = 0; i < 3; ++i) l.password_failed("p", "a@x.io", "10.0.0.9");
  l.password_succeeded("p", "a@x.io", "10.0.0.9");
  EXPECT_GT(retry_after_seconds([&] { l.check_password("p", "a@x.io", "10.0.0.1"); }), 0);
}

TEST_F(RateLimitsTest, TotpFailuresCountPerUser) {
  RateLimits l(options(), clock_);
  for (int i = 0; i < 3; ++i) l.totp_failed("p", "u1");
  EXPECT_GT(retry_after_seconds([&] { l.check_totp("p", "u1"); }), 0);
  EXPECT_NO_THROW(l.check_totp("p", "u2"));
  l.totp_succeeded("p", "u1");
  EXPECT_NO_THROW(l.check_totp("p", "u1"));
}

TEST_F(RateLimitsTest, CountsRefuseOnceFullAndRoundTheWaitUp) {
  RateLimits l(options(), clock_);
  l.count_email("p", "a@x.io");
  clock_.advance(500);
  l.count_email("p", "a@x.io");
  // 59.5 s to wait: Retry-After says 60.
  EXPECT_EQ(retry_after_seconds([&] { l.count_email("p", "a@x.io"); }), 60);
  EXPECT_NO_THROW(l.count_email("p", "b@x.io"));
  l.count_sign_up("p", "1.2.3.4");
  l.count_sign_up("p", "1.2.3.4");
  EXPECT_GT(retry_after_seconds([&] { l.count_sign_up("p", "1.2.3.4"); }), 0);
  l.count_code_send("1.2.3.4");
  l.count_code_send("1.2.3.4");
  EXPECT_GT(retry_after_seconds([&] { l.count_code_send("1.2.3.4"); }), 0);
}

TEST_F(RateLimitsTest, AProjectsOwnLimitReplacesTheServersForThatProjectOnly) {
  RateLimits l(options(), clock_);
  Json config = Json::object();
  set_project_rate_limit(config, Limit::kSignInFailuresPerAccountIp, WindowLimit{4, 2 * kWindow});
  set_project_rate_limit(config, Limit::kEmailsPerAddress, WindowLimit{1, kWindow});
  const LimitScope p{"p", config};
  for (int i = 0; i < 3; ++i) l.password_failed(p, "a@x.io", "10.0.0.1");
  // The server's 2 would have stopped it; the project's 4 does not yet.
  EXPECT_NO_THROW(l.check_password(p, "a@x.io", "10.0.0.1"));
  l.password_failed(p, "a@x.io", "10.0.0.1");
  EXPECT_EQ(retry_after_seconds([&] { l.check_password(p, "a@x.io", "10.0.0.1"); }), 120);
  // Another project keeps the server's limit.
  l.password_failed("q", "a@x.io", "10.0.0.1");
  l.password_failed("q", "a@x.io", "10.0.0.1");
  EXPECT_GT(retry_after_seconds([&] { l.check_password("q", "a@x.io", "10.0.0.1"); }), 0);
  l.count_email(p, "a@x.io");
  EXPECT_GT(retry_after_seconds([&] { l.count_email(p, "a@x.io"); }), 0);
  EXPECT_NO_THROW(l.count_email("q", "a@x.io"));
  EXPECT_NO_THROW(l.count_email("q", "a@x.io"));
}

TEST(ProjectRateLimits, BoundsAndView) {
  EXPECT_TRUE(parse_project_rate_limit("1/1s"));
  EXPECT_TRUE(parse_project_rate_limit("1000000/24h"));
  for (const char* bad : {"0", "off", "0/1h", "1000001/1h", "5/25h", "5/500ms", "x", ""})
    EXPECT_FALSE(parse_project_rate_limit(bad)) << bad;
  RateLimitOptions server;
  Json config = Json::object();
  set_project_rate_limit(config, Limit::kSignUpsPerIp, WindowLimit{50, 3600'000});
  Json view = project_rate_limits_view(config, server);
  EXPECT_EQ(view["sign_ups_per_ip"]["effective"], "50/1h");
  EXPECT_EQ(view["sign_ups_per_ip"]["server_default"], "2000/10min");
  EXPECT_EQ(view["sign_ups_per_ip"]["project_override"], "50/1h");
  EXPECT_TRUE(view["emails_per_address"]["project_override"].is_null());
  EXPECT_FALSE(view.contains("code_sends_per_ip"));  // server-wide only
  set_project_rate_limit(config, Limit::kSignUpsPerIp, std::nullopt);
  EXPECT_FALSE(config.contains(kProjectRateLimits));
  // A stored value that is not a valid limit counts as none.
  config[kProjectRateLimits] = Json{{"sign_ups_per_ip", "0"}};
  EXPECT_FALSE(project_rate_limit(config, Limit::kSignUpsPerIp));
}

TEST(SlidingWindow, ALimitLoweredAfterTheFactWaitsForEnoughEventsToLeave) {
  SlidingWindow w;
  for (int64_t t = 0; t < 4; ++t) w.record("k", WindowLimit{4, kWindow}, t * 1000);
  // Four events in the window, limit now 2: one more fits when three left.
  EXPECT_EQ(w.wait_millis("k", WindowLimit{2, kWindow}, 5000), 2000 + kWindow - 5000);
}

}  // namespace
}  // namespace latchkey::core
