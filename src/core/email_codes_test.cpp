#include "core/email_codes.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "core/crypto.hpp"
#include "core/projects.hpp"

namespace latchkey::core {
namespace {

// A loopback port with nothing listening (bound once, then released).
int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class EmailCodes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-email-codes-test-" + random_uuid());
    std::filesystem::create_directories(dir_);
    db_path_ = (dir_ / "test.db").string();
    store_ = store::open_store(db_path_);
    store_->migrate();
    NewProject np;
    np.display_name = "Mail Test";
    project_ = *store_->projects().get_project(create_project(*store_, clock_, np).id);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  int64_t count(const char* table) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db_path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    std::string sql = std::string("SELECT COUNT(*) FROM ") + table;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(s), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
  }

  CodeEmail magic_link(const std::string& to) {
    CodeEmail e;
    e.code.type = CodeType::kOneTimePassword;
    e.code.method = Json{{"email", to}};
    e.template_type = mail::TemplateType::kMagicLink;
    e.vars = {{"projectDisplayName", project_.display_name}};
    e.link_var = "magicLink";
    e.recipient = to;
    e.callback_url = "http://localhost:3000/cb?keep=1";
    return e;
  }

  std::filesystem::path dir_;
  std::string db_path_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  store::Project project_;
};

TEST_F(EmailCodes, LogOnlyDeliveryKeepsTheCodeAndLogsRedacted) {
  mail::Mailer mailer(mail::SharedSmtpSettings{}, *store_, clock_);  // no host: log only
  auto issued = send_code_email({*store_, clock_, mailer}, project_, "main", magic_link("a@b.c"));
  EXPECT_EQ(count("verification_codes"), 1);
  auto rows = store_->sent_emails().list_sent_emails(project_.id, 100);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].to, Json::array({"a@b.c"}));
  EXPECT_EQ(rows[0].subject, "Sign in to Mail Test: Your code is " + otp_of(issued.code));
  EXPECT_TRUE(rows[0].error.is_null());
  EXPECT_EQ(rows[0].sender_config["type"], "shared");
  // The stored bodies never hold the usable code.
  EXPECT_EQ(rows[0].text.find(issued.code), std::string::npos);
  EXPECT_EQ(rows[0].html.find(issued.code), std::string::npos);
  EXPECT_NE(rows[0].text.find("http://localhost:3000/cb?keep=1&code=[redacted]"),
            std::string::npos);
  // And the code works.
  use_code(*store_, clock_, project_.id, "main", CodeType::kOneTimePassword, issued.code);
}

TEST_F(EmailCodes, FailedDeliveryLeavesNoCode) {
  mail::SharedSmtpSettings smtp;
  smtp.host = "127.0.0.1";
  smtp.port = closed_port();
  smtp.sender = "noreply@example.com";
  mail::Mailer mailer(smtp, *store_, clock_);
  EXPECT_THROW(send_code_email({*store_, clock_, mailer}, project_, "main", magic_link("a@b.c")),
               mail::DeliveryError);
  EXPECT_EQ(count("verification_codes"), 0);
  // The attempt is logged with its error (a refused connection is not
  // retried).
  auto rows = store_->sent_emails().list_sent_emails(project_.id, 100);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_TRUE(rows[0].error.is_object());
  EXPECT_FALSE(rows[0].error.value("message", "").empty());
  EXPECT_EQ(rows[0].sender_config["port"], *smtp.port);
  EXPECT_FALSE(rows[0].sender_config.contains("password"));
}

TEST_F(EmailCodes, MisconfiguredSharedServerFailsWithoutCode) {
  mail::SharedSmtpSettings smtp;
  smtp.host = "127.0.0.1";
  smtp.problems = {"STACK_EMAIL_SENDER is not set"};
  mail::Mailer mailer(smtp, *store_, clock_);
  try {
    send_code_email({*store_, clock_, mailer}, project_, "main", magic_link("a@b.c"));
    FAIL() << "no throw";
  } catch (const mail::DeliveryError& e) {
    EXPECT_NE(std::string(e.what()).find("STACK_EMAIL_SENDER is not set"), std::string::npos);
  }
  EXPECT_EQ(count("verification_codes"), 0);
}

TEST_F(EmailCodes, StandardConfigUsesTheProjectServer) {
  project_.config["email_config"] = Json{{"type", "standard"},
                                         {"host", "127.0.0.1"},
                                         {"port", closed_port()},
                                         {"username", "u"},
                                         {"password", "secret-password"},
                                         {"sender_name", "Custom"},
                                         {"sender_email", "custom@example.com"}};
  mail::Mailer mailer(mail::SharedSmtpSettings{}, *store_, clock_);  // shared would log only
  EXPECT_THROW(send_code_email({*store_, clock_, mailer}, project_, "main", magic_link("a@b.c")),
               mail::DeliveryError);
  auto rows = store_->sent_emails().list_sent_emails(project_.id, 100);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].sender_config["type"], "standard");
  EXPECT_EQ(rows[0].sender_config["sender_name"], "Custom");
  EXPECT_EQ(rows[0].sender_config.dump().find("secret-password"), std::string::npos);
}

TEST(SharedSmtpSettings, FromEnvironment) {
  ::unsetenv("STACK_EMAIL_HOST");
  ::unsetenv("STACK_EMAIL_PORT");
  ::unsetenv("STACK_EMAIL_SENDER");
  EXPECT_TRUE(mail::SharedSmtpSettings::from_env().log_only());
  ::setenv("STACK_EMAIL_HOST", "127.0.0.1", 1);
  auto s = mail::SharedSmtpSettings::from_env();
  EXPECT_FALSE(s.log_only());
  EXPECT_EQ(s.problems, (std::vector<std::string>{"STACK_EMAIL_PORT is not set",
                                                  "STACK_EMAIL_SENDER is not set"}));
  ::setenv("STACK_EMAIL_PORT", "99999", 1);
  ::setenv("STACK_EMAIL_SENDER", "noreply@example.com", 1);
  s = mail::SharedSmtpSettings::from_env();
  EXPECT_EQ(s.problems, (std::vector<std::string>{"STACK_EMAIL_PORT is not a port number: 99999"}));
  ::setenv("STACK_EMAIL_PORT", "2500", 1);
  s = mail::SharedSmtpSettings::from_env();
  EXPECT_TRUE(s.problems.empty());
  EXPECT_EQ(*s.port, 2500);
  ::unsetenv("STACK_EMAIL_HOST");
  ::unsetenv("STACK_EMAIL_PORT");
  ::unsetenv("STACK_EMAIL_SENDER");
}

}  // namespace
}  // namespace latchkey::core
