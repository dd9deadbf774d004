// The SMTP test's answers for each kind of failure (Stack's texts) and the
// cron secret check.
#include "core/email_operations.hpp"

#include <gtest/gtest.h>

namespace latchkey::core {
namespace {

std::string message(mail::SmtpFailure f, const std::string& error = "550 no") {
  mail::SmtpOutcome o;
  o.failure = f;
  o.error = error;
  return test_email_error_message(o);
}

TEST(TestEmailMessages, EachFailureHasStacksText) {
  using F = mail::SmtpFailure;
  EXPECT_EQ(message(F::kHostNotFound),
            "Failed to connect to the email host. Please make sure the email host configuration is "
            "correct.");
  EXPECT_EQ(message(F::kAuth),
            "Failed to authenticate with the email server. Please check your email credentials "
            "configuration.");
  EXPECT_EQ(message(F::kTimeout),
            "Timed out while sending test email. Make sure the email server is running and "
            "accepting connections.");
  EXPECT_EQ(message(F::kOther),
            "Unknown error while sending test email. Make sure the email server is running and "
            "accepting connections.");
  EXPECT_EQ(message(F::kMessageRejected, "message refused"),
            "Email server rejected the email: message refused");
  EXPECT_EQ(message(F::kInvalidAddress, "RCPT failed: 553"),
            "The email address provided is invalid. Please verify both the recipient and sender "
            "email addresses configuration are correct.\n\nError:\nResponse from the email "
            "server:\nRCPT failed: 553");
  EXPECT_EQ(message(F::kRejected, "x").rfind("The email server rejected the email. ", 0), 0u);
  EXPECT_EQ(message(F::kTemporary, "x").rfind("The email server returned a temporary error.", 0),
            0u);
  EXPECT_EQ(
      message(F::kConnectionLost).rfind("Connection to email server was lost unexpectedly.", 0),
      0u);
}

TEST(CronSecret, OnlyTheExactBearerHeaderIsAuthorized) {
  EXPECT_TRUE(is_cron_authorized(std::string("s3cret"), "Bearer s3cret"));
  EXPECT_FALSE(is_cron_authorized(std::string("s3cret"), "Bearer s3cre"));
  EXPECT_FALSE(is_cron_authorized(std::string("s3cret"), "bearer s3cret"));
  EXPECT_FALSE(is_cron_authorized(std::string("s3cret"), "s3cret"));
  EXPECT_FALSE(is_cron_authorized(std::nullopt, "Bearer "));
  EXPECT_FALSE(is_cron_authorized(std::string(), "Bearer "));
}

}  // namespace
}  // namespace latchkey::core
