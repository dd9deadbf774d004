// EmailStore contract, on both engines: preferences kept per user and
// category and only for existing users; unsubscribe codes found by digest
// alone, used once (also under concurrency), refused when expired, their use
// disabling the category; templates per project and type; the failed-e-mails
// digest with each project's failures and owners.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/crypto.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

constexpr const char* kMarketing = "4f6f8873-3d04-46bd-8bef-18338b1a1b4c";
constexpr const char* kTransactional = "7bb82d33-2f54-4a3d-9d23-82739e0d66ef";

class EmailStoreContract : public testing::UserEngineTest {
 protected:
  EmailStore& emails() { return store().emails(); }

  UnsubscribeCode code(const std::string& digest, int64_t expires_at = 10'000) {
    UnsubscribeCode c;
    c.code_digest = digest;
    c.project_id = project_;
    c.user_id = user_;
    c.category_id = kMarketing;
    c.created_at_millis = 100;
    c.expires_at_millis = expires_at;
    return c;
  }

  void failed_email(const std::string& project, int64_t at, const std::string& subject,
                    bool failed = true) {
    SentEmail e;
    e.id = core::random_uuid();
    e.project_id = project;
    e.sent_at_millis = at;
    e.to = Json::array({"to@example.com"});
    e.subject = subject;
    e.sender_config = Json::object();
    e.error = failed ? Json{{"message", "refused"}} : Json();
    store().sent_emails().insert_sent_email(e);
  }
};

TEST_P(EmailStoreContract, PreferencesAreStoredPerUserAndCategory) {
  EXPECT_TRUE(emails().list_notification_preferences(project_, user_).empty());
  ASSERT_TRUE(emails().set_notification_preference(project_, user_, kMarketing, false, 5));
  ASSERT_TRUE(emails().set_notification_preference(project_, user_, kTransactional, true, 6));
  auto prefs = emails().list_notification_preferences(project_, user_);
  ASSERT_EQ(prefs.size(), 2u);
  for (const auto& p : prefs) EXPECT_EQ(p.enabled, p.category_id == kTransactional);

  // A second write replaces the first.
  ASSERT_TRUE(emails().set_notification_preference(project_, user_, kMarketing, true, 7));
  for (const auto& p : emails().list_notification_preferences(project_, user_))
    EXPECT_TRUE(p.enabled);

  // Another user of the project, and the same user id in another project,
  // are separate.
  std::string other = new_user(project_);
  EXPECT_TRUE(emails().list_notification_preferences(project_, other).empty());
  EXPECT_TRUE(emails().list_notification_preferences(new_project(), user_).empty());
}

TEST_P(EmailStoreContract, PreferencesOfUnknownUsersAreNotWritten) {
  EXPECT_FALSE(
      emails().set_notification_preference(project_, core::random_uuid(), kMarketing, false, 5));
  EXPECT_FALSE(emails().set_notification_preference(new_project(), user_, kMarketing, false, 5));
}

TEST_P(EmailStoreContract, PreferencesGoWithTheirUser) {
  ASSERT_TRUE(emails().set_notification_preference(project_, user_, kMarketing, false, 5));
  ASSERT_TRUE(store().users().delete_user(project_, user_));
  EXPECT_TRUE(emails().list_notification_preferences(project_, user_).empty());
}

TEST_P(EmailStoreContract, AnUnsubscribeCodeIsUsedOnceAndDisablesItsCategory) {
  ASSERT_TRUE(emails().insert_unsubscribe_code(code("digest-1")));
  EXPECT_EQ(emails().use_unsubscribe_code("digest-2", 500), UseUnsubscribeStatus::kNotFound);
  EXPECT_EQ(emails().use_unsubscribe_code("digest-1", 500), UseUnsubscribeStatus::kUnsubscribed);
  auto prefs = emails().list_notification_preferences(project_, user_);
  ASSERT_EQ(prefs.size(), 1u);
  EXPECT_EQ(prefs[0].category_id, kMarketing);
  EXPECT_FALSE(prefs[0].enabled);

  // The user turns it back on; the used link cannot turn it off again.
  ASSERT_TRUE(emails().set_notification_preference(project_, user_, kMarketing, true, 600));
  EXPECT_EQ(emails().use_unsubscribe_code("digest-1", 700), UseUnsubscribeStatus::kAlreadyUsed);
  EXPECT_TRUE(emails().list_notification_preferences(project_, user_)[0].enabled);
}

TEST_P(EmailStoreContract, AnExpiredUnsubscribeCodeChangesNothing) {
  ASSERT_TRUE(emails().insert_unsubscribe_code(code("digest-x", 1000)));
  EXPECT_EQ(emails().use_unsubscribe_code("digest-x", 1001), UseUnsubscribeStatus::kExpired);
  EXPECT_TRUE(emails().list_notification_preferences(project_, user_).empty());
  // Still valid at its expiry instant.
  EXPECT_EQ(emails().use_unsubscribe_code("digest-x", 1000), UseUnsubscribeStatus::kUnsubscribed);
}

TEST_P(EmailStoreContract, UnsubscribeCodesNeedTheirUser) {
  UnsubscribeCode c = code("digest-u");
  c.user_id = core::random_uuid();
  EXPECT_FALSE(emails().insert_unsubscribe_code(c));
  ASSERT_TRUE(emails().insert_unsubscribe_code(code("digest-v")));
  ASSERT_TRUE(store().users().delete_user(project_, user_));
  EXPECT_EQ(emails().use_unsubscribe_code("digest-v", 500), UseUnsubscribeStatus::kNotFound);
}

TEST_P(EmailStoreContract, ConcurrentUsesOfOneCodeUnsubscribeOnce) {
  ASSERT_TRUE(emails().insert_unsubscribe_code(code("digest-c")));
  int won = concurrently([&] {
    return emails().use_unsubscribe_code("digest-c", 500) == UseUnsubscribeStatus::kUnsubscribed;
  });
  EXPECT_EQ(won, 1);
}

TEST_P(EmailStoreContract, TemplatesAreSavedReplacedAndDeletedPerProjectAndType) {
  EXPECT_FALSE(emails().get_email_template(project_, "password_reset"));
  EmailTemplate t{project_, "password_reset", "Reset", Json{{"root", {{"type", "EmailLayout"}}}},
                  9};
  emails().save_email_template(t);
  auto got = emails().get_email_template(project_, "password_reset");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->subject, "Reset");
  EXPECT_EQ(got->content, t.content);
  EXPECT_EQ(got->updated_at_millis, 9);

  t.subject = "Reset again";
  t.content = Json::object();
  emails().save_email_template(t);
  emails().save_email_template({project_, "magic_link", "Sign in", Json::object(), 10});
  auto all = emails().list_email_templates(project_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].type, "magic_link");
  EXPECT_EQ(all[1].subject, "Reset again");
  EXPECT_TRUE(emails().list_email_templates(new_project()).empty());

  EXPECT_TRUE(emails().delete_email_template(project_, "password_reset"));
  EXPECT_FALSE(emails().delete_email_template(project_, "password_reset"));
  EXPECT_FALSE(emails().get_email_template(project_, "password_reset"));
  EXPECT_TRUE(emails().get_email_template(project_, "magic_link"));
}

TEST_P(EmailStoreContract, TheDigestListsRecentFailuresWithTheProjectsOwners) {
  Project internal;
  internal.id = "internal";
  internal.display_name = "Stack Dashboard";
  internal.config = Json::object();
  store().projects().insert_project(internal);
  const std::string quiet = new_project();
  // Two owners with an address, one owner without, one user who owns
  // another project whose id contains this one's as text.
  new_user("internal", {.primary_email = "a@example.com",
                        .server_metadata = Json{{"managedProjectIds", {project_, quiet}}}});
  new_user("internal", {.primary_email = "b@example.com",
                        .server_metadata = Json{{"managedProjectIds", {project_}}}});
  new_user("internal", {.server_metadata = Json{{"managedProjectIds", {project_}}}});
  new_user("internal",
           {.primary_email = "c@example.com",
            .server_metadata = Json{{"managedProjectIds", {project_ + "x"}}, {"note", project_}}});

  failed_email(project_, 50, "too old");
  failed_email(project_, 150, "first");
  failed_email(project_, 160, "delivered", false);
  failed_email(project_, 170, "second");
  failed_email(quiet, 140, "delivered", false);

  auto digests = emails().failed_emails_since(100);
  ASSERT_EQ(digests.size(), 1u);
  EXPECT_EQ(digests[0].project_id, project_);
  ASSERT_EQ(digests[0].failures.size(), 2u);
  EXPECT_EQ(digests[0].failures[0].subject, "first");
  EXPECT_EQ(digests[0].failures[1].subject, "second");
  EXPECT_EQ(digests[0].failures[0].to, Json::array({"to@example.com"}));
  auto owners = digests[0].owner_emails;
  std::sort(owners.begin(), owners.end());
  EXPECT_EQ(owners, (std::vector<std::string>{"a@example.com", "b@example.com"}));

  // A deleted project's failures go with it.
  ASSERT_TRUE(store().projects().delete_project(project_));
  EXPECT_TRUE(emails().failed_emails_since(100).empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, EmailStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
