#include "core/sessions.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/projects.hpp"
#include "core/users.hpp"
#include "core/verification_codes.hpp"

namespace latchkey::core {
namespace {

// A client that reads the later claims (an SDK, core/client_version.hpp).
const ClientInfo kSdk{"127.0.0.1", "test", ApiShape::kSdk};

constexpr const char* kSecret = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";

class Sessions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-sessions-test-" + random_uuid());
    std::filesystem::create_directories(dir_);
    store_ = store::open_store((dir_ / "test.db").string());
    store_->migrate();
    tokens_ = std::make_unique<TokenService>(kSecret, "http://localhost:8102", 600, clock_);
    // Written at each issuance, so that the rows can be checked right away.
    activity_ = std::make_unique<ActivityRecorder>(*store_, ActivityOptions{.flush_interval = {}});
    NewProject np;
    np.display_name = "test";
    project_ = create_project(*store_, clock_, np).id;
    other_project_ = create_project(*store_, clock_, np).id;
  }
  void TearDown() override {
    activity_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  SessionServices services() { return {*store_, *tokens_, clock_, *activity_}; }
  store::User user(const std::string& project, bool requires_mfa = false) {
    NewUser n;
    n.display_name = "someone";
    auto u = create_user(*store_, clock_, project, n);
    if (requires_mfa) {
      store::UserUpdate up;
      up.totp_secret = std::optional<std::string>("0123456789abcdefghij");
      EXPECT_EQ(store_->users().update_user(project, u.id, up), store::UpdateUserStatus::kUpdated);
      u = *store_->users().get_user(project, u.id);
      EXPECT_TRUE(u.requires_totp_mfa);
    }
    return u;
  }
  AccessTokenClaims claims(const std::string& token) {
    auto v = tokens_->verify(token);
    EXPECT_TRUE(std::holds_alternative<AccessTokenClaims>(v));
    return std::get<AccessTokenClaims>(v);
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<ActivityRecorder> activity_;
  std::string project_, other_project_;
};

TEST_F(Sessions, SignInCreatesASessionBoundIntoTheAccessToken) {
  auto u = user(project_);
  clock_.advance(5000);
  auto s = sign_in(services(), project_, "main", u, {"127.0.0.1", "test-agent"});
  EXPECT_TRUE(is_uuid(s.session_id));
  EXPECT_EQ(s.refresh_token.size(), 45u);
  auto c = claims(s.access_token);
  EXPECT_EQ(c.sub, u.id);
  EXPECT_EQ(c.aud, project_);
  EXPECT_EQ(c.refresh_token_id, s.session_id);

  auto row = store_->sessions().get_session(project_, s.session_id);
  ASSERT_TRUE(row);
  // Only the digest is stored.
  EXPECT_EQ(row->refresh_token_digest, sha256_hex(s.refresh_token));
  EXPECT_EQ(*row->expires_at_millis - row->created_at_millis, kRefreshTokenLifetimeMillis);
  EXPECT_EQ(row->last_used_at_millis, row->created_at_millis);
  EXPECT_EQ(row->last_used_ip, "127.0.0.1");
  EXPECT_EQ(row->last_used_user_agent, "test-agent");
  EXPECT_EQ(store_->users().get_user(project_, u.id)->last_active_at_millis,
            row->created_at_millis);
}

TEST_F(Sessions, RefreshIssuesATokenForTheSameSessionAndRecordsUse) {
  auto u = user(project_);
  auto s = sign_in(services(), project_, "main", u, {"127.0.0.1", ""});
  clock_.advance(60000);
  std::string fresh = refresh_access_token(
      services(), project_, "main", find_session_by_refresh_token(services(), s.refresh_token),
      {"10.0.0.7", "second-agent"});
  auto c = claims(fresh);
  EXPECT_EQ(c.refresh_token_id, s.session_id);
  EXPECT_EQ(c.sub, u.id);
  auto row = *store_->sessions().get_session(project_, s.session_id);
  EXPECT_GE(*row.last_used_at_millis, row.created_at_millis + 60000);
  EXPECT_EQ(row.last_used_ip, "10.0.0.7");
  EXPECT_EQ(store_->users().get_user(project_, u.id)->last_active_at_millis,
            *row.last_used_at_millis);
  // Not rotated: the refresh token still works.
  EXPECT_NO_THROW(refresh_access_token(services(), project_, "main",
                                       find_session_by_refresh_token(services(), s.refresh_token),
                                       {}));
}

// The claims SDK 2.8.41+ build a user from, as the user is at each issuance.
Json payload_of(const std::string& token) {
  auto first = token.find('.');
  auto part = token.substr(first + 1, token.find('.', first + 1) - first - 1);
  return Json::parse(*base64url_decode(part));
}

TEST_F(Sessions, AccessTokensDescribeTheUserAsTheyAreAtEachIssuance) {
  auto check = [&](TokenClaimsCache* cache) {
    SessionServices s = services();
    s.claims = cache;
    auto u = user(project_);
    auto signed_in = sign_in(s, project_, "main", u, kSdk);
    Json c = payload_of(signed_in.access_token);
    EXPECT_EQ(c["name"], "someone");
    EXPECT_EQ(c["email"], nullptr);
    EXPECT_EQ(c["email_verified"], false);
    EXPECT_EQ(c["signed_up_at"], u.created_at_millis / 1000);
    EXPECT_EQ(c["is_restricted"], false);
    EXPECT_EQ(c["refresh_token_id"], signed_in.session_id);

    store::UserUpdate up;
    up.display_name = std::optional<std::string>("renamed");
    up.primary_email = std::optional<std::string>("renamed@example.com");
    up.primary_email_verified = true;
    ASSERT_EQ(store_->users().update_user(project_, u.id, up), store::UpdateUserStatus::kUpdated);
    c = payload_of(refresh_access_token(
        s, project_, "main", find_session_by_refresh_token(s, signed_in.refresh_token), kSdk));
    EXPECT_EQ(c["name"], "renamed");
    EXPECT_EQ(c["email"], "renamed@example.com");
    EXPECT_EQ(c["email_verified"], true);
    EXPECT_EQ(c["refresh_token_id"], signed_in.session_id);
  };
  check(nullptr);
  store::ReadCache reads(*store_, std::chrono::minutes(1));
  TokenClaimsCache cache(*store_, &reads, std::chrono::minutes(1));
  check(&cache);  // a write through the store makes the cached claims stale
}

TEST_F(Sessions, CachedClaimsOutliveActivityBatchesSoRefreshesNeedNoDatabase) {
  store::ReadCache reads(*store_, std::chrono::minutes(1));
  TokenClaimsCache cache(*store_, &reads, std::chrono::minutes(1));
  SessionServices s = services();
  s.claims = &cache;
  auto u = user(project_);
  auto signed_in = sign_in(s, project_, "main", u, kSdk);  // loads the claims
  // Each issuance writes its activity at once here (an activity batch):
  // the read cache's user goes stale, the claims do not.
  refresh_access_token(s, project_, "main",
                       find_session_by_refresh_token(s, signed_in.refresh_token), kSdk);
  EXPECT_FALSE(reads.peek_user(project_, u.id));  // stale after the batch
  auto claims = cache.peek(project_, u.id);       // still in memory
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->display_name, "someone");
  // A write does make them stale.
  store::UserUpdate up;
  up.display_name = std::optional<std::string>("renamed");
  ASSERT_EQ(store_->users().update_user(project_, u.id, up), store::UpdateUserStatus::kUpdated);
  EXPECT_FALSE(cache.peek(project_, u.id));
  EXPECT_EQ(cache.get(project_, u.id)->display_name, "renamed");
  EXPECT_EQ(cache.get(project_, "3f1c2b9e-6a4d-4e0f-9b8a-1c2d3e4f5a6b"), nullptr);
}

TEST_F(Sessions, AccessTokensCarryTheRestrictionOfTheUser) {
  SessionServices s = services();
  NewUser anon;
  anon.display_name = "Anonymous user";
  anon.is_anonymous = true;
  auto a = create_user(*store_, clock_, project_, anon);
  Json c = payload_of(create_session(s, project_, "main", a.id, {}, kSdk).access_token);
  EXPECT_EQ(c["is_anonymous"], true);
  EXPECT_EQ(c["is_restricted"], true);
  EXPECT_EQ(c["restricted_reason"], (Json{{"type", "anonymous"}}));

  // A project that requires verified e-mails restricts the others until then.
  auto project = *store_->projects().get_project(project_);
  project.config[kRequireEmailVerification] = true;
  ASSERT_TRUE(store_->projects().update_project(project));
  auto u = user(project_);
  auto session = create_session(s, project_, "main", u.id, {}, kSdk);
  c = payload_of(session.access_token);
  EXPECT_EQ(c["is_restricted"], true);
  EXPECT_EQ(c["restricted_reason"], (Json{{"type", "email_not_verified"}}));
  store::UserUpdate up;
  up.primary_email = std::optional<std::string>("verified@example.com");
  up.primary_email_verified = true;
  ASSERT_EQ(store_->users().update_user(project_, u.id, up), store::UpdateUserStatus::kUpdated);
  c = payload_of(refresh_access_token(
      s, project_, "main", find_session_by_refresh_token(s, session.refresh_token), kSdk));
  EXPECT_EQ(c["is_restricted"], false);
  EXPECT_EQ(c["restricted_reason"], nullptr);
}

TEST_F(Sessions, RefreshRefusesUnknownForeignExpiredAndDeletedSessions) {
  auto u = user(project_);
  auto expect_refused = [&](const std::string& project, const std::string& token) {
    try {
      refresh_access_token(services(), project, "main",
                           find_session_by_refresh_token(services(), token), {});
      ADD_FAILURE() << "refresh succeeded";
    } catch (const KnownError& e) {
      EXPECT_EQ(e.code(), "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
      EXPECT_EQ(e.status(), 401);
    }
  };
  expect_refused(project_, random_secret45());
  expect_refused(project_, "");

  auto s = sign_in(services(), project_, "main", u, {});
  expect_refused(other_project_, s.refresh_token);

  SessionOptions short_lived;
  short_lived.expires_in_millis = 1000;
  auto brief = create_session(services(), project_, "main", u.id, short_lived, {});
  EXPECT_NO_THROW(
      refresh_access_token(services(), project_, "main",
                           find_session_by_refresh_token(services(), brief.refresh_token), {}));
  clock_.advance(1001);
  expect_refused(project_, brief.refresh_token);

  ASSERT_TRUE(store_->sessions().delete_session(project_, s.session_id));
  expect_refused(project_, s.refresh_token);
}

// The refresh is given the row its caller read (the server reads it without
// blocking on PostgreSQL) and reads nothing itself: the row it is given
// decides, whatever the database holds by then.
TEST_F(Sessions, RefreshUsesTheRowItIsGiven) {
  auto u = user(project_);
  auto s = sign_in(services(), project_, "main", u, {});
  auto row = find_session_by_refresh_token(services(), s.refresh_token);
  ASSERT_TRUE(row);
  ASSERT_TRUE(store_->sessions().delete_session(project_, s.session_id));
  auto c = claims(refresh_access_token(services(), project_, "main", row, {}));
  EXPECT_EQ(c.refresh_token_id, s.session_id);
  EXPECT_THROW(refresh_access_token(services(), project_, "main", std::nullopt, {}), KnownError);
}

TEST_F(Sessions, CreateSessionForAMissingUserIsUserIdDoesNotExist) {
  try {
    create_session(services(), project_, "main", random_uuid(), {}, {});
    FAIL() << "expected USER_ID_DOES_NOT_EXIST";
  } catch (const KnownError& e) {
    EXPECT_EQ(e.code(), "USER_ID_DOES_NOT_EXIST");
  }
  auto u = user(other_project_);
  EXPECT_THROW(create_session(services(), project_, "main", u.id, {}, {}), KnownError);
}

TEST_F(Sessions, ImpersonationFlagAndLifetimeAreStored) {
  auto u = user(project_);
  SessionOptions o;
  o.expires_in_millis = 42000;
  o.is_impersonation = true;
  auto s = create_session(services(), project_, "main", u.id, o, {});
  auto row = *store_->sessions().get_session(project_, s.session_id);
  EXPECT_TRUE(row.is_impersonation);
  EXPECT_EQ(*row.expires_at_millis - row.created_at_millis, 42000);
}

// A user who needs MFA must never get a session from an interactive
// sign-in (auth-endpoints.md §0.3); create_session itself has no MFA check
// (POST /auth/sessions, anonymous sign-up).
TEST_F(Sessions, SignInOfAnMfaUserGetsAnAttemptCodeAndNoSession) {
  auto u = user(project_, /*requires_mfa=*/true);
  std::string attempt_code;
  try {
    sign_in(services(), project_, "main", u, {}, /*is_new_user=*/true);
    FAIL() << "expected MULTI_FACTOR_AUTHENTICATION_REQUIRED";
  } catch (const KnownError& e) {
    EXPECT_EQ(e.code(), "MULTI_FACTOR_AUTHENTICATION_REQUIRED");
    EXPECT_EQ(e.status(), 400);
    attempt_code = e.details().at("attempt_code").get<std::string>();
  }
  EXPECT_TRUE(store_->sessions().list_sessions(project_, u.id).empty());
  // The attempt code is a one-time-password code naming the user, valid 5 min.
  ASSERT_EQ(attempt_code.size(), kCodeLength);
  auto row =
      check_code(*store_, clock_, project_, "main", CodeType::kOneTimePassword, attempt_code);
  EXPECT_EQ(row.data, (Json{{"user_id", u.id}, {"is_new_user", true}}));
  EXPECT_EQ(row.expires_at_millis - row.created_at_millis, kMfaAttemptCodeLifetimeMillis);
  EXPECT_NO_THROW(create_session(services(), project_, "main", u.id, {}, {}));
  EXPECT_EQ(store_->sessions().list_sessions(project_, u.id).size(), 1u);
}

TEST_F(Sessions, PasswordChangeRevokesOtherSessionsAtomically) {
  auto u = user(project_);
  ASSERT_TRUE(store_->sessions().compare_and_set_password(project_, u.id, std::nullopt, "h1", false,
                                                          std::nullopt));
  auto a = sign_in(services(), project_, "main", u, {});
  auto b = sign_in(services(), project_, "main", u, {});
  auto c = sign_in(services(), project_, "main", u, {});
  auto other = sign_in(services(), project_, "main", user(project_), {});
  // Wrong expected hash: nothing changes, no session is deleted.
  EXPECT_FALSE(store_->sessions().compare_and_set_password(project_, u.id, std::string("nope"),
                                                           "h2", true, std::nullopt));
  EXPECT_EQ(store_->sessions().list_sessions(project_, u.id).size(), 3u);

  EXPECT_TRUE(store_->sessions().compare_and_set_password(project_, u.id, std::string("h1"), "h2",
                                                          true, b.session_id));
  auto left = store_->sessions().list_sessions(project_, u.id);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, b.session_id);
  EXPECT_EQ(*store_->users().get_user(project_, u.id)->password_hash, "h2");
  EXPECT_TRUE(store_->sessions().get_session(project_, other.session_id));

  EXPECT_TRUE(store_->sessions().compare_and_set_password(project_, u.id, std::string("h2"), "h3",
                                                          true, std::nullopt));
  EXPECT_TRUE(store_->sessions().list_sessions(project_, u.id).empty());
  (void)a;
  (void)c;
}

TEST_F(Sessions, ListIsOldestFirstAndScopedToUserAndProject) {
  auto u = user(project_);
  auto first = sign_in(services(), project_, "main", u, {});
  clock_.advance(10);
  auto second = sign_in(services(), project_, "main", u, {});
  sign_in(services(), project_, "main", user(project_), {});
  auto list = store_->sessions().list_sessions(project_, u.id);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, first.session_id);
  EXPECT_EQ(list[1].id, second.session_id);
  EXPECT_TRUE(store_->sessions().list_sessions(other_project_, u.id).empty());
  EXPECT_FALSE(store_->sessions().get_session(other_project_, first.session_id));
  EXPECT_FALSE(store_->sessions().delete_session(other_project_, first.session_id));
}

TEST(AnonymousSignUpSwitch, OffUnlessExplicitlyTrue) {
  EXPECT_FALSE(anonymous_sign_up_enabled(Json()));
  EXPECT_FALSE(anonymous_sign_up_enabled(Json::object()));
  EXPECT_FALSE(anonymous_sign_up_enabled(Json{{"anonymous_sign_up_enabled", "true"}}));
  EXPECT_FALSE(anonymous_sign_up_enabled(Json{{"anonymous_sign_up_enabled", false}}));
  EXPECT_TRUE(anonymous_sign_up_enabled(Json{{"anonymous_sign_up_enabled", true}}));
}

}  // namespace
}  // namespace latchkey::core

namespace latchkey::core {
namespace {

TEST_F(Sessions, ANewUsersFirstSessionIsWrittenWithTheUser) {
  PendingSession pending = prepare_session(services(), project_, "", SessionOptions{});
  NewUser n;
  n.primary_email = "first-session@example.com";
  n.first_session = pending.row;
  auto u = create_user(*store_, clock_, project_, n);
  pending.row.user_id = u.id;
  auto issued = issue_session(services(), pending, "main", ClientInfo{"127.0.0.1", "test"});
  auto row = find_live_session(services(), project_, issued.refresh_token);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->user_id, u.id);
  EXPECT_EQ(row->id, issued.session_id);
  EXPECT_EQ(claims(issued.access_token).sub, u.id);
}

TEST_F(Sessions, AFailedFirstSessionLeavesNoUser) {
  // Make the session insert fail inside the user's transaction.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "test.db").string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER refuse_sessions BEFORE INSERT ON sessions "
                         "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  PendingSession pending = prepare_session(services(), project_, "", SessionOptions{});
  NewUser n;
  n.primary_email = "all-or-nothing@example.com";
  n.first_session = pending.row;
  EXPECT_ANY_THROW(create_user(*store_, clock_, project_, n));
  EXPECT_FALSE(store_->users().find_user_by_auth_email(project_, "all-or-nothing@example.com"));
}

}  // namespace
}  // namespace latchkey::core
