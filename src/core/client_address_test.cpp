#include "core/client_address.hpp"

#include <gtest/gtest.h>

namespace latchkey::core {
namespace {

TEST(IpNetwork, ParsesAddressesAndCidrsOfBothFamilies) {
  auto v4 = IpNetwork::parse("10.0.0.0/8");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->contains("10.1.2.3"));
  EXPECT_FALSE(v4->contains("11.0.0.1"));
  auto one = IpNetwork::parse("127.0.0.1");
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->contains("127.0.0.1"));
  EXPECT_FALSE(one->contains("127.0.0.2"));
  auto v6 = IpNetwork::parse("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains("fd12::1"));
  EXPECT_FALSE(v6->contains("fe80::1"));
  EXPECT_FALSE(v6->contains("10.0.0.1"));
  EXPECT_TRUE(IpNetwork::parse("0.0.0.0/0")->contains("8.8.8.8"));
}

TEST(IpNetwork, RefusesWhatIsNotANetwork) {
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0/8", "x", "10.0.0.1/", "1.2.3.4/-1"})
    EXPECT_FALSE(IpNetwork::parse(bad)) << bad;
  EXPECT_THROW(parse_networks("10.0.0.0/8,nope"), std::invalid_argument);
  EXPECT_EQ(parse_networks(" 10.0.0.0/8 , ::1 ,").size(), 2u);
}

TEST(ClientAddress, ThePeerUnlessItIsATrustedProxy) {
  auto trusted = parse_networks("127.0.0.1,10.0.0.0/8");
  EXPECT_EQ(client_address("203.0.113.9", "1.1.1.1", trusted), "203.0.113.9");
  EXPECT_EQ(client_address("127.0.0.1", std::nullopt, trusted), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "198.51.100.7", trusted), "198.51.100.7");
  // No trusted proxies: the header is never believed.
  EXPECT_EQ(client_address("127.0.0.1", "198.51.100.7", {}), "127.0.0.1");
}

TEST(ClientAddress, TheRightMostUntrustedHopWins) {
  auto trusted = parse_networks("127.0.0.1,10.0.0.0/8");
  // The client wrote "6.6.6.6" itself; the trusted chain saw 198.51.100.7.
  EXPECT_EQ(client_address("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.5", trusted),
            "198.51.100.7");
  // A malformed hop ends the chain at the last good one.
  EXPECT_EQ(client_address("127.0.0.1", "198.51.100.7, garbage", trusted), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "10.0.0.5", trusted), "10.0.0.5");
}

TEST(RateLimitKey, Ipv6CountsPerSlash64) {
  EXPECT_EQ(rate_limit_key("203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(rate_limit_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(rate_limit_key("2001:db8:1:2:bbbb::2"), "2001:db8:1:2::/64");
  EXPECT_EQ(rate_limit_key("not an ip"), "not an ip");
}

}  // namespace
}  // namespace latchkey::core
