#include "mail/smtp.hpp"

#include <gtest/gtest.h>

namespace latchkey::mail {
namespace {

TEST(SmtpHost, OnlyPlainHostsAndLiterals) {
  EXPECT_TRUE(is_valid_smtp_host("smtp.example.com"));
  EXPECT_TRUE(is_valid_smtp_host("127.0.0.1"));
  EXPECT_TRUE(is_valid_smtp_host("[::1]"));
  EXPECT_FALSE(is_valid_smtp_host(""));
  EXPECT_FALSE(is_valid_smtp_host("evil.com/path"));
  EXPECT_FALSE(is_valid_smtp_host("user@evil.com"));
  EXPECT_FALSE(is_valid_smtp_host("a b"));
  EXPECT_FALSE(is_valid_smtp_host("[::1"));
  EXPECT_FALSE(is_valid_smtp_host("host:25"));
}

TEST(SmtpSend, RejectsBadServersWithoutConnecting) {
  SmtpServer s{"bad/host", 25, "", ""};
  auto r = smtp_send(s, "a@b.c", "c@d.e", "x");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "Invalid SMTP host: bad/host");
  s = {"127.0.0.1", 0, "", ""};
  r = smtp_send(s, "a@b.c", "c@d.e", "x");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "Invalid SMTP port: 0");
}

}  // namespace
}  // namespace latchkey::mail
