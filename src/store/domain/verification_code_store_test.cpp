// VerificationCodeStore and SentEmailStore contracts, on both engines: codes
// are unique per digest, found by type and digest, count attempts across
// their nonce group (each concurrent attempt its own count), are used once
// even under concurrency, and go with their project; sent e-mails are listed
// newest first, up to a limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "core/crypto.hpp"
#include "store/sql/sql.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class VerificationCodeStoreContract : public testing::ProjectEngineTest {
 protected:
  VerificationCode code(const std::string& type = "ONE_TIME_PASSWORD",
                        const std::string& nonce = "nonce") {
    VerificationCode v;
    v.id = core::random_uuid();
    v.project_id = project_;
    v.branch_id = "main";
    v.type = type;
    v.code_digest = core::random_uuid();
    v.nonce_digest = nonce;
    v.method = Json{{"email", "a@example.com"}};
    v.data = Json{{"user_id", "u1"}, {"n", 3}};
    v.created_at_millis = 1000;
    v.expires_at_millis = 61000;
    return v;
  }

  std::optional<VerificationCode> find(const VerificationCode& v,
                                       const std::optional<std::string>& nonce = std::nullopt) {
    return codes().find_and_count_attempt(v.project_id, v.branch_id, v.type, v.code_digest, nonce);
  }

  VerificationCodeStore& codes() { return store().verification_codes(); }
};

TEST_P(VerificationCodeStoreContract, ACodeIsFoundByTypeAndDigestWithEveryField) {
  VerificationCode v = code();
  v.redirect_url = "https://app.example.com/verify";
  ASSERT_TRUE(codes().insert_code(v));
  auto got = find(v);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, v.id);
  EXPECT_EQ(got->project_id, project_);
  EXPECT_EQ(got->branch_id, "main");
  EXPECT_EQ(got->type, "ONE_TIME_PASSWORD");
  EXPECT_EQ(got->code_digest, v.code_digest);
  EXPECT_EQ(got->nonce_digest, "nonce");
  EXPECT_EQ(got->redirect_url, "https://app.example.com/verify");
  EXPECT_EQ(got->method, v.method);
  EXPECT_EQ(got->data, v.data);
  EXPECT_EQ(got->created_at_millis, 1000);
  // Expiry is the caller's to judge: the stored time comes back as written.
  EXPECT_EQ(got->expires_at_millis, 61000);
  EXPECT_FALSE(got->used_at_millis);
  EXPECT_EQ(got->attempt_count, 0);

  VerificationCode other_type = v;
  other_type.type = "PASSWORD_RESET";
  EXPECT_FALSE(find(other_type));
  VerificationCode other_branch = v;
  other_branch.branch_id = "dev";
  EXPECT_FALSE(find(other_branch));
  VerificationCode unknown = v;
  unknown.code_digest = "unknown";
  EXPECT_FALSE(find(unknown));

  // Already-used codes and attempt counts given at insertion are kept.
  VerificationCode used = code();
  used.redirect_url = std::nullopt;
  used.used_at_millis = 5;
  used.attempt_count = 2;
  ASSERT_TRUE(codes().insert_code(used));
  got = find(used);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->redirect_url);
  EXPECT_EQ(got->used_at_millis, 5);
  EXPECT_EQ(got->attempt_count, 2);
}

TEST_P(VerificationCodeStoreContract, ADuplicateDigestOrIdWritesNothing) {
  VerificationCode v = code();
  ASSERT_TRUE(codes().insert_code(v));

  VerificationCode same_digest = code("PASSWORD_RESET");
  same_digest.code_digest = v.code_digest;
  EXPECT_FALSE(codes().insert_code(same_digest));
  auto got = find(v);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, v.id);

  VerificationCode same_id = code();
  same_id.id = v.id;
  EXPECT_FALSE(codes().insert_code(same_id));
  EXPECT_FALSE(find(same_id));

  // The digest is unique per project and branch only.
  VerificationCode other_branch = code();
  other_branch.code_digest = v.code_digest;
  other_branch.branch_id = "dev";
  EXPECT_TRUE(codes().insert_code(other_branch));
  VerificationCode other_project = code();
  other_project.project_id = new_project();
  other_project.id = v.id;
  other_project.code_digest = v.code_digest;
  EXPECT_TRUE(codes().insert_code(other_project));

  // A missing project is an error, not a duplicate.
  VerificationCode orphan = code();
  orphan.project_id = core::random_uuid();
  EXPECT_THROW(codes().insert_code(orphan), sql::ConstraintError);
}

TEST_P(VerificationCodeStoreContract, AnAttemptCountsAgainstTheWholeNonceGroup) {
  VerificationCode link = code("ONE_TIME_PASSWORD", "shared");
  VerificationCode otp = code("MAGIC_LINK", "shared");
  VerificationCode unrelated = code("ONE_TIME_PASSWORD", "other");
  VerificationCode other_branch = code("ONE_TIME_PASSWORD", "shared");
  other_branch.branch_id = "dev";
  for (auto* v : {&link, &otp, &unrelated, &other_branch}) ASSERT_TRUE(codes().insert_code(*v));

  // Reported with the count from before the attempt, which is counted.
  EXPECT_EQ(find(link, "shared")->attempt_count, 0);
  EXPECT_EQ(find(link, "shared")->attempt_count, 1);
  // Without a nonce nothing is counted.
  EXPECT_EQ(find(link)->attempt_count, 2);
  EXPECT_EQ(find(link)->attempt_count, 2);
  // The other code of the group counted too (any type).
  EXPECT_EQ(find(otp)->attempt_count, 2);
  // A wrong guess (no such code) still counts against the group.
  VerificationCode guess = link;
  guess.code_digest = "wrong";
  EXPECT_FALSE(find(guess, "shared"));
  EXPECT_EQ(find(otp)->attempt_count, 3);
  // A code outside the nonce group is reported as it is.
  EXPECT_EQ(find(unrelated, "shared")->attempt_count, 0);
  EXPECT_EQ(find(otp)->attempt_count, 4);
  EXPECT_EQ(find(unrelated)->attempt_count, 0);
  EXPECT_EQ(find(other_branch)->attempt_count, 0);
}

TEST_P(VerificationCodeStoreContract, ConcurrentAttemptsEachGetTheirOwnCount) {
  VerificationCode v = code("ONE_TIME_PASSWORD", "n");
  ASSERT_TRUE(codes().insert_code(v));
  std::mutex m;
  std::vector<int64_t> seen;
  concurrently([&] {
    auto got = find(v, "n");
    std::lock_guard lock(m);
    seen.push_back(got ? got->attempt_count : -1);
    return true;
  });
  std::sort(seen.begin(), seen.end());
  std::vector<int64_t> expected;
  for (int i = 0; i < kThreads; ++i) expected.push_back(i);
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(find(v)->attempt_count, kThreads);
}

TEST_P(VerificationCodeStoreContract, ACodeIsUsedOnce) {
  VerificationCode v = code();
  ASSERT_TRUE(codes().insert_code(v));
  EXPECT_FALSE(codes().mark_used(new_project(), v.id, 10));  // another project's id
  EXPECT_TRUE(codes().mark_used(project_, v.id, 10));
  EXPECT_FALSE(codes().mark_used(project_, v.id, 20));
  EXPECT_EQ(find(v)->used_at_millis, 10);
  EXPECT_FALSE(codes().mark_used(project_, core::random_uuid(), 10));
}

TEST_P(VerificationCodeStoreContract, ConcurrentUsesLetOneWin) {
  VerificationCode v = code();
  ASSERT_TRUE(codes().insert_code(v));
  std::atomic<int64_t> when{100};
  EXPECT_EQ(concurrently([&] { return codes().mark_used(project_, v.id, when++); }), 1);
  auto used = find(v)->used_at_millis;
  ASSERT_TRUE(used);
  EXPECT_GE(*used, 100);
}

TEST_P(VerificationCodeStoreContract, DeletedCodesAndProjectsTakeTheirCodes) {
  VerificationCode a = code(), b = code();
  ASSERT_TRUE(codes().insert_code(a));
  ASSERT_TRUE(codes().insert_code(b));
  codes().delete_code(project_, a.id);
  EXPECT_FALSE(find(a));
  codes().delete_code(project_, a.id);  // already gone: nothing happens
  codes().delete_code(new_project(), b.id);
  EXPECT_TRUE(find(b));

  ASSERT_TRUE(store().projects().delete_project(project_));
  EXPECT_FALSE(find(b));
}

class SentEmailStoreContract : public testing::ProjectEngineTest {
 protected:
  SentEmail email(int64_t sent_at, const std::string& subject) {
    SentEmail e;
    e.id = core::random_uuid();
    e.project_id = project_;
    e.sent_at_millis = sent_at;
    e.to = Json::array({"a@example.com", "b@example.com"});
    e.subject = subject;
    e.html = "<p>" + subject + "</p>";
    e.text = subject;
    e.sender_config = Json{{"type", "standard"}, {"host", "smtp.example.com"}, {"port", 587}};
    return e;
  }

  std::vector<std::string> subjects(const std::string& project_id, int limit) {
    std::vector<std::string> out;
    for (const auto& e : emails().list_sent_emails(project_id, limit)) out.push_back(e.subject);
    return out;
  }

  SentEmailStore& emails() { return store().sent_emails(); }
};

TEST_P(SentEmailStoreContract, AnEmailIsListedWithEveryField) {
  SentEmail ok = email(5, "ok");
  SentEmail failed = email(6, "failed");
  failed.error = Json{{"message", "connection refused"}};
  emails().insert_sent_email(ok);
  emails().insert_sent_email(failed);
  auto listed = emails().list_sent_emails(project_, 10);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, failed.id);
  EXPECT_EQ(listed[0].error, failed.error);
  const SentEmail& e = listed[1];
  EXPECT_EQ(e.id, ok.id);
  EXPECT_EQ(e.project_id, project_);
  EXPECT_EQ(e.sent_at_millis, 5);
  EXPECT_EQ(e.to, ok.to);
  EXPECT_EQ(e.subject, "ok");
  EXPECT_EQ(e.html, "<p>ok</p>");
  EXPECT_EQ(e.text, "ok");
  EXPECT_EQ(e.sender_config, ok.sender_config);
  EXPECT_TRUE(e.error.is_null());

  EXPECT_THROW(emails().insert_sent_email(ok), sql::ConstraintError);  // same id
  EXPECT_EQ(emails().list_sent_emails(project_, 10).size(), 2u);
}

TEST_P(SentEmailStoreContract, NewestFirstThenLastInsertedUpToTheLimit) {
  for (auto [at, subject] : std::vector<std::pair<int64_t, std::string>>{
           {20, "b"}, {10, "a"}, {30, "e"}, {20, "c"}, {20, "d"}})
    emails().insert_sent_email(email(at, subject));
  std::string other = new_project();
  SentEmail elsewhere = email(99, "elsewhere");
  elsewhere.project_id = other;
  emails().insert_sent_email(elsewhere);

  EXPECT_EQ(subjects(project_, 10), (std::vector<std::string>{"e", "d", "c", "b", "a"}));
  EXPECT_EQ(subjects(project_, 2), (std::vector<std::string>{"e", "d"}));
  EXPECT_EQ(subjects(project_, 0), std::vector<std::string>{});
  EXPECT_EQ(subjects(other, 10), std::vector<std::string>{"elsewhere"});

  ASSERT_TRUE(store().projects().delete_project(project_));
  EXPECT_TRUE(subjects(project_, 10).empty());
  EXPECT_EQ(subjects(other, 10).size(), 1u);
}

TEST_P(SentEmailStoreContract, PagesFromACursorInTheSameOrder) {
  std::map<std::string, std::string> ids;  // subject -> id
  for (auto [at, subject] : std::vector<std::pair<int64_t, std::string>>{
           {20, "b"}, {10, "a"}, {30, "e"}, {20, "c"}, {20, "d"}}) {
    SentEmail e = email(at, subject);
    ids[subject] = e.id;
    emails().insert_sent_email(e);
  }
  auto from = [&](const std::string& cursor, int limit) {
    std::vector<std::string> out;
    for (const auto& e : emails().list_sent_emails_from(project_, cursor, limit))
      out.push_back(e.subject);
    return out;
  };
  // Ties in sent_at (b, c, d) keep the order of the full list, so pages
  // neither overlap nor skip.
  EXPECT_EQ(from(ids["e"], 10), (std::vector<std::string>{"e", "d", "c", "b", "a"}));
  EXPECT_EQ(from(ids["d"], 2), (std::vector<std::string>{"d", "c"}));
  EXPECT_EQ(from(ids["c"], 2), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(from(ids["a"], 2), std::vector<std::string>{"a"});
  // An unknown cursor, or one of another project, gives nothing.
  EXPECT_TRUE(from(core::random_uuid(), 10).empty());
  std::string other = new_project();
  SentEmail elsewhere = email(99, "elsewhere");
  elsewhere.project_id = other;
  emails().insert_sent_email(elsewhere);
  EXPECT_TRUE(from(elsewhere.id, 10).empty());
  EXPECT_TRUE(emails().list_sent_emails_from(other, ids["e"], 10).empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, VerificationCodeStoreContract, LATCHKEY_BOTH_ENGINES);
INSTANTIATE_TEST_SUITE_P(Engines, SentEmailStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
