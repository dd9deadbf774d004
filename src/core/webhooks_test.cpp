#include "core/webhooks.hpp"

#include <gtest/gtest.h>

#include "core/oauth/http_client.hpp"

namespace latchkey::core::webhooks {
namespace {

// The example of Svix's documentation and libraries ("verifying payloads").
TEST(WebhookSignature, MatchesSvixReferenceExample) {
  EXPECT_EQ(signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                      1614265330, R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignature, RefusesSecretsNotOfSvixForm) {
  EXPECT_FALSE(signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_x", 1, "{}"));
  EXPECT_FALSE(signature("whsec_", "msg_x", 1, "{}"));
  EXPECT_FALSE(signature("whsec_!!!", "msg_x", 1, "{}"));
}

TEST(WebhookIds, HaveSvixLengthAndSortByTime) {
  auto a = svix_id("msg", 1750000000000);
  auto b = svix_id("msg", 1750000000001);
  EXPECT_EQ(a.size(), 4u + 27u);
  EXPECT_EQ(a.rfind("msg_", 0), 0u);
  EXPECT_LT(a, b);
  EXPECT_NE(svix_id("msg", 5), svix_id("msg", 5));
}

TEST(WebhookSecrets, AreWhsecWith24Bytes) {
  auto s = new_endpoint_secret();
  EXPECT_EQ(s.rfind("whsec_", 0), 0u);
  EXPECT_EQ(s.size(), 6u + 32u);
  EXPECT_NE(s, new_endpoint_secret());
}

TEST(WebhookRetries, FollowSvixSchedule) {
  const int64_t s = 1000, m = 60 * s, h = 60 * m;
  std::vector<int64_t> got;
  for (int failed = 1; auto d = retry_delay_millis(failed); ++failed) got.push_back(*d);
  EXPECT_EQ(got, (std::vector<int64_t>{5 * s, 5 * m, 30 * m, 2 * h, 5 * h, 10 * h, 10 * h}));
}

TEST(WebhookEvents, PayloadIsTypeAndData) {
  auto e = event("p", kTeamDeleted, Json{{"id", "t"}});
  EXPECT_EQ(Json::parse(e.payload), (Json{{"type", "team.deleted"}, {"data", {{"id", "t"}}}}));
  EXPECT_EQ(e.project_id, "p");
  EXPECT_EQ(e.id.size(), 31u);
}

TEST(OutboundAddresses, OnlyPublicOnesPass) {
  for (const char* ip :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "not an ip"})
    EXPECT_FALSE(oauth::is_public_address(ip)) << ip;
  for (const char* ip :
       {"93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"})
    EXPECT_TRUE(oauth::is_public_address(ip)) << ip;
}

}  // namespace
}  // namespace latchkey::core::webhooks
