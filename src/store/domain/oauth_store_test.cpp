// OAuthStore contract, on both engines: the outer state and the outer
// authorization code are single use (also under concurrency) and purged
// once expired; an identity links one user (conflicts reported, nothing
// written), tokens are kept only for linked accounts and expired access
// tokens dropped; and a user's or project's deletion takes what hangs off it.
#include <gtest/gtest.h>

#include <atomic>

#include "core/crypto.hpp"
#include "store/sql/sql.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class OAuthStoreContract : public testing::UserEngineTest {
 protected:
  OAuthOuterState state(int64_t expires_at) {
    OAuthOuterState s;
    s.state_digest = core::random_uuid();
    s.project_id = project_;
    s.branch_id = "main";
    s.provider_id = "github";
    s.code_verifier = "verifier";
    s.nonce = "nonce";
    s.info = Json{{"redirect_uri", "https://app.example.com/cb"}, {"type", "authenticate"}};
    s.created_at_millis = 100;
    s.expires_at_millis = expires_at;
    return s;
  }

  OAuthAccount account(const std::string& user, const std::string& provider,
                       const std::string& account_id, int64_t created_at = 10) {
    OAuthAccount a;
    a.project_id = project_;
    a.provider_id = provider;
    a.provider_account_id = account_id;
    a.user_id = user;
    a.email = account_id + "@example.com";
    a.created_at_millis = created_at;
    return a;
  }

  OAuthProviderToken token(const OAuthAccount& a, OAuthTokenKind kind,
                           std::optional<int64_t> expires_at, int64_t created_at) {
    OAuthProviderToken t;
    t.id = core::random_uuid();
    t.project_id = a.project_id;
    t.provider_id = a.provider_id;
    t.provider_account_id = a.provider_account_id;
    t.kind = kind;
    t.token = "encrypted-" + t.id;
    t.scopes = {"openid", "email"};
    t.expires_at_millis = expires_at;
    t.created_at_millis = created_at;
    return t;
  }

  OAuthAuthorizationCode code(int64_t expires_at) {
    OAuthAuthorizationCode c;
    c.code_digest = core::random_uuid();
    c.project_id = project_;
    c.branch_id = "main";
    c.user_id = user_;
    c.redirect_uri = "https://app.example.com/cb";
    c.code_challenge = "challenge";
    c.code_challenge_method = "S256";
    c.new_user = true;
    c.after_callback_redirect_url = "https://app.example.com/after";
    c.created_at_millis = 100;
    c.expires_at_millis = expires_at;
    return c;
  }

  std::vector<std::string> token_ids(const OAuthAccount& a) {
    std::vector<std::string> out;
    for (const auto& t :
         oauth().list_provider_tokens(a.project_id, a.provider_id, a.provider_account_id))
      out.push_back(t.id);
    return out;
  }

  OAuthStore& oauth() { return store().oauth(); }
};

TEST_P(OAuthStoreContract, AnOuterStateIsTakenOnceWithEveryField) {
  OAuthOuterState s = state(1000);
  oauth().insert_outer_state(s, 0);
  auto got = oauth().take_outer_state(s.state_digest);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state_digest, s.state_digest);
  EXPECT_EQ(got->project_id, project_);
  EXPECT_EQ(got->branch_id, "main");
  EXPECT_EQ(got->provider_id, "github");
  EXPECT_EQ(got->code_verifier, "verifier");
  EXPECT_EQ(got->nonce, "nonce");
  EXPECT_EQ(got->info, s.info);
  EXPECT_EQ(got->created_at_millis, 100);
  EXPECT_EQ(got->expires_at_millis, 1000);
  EXPECT_FALSE(oauth().take_outer_state(s.state_digest));
  EXPECT_FALSE(oauth().take_outer_state("unknown"));

  OAuthOuterState no_nonce = state(1000);
  no_nonce.nonce = std::nullopt;
  oauth().insert_outer_state(no_nonce, 0);
  got = oauth().take_outer_state(no_nonce.state_digest);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->nonce);
}

TEST_P(OAuthStoreContract, InsertingAStatePurgesExpiredOnes) {
  OAuthOuterState old = state(500), edge = state(600), fresh = state(5000);
  oauth().insert_outer_state(old, 0);
  oauth().insert_outer_state(edge, 0);
  oauth().insert_outer_state(fresh, 600);  // removes what expired before 600
  EXPECT_FALSE(oauth().take_outer_state(old.state_digest));
  EXPECT_TRUE(oauth().take_outer_state(edge.state_digest));
  EXPECT_TRUE(oauth().take_outer_state(fresh.state_digest));
  // A duplicate state is an error, and its purge is rolled back with it.
  OAuthOuterState a = state(100), dup = state(9000);
  oauth().insert_outer_state(a, 0);
  dup.state_digest = fresh.state_digest;
  oauth().insert_outer_state(dup, 0);
  EXPECT_THROW(oauth().insert_outer_state(dup, 1000), sql::ConstraintError);
  EXPECT_TRUE(oauth().take_outer_state(a.state_digest));
}

TEST_P(OAuthStoreContract, OfConcurrentCallbacksWithOneStateOneWins) {
  OAuthOuterState s = state(1000);
  oauth().insert_outer_state(s, 0);
  EXPECT_EQ(concurrently([&] { return oauth().take_outer_state(s.state_digest).has_value(); }), 1);
}

TEST_P(OAuthStoreContract, LinkingWritesTheAccountAndItsTokens) {
  OAuthAccount a = account(user_, "github", "gh-1");
  auto access = token(a, OAuthTokenKind::kAccess, 5000, 20);
  auto refresh = token(a, OAuthTokenKind::kRefresh, std::nullopt, 10);
  EXPECT_EQ(oauth().link_oauth_account(a, false, {access, refresh}, 100),
            LinkOAuthAccountStatus::kLinked);
  auto found = oauth().find_oauth_account(project_, "github", "gh-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->project_id, project_);
  EXPECT_EQ(found->provider_id, "github");
  EXPECT_EQ(found->provider_account_id, "gh-1");
  EXPECT_EQ(found->user_id, user_);
  EXPECT_EQ(found->email, "gh-1@example.com");
  EXPECT_EQ(found->created_at_millis, 10);
  EXPECT_FALSE(oauth().find_oauth_account(project_, "google", "gh-1"));
  EXPECT_FALSE(oauth().find_oauth_account(new_project(), "github", "gh-1"));

  auto tokens = oauth().list_provider_tokens(project_, "github", "gh-1");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].id, access.id);  // newest first
  EXPECT_EQ(tokens[0].project_id, project_);
  EXPECT_EQ(tokens[0].provider_id, "github");
  EXPECT_EQ(tokens[0].provider_account_id, "gh-1");
  EXPECT_EQ(tokens[0].kind, OAuthTokenKind::kAccess);
  EXPECT_EQ(tokens[0].token, access.token);
  EXPECT_EQ(tokens[0].scopes, (std::vector<std::string>{"openid", "email"}));
  EXPECT_EQ(tokens[0].expires_at_millis, 5000);
  EXPECT_EQ(tokens[0].created_at_millis, 20);
  EXPECT_EQ(tokens[1].id, refresh.id);
  EXPECT_EQ(tokens[1].kind, OAuthTokenKind::kRefresh);
  EXPECT_FALSE(tokens[1].expires_at_millis);

  // Linked again to the same user: the new tokens are added.
  OAuthAccount again = a;
  again.email = std::nullopt;
  auto more = token(a, OAuthTokenKind::kAccess, 6000, 30);
  EXPECT_EQ(oauth().link_oauth_account(again, false, {more}, 100),
            LinkOAuthAccountStatus::kAlreadyLinked);
  EXPECT_EQ(oauth().find_oauth_account(project_, "github", "gh-1")->email, "gh-1@example.com");
  EXPECT_EQ(token_ids(a), (std::vector<std::string>{more.id, access.id, refresh.id}));
}

TEST_P(OAuthStoreContract, AnIdentityOfAnotherUserIsRefusedAndNothingWritten) {
  std::string other = new_user(project_);
  OAuthAccount theirs = account(other, "github", "gh-1");
  ASSERT_EQ(oauth().link_oauth_account(theirs, false, {}, 0), LinkOAuthAccountStatus::kLinked);
  OAuthAccount mine = account(user_, "github", "gh-1");
  EXPECT_EQ(
      oauth().link_oauth_account(mine, false, {token(mine, OAuthTokenKind::kAccess, 5000, 1)}, 0),
      LinkOAuthAccountStatus::kLinkedToAnotherUser);
  EXPECT_EQ(oauth().find_oauth_account(project_, "github", "gh-1")->user_id, other);
  EXPECT_TRUE(token_ids(theirs).empty());
  EXPECT_TRUE(oauth().list_user_oauth_accounts(project_, user_).empty());

  EXPECT_EQ(
      oauth().link_oauth_account(account(core::random_uuid(), "github", "gh-2"), false, {}, 0),
      LinkOAuthAccountStatus::kUserNotFound);
  EXPECT_FALSE(oauth().find_oauth_account(project_, "github", "gh-2"));
}

TEST_P(OAuthStoreContract, ExclusiveLinksRefuseASecondAccountOfTheProvider) {
  ASSERT_EQ(oauth().link_oauth_account(account(user_, "github", "gh-1"), true, {}, 0),
            LinkOAuthAccountStatus::kLinked);
  // The same identity again is fine.
  EXPECT_EQ(oauth().link_oauth_account(account(user_, "github", "gh-1"), true, {}, 0),
            LinkOAuthAccountStatus::kAlreadyLinked);
  OAuthAccount second = account(user_, "github", "gh-2");
  EXPECT_EQ(oauth().link_oauth_account(second, true,
                                       {token(second, OAuthTokenKind::kAccess, 5000, 1)}, 0),
            LinkOAuthAccountStatus::kUserHasAnotherAccount);
  EXPECT_FALSE(oauth().find_oauth_account(project_, "github", "gh-2"));
  // Checked before whose identity it is.
  std::string other = new_user(project_);
  ASSERT_EQ(oauth().link_oauth_account(account(other, "github", "gh-3"), false, {}, 0),
            LinkOAuthAccountStatus::kLinked);
  EXPECT_EQ(oauth().link_oauth_account(account(user_, "github", "gh-3"), true, {}, 0),
            LinkOAuthAccountStatus::kUserHasAnotherAccount);
  // Another provider, or a link that is not exclusive, is allowed.
  EXPECT_EQ(oauth().link_oauth_account(account(user_, "google", "g-1"), true, {}, 0),
            LinkOAuthAccountStatus::kLinked);
  EXPECT_EQ(oauth().link_oauth_account(second, false, {}, 0), LinkOAuthAccountStatus::kLinked);
}

TEST_P(OAuthStoreContract, ConcurrentLinksOfOneIdentityLinkOneUser) {
  std::vector<std::string> users;
  for (int i = 0; i < kThreads; ++i) users.push_back(new_user(project_));
  std::atomic<int> next{0};
  std::atomic<int> refused{0};
  int linked = concurrently([&] {
    auto status =
        oauth().link_oauth_account(account(users[next++], "github", "gh-1"), false, {}, 0);
    if (status == LinkOAuthAccountStatus::kLinkedToAnotherUser) ++refused;
    return status == LinkOAuthAccountStatus::kLinked;
  });
  EXPECT_EQ(linked, 1);
  EXPECT_EQ(refused, kThreads - 1);
}

TEST_P(OAuthStoreContract, AFailedTokenRollsTheLinkBack) {
  OAuthAccount a = account(user_, "github", "gh-1");
  auto t = token(a, OAuthTokenKind::kAccess, 5000, 1);
  // Two tokens with one id: the second insert fails, and the whole link goes.
  EXPECT_THROW(oauth().link_oauth_account(a, false, {t, t}, 0), sql::ConstraintError);
  EXPECT_FALSE(oauth().find_oauth_account(project_, "github", "gh-1"));
  EXPECT_TRUE(token_ids(a).empty());
}

TEST_P(OAuthStoreContract, AccountsAreListedOldestFirst) {
  std::string other = new_user(project_);
  for (auto a : {account(user_, "google", "g-1", 20), account(user_, "github", "gh-2", 10),
                 account(user_, "github", "gh-1", 10), account(other, "github", "gh-9", 1)})
    ASSERT_EQ(oauth().link_oauth_account(a, false, {}, 0), LinkOAuthAccountStatus::kLinked);
  auto listed = oauth().list_user_oauth_accounts(project_, user_);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].provider_account_id, "gh-1");
  EXPECT_EQ(listed[1].provider_account_id, "gh-2");
  EXPECT_EQ(listed[2].provider_account_id, "g-1");
  EXPECT_EQ(listed[2].email, "g-1@example.com");
  EXPECT_TRUE(oauth().list_user_oauth_accounts(project_, core::random_uuid()).empty());
}

TEST_P(OAuthStoreContract, TokensAreKeptForLinkedAccountsAndExpiredAccessTokensDropped) {
  OAuthAccount a = account(user_, "github", "gh-1");
  OAuthAccount b = account(user_, "google", "g-1");
  auto expired = token(a, OAuthTokenKind::kAccess, 90, 1);
  auto valid = token(a, OAuthTokenKind::kAccess, 200, 2);
  auto refresh = token(a, OAuthTokenKind::kRefresh, std::nullopt, 3);
  auto old_refresh = token(a, OAuthTokenKind::kRefresh, 50, 4);  // only access tokens expire
  auto b_expired = token(b, OAuthTokenKind::kAccess, 90, 1);
  ASSERT_EQ(oauth().link_oauth_account(a, false, {expired, valid, refresh, old_refresh}, 0),
            LinkOAuthAccountStatus::kLinked);
  ASSERT_EQ(oauth().link_oauth_account(b, false, {b_expired}, 0), LinkOAuthAccountStatus::kLinked);

  oauth().add_provider_tokens({}, 100);  // nothing to do
  EXPECT_EQ(token_ids(a).size(), 4u);

  auto newer = token(a, OAuthTokenKind::kAccess, 900, 5);
  auto orphan = token(account(user_, "gitlab", "gl-1"), OAuthTokenKind::kAccess, 900, 5);
  oauth().add_provider_tokens({newer, orphan}, 100);
  EXPECT_EQ(token_ids(a),
            (std::vector<std::string>{newer.id, old_refresh.id, refresh.id, valid.id}));
  EXPECT_EQ(token_ids(b), std::vector<std::string>{b_expired.id});  // another account's
  EXPECT_TRUE(oauth().list_provider_tokens(project_, "gitlab", "gl-1").empty());

  // Tokens with one creation time come in id order.
  auto t1 = token(b, OAuthTokenKind::kRefresh, std::nullopt, 7);
  auto t2 = token(b, OAuthTokenKind::kRefresh, std::nullopt, 7);
  oauth().add_provider_tokens({t1, t2}, 0);
  auto listed = token_ids(b);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0], std::min(t1.id, t2.id));
  EXPECT_EQ(listed[1], std::max(t1.id, t2.id));

  oauth().delete_provider_token(project_, refresh.id);
  oauth().delete_provider_token(new_project(), valid.id);  // another project: nothing
  EXPECT_EQ(token_ids(a), (std::vector<std::string>{newer.id, old_refresh.id, valid.id}));
}

TEST_P(OAuthStoreContract, DeletingTheUserUnlinksItsAccountsTokensAndCodes) {
  OAuthAccount a = account(user_, "github", "gh-1");
  ASSERT_EQ(oauth().link_oauth_account(a, false, {token(a, OAuthTokenKind::kRefresh, {}, 1)}, 0),
            LinkOAuthAccountStatus::kLinked);
  OAuthAuthorizationCode c = code(1000);
  oauth().insert_authorization_code(c, 0);
  std::string other = new_user(project_);
  OAuthAccount kept = account(other, "github", "gh-2");
  ASSERT_EQ(oauth().link_oauth_account(kept, false, {}, 0), LinkOAuthAccountStatus::kLinked);

  ASSERT_TRUE(store().users().delete_user(project_, user_));
  EXPECT_FALSE(oauth().find_oauth_account(project_, "github", "gh-1"));
  EXPECT_TRUE(oauth().list_user_oauth_accounts(project_, user_).empty());
  EXPECT_TRUE(token_ids(a).empty());
  EXPECT_FALSE(oauth().get_authorization_code(c.code_digest));
  EXPECT_TRUE(oauth().find_oauth_account(project_, "github", "gh-2"));
  // The identity is free again for another user.
  EXPECT_EQ(oauth().link_oauth_account(account(other, "github", "gh-1"), false, {}, 0),
            LinkOAuthAccountStatus::kLinked);
}

TEST_P(OAuthStoreContract, DeletingTheProjectTakesItsStates) {
  OAuthOuterState s = state(1000);
  oauth().insert_outer_state(s, 0);
  ASSERT_TRUE(store().projects().delete_project(project_));
  EXPECT_FALSE(oauth().take_outer_state(s.state_digest));
}

TEST_P(OAuthStoreContract, AnAuthorizationCodeIsReadAndDeletedOnce) {
  OAuthAuthorizationCode c = code(1000);
  oauth().insert_authorization_code(c, 0);
  auto got = oauth().get_authorization_code(c.code_digest);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->code_digest, c.code_digest);
  EXPECT_EQ(got->project_id, project_);
  EXPECT_EQ(got->branch_id, "main");
  EXPECT_EQ(got->user_id, user_);
  EXPECT_EQ(got->redirect_uri, "https://app.example.com/cb");
  EXPECT_EQ(got->code_challenge, "challenge");
  EXPECT_EQ(got->code_challenge_method, "S256");
  EXPECT_TRUE(got->new_user);
  EXPECT_EQ(got->after_callback_redirect_url, "https://app.example.com/after");
  EXPECT_EQ(got->created_at_millis, 100);
  EXPECT_EQ(got->expires_at_millis, 1000);
  // Reading does not use it up; deleting does.
  EXPECT_TRUE(oauth().get_authorization_code(c.code_digest));
  EXPECT_TRUE(oauth().delete_authorization_code(c.code_digest));
  EXPECT_FALSE(oauth().delete_authorization_code(c.code_digest));
  EXPECT_FALSE(oauth().get_authorization_code(c.code_digest));

  OAuthAuthorizationCode plain = code(1000);
  plain.new_user = false;
  plain.code_challenge_method = "plain";
  plain.after_callback_redirect_url = std::nullopt;
  oauth().insert_authorization_code(plain, 0);
  got = oauth().get_authorization_code(plain.code_digest);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->new_user);
  EXPECT_EQ(got->code_challenge_method, "plain");
  EXPECT_FALSE(got->after_callback_redirect_url);

  // A code for a user who does not exist is refused.
  OAuthAuthorizationCode orphan = code(1000);
  orphan.user_id = core::random_uuid();
  EXPECT_THROW(oauth().insert_authorization_code(orphan, 0), sql::ConstraintError);
  EXPECT_FALSE(oauth().get_authorization_code(orphan.code_digest));
}

TEST_P(OAuthStoreContract, InsertingACodePurgesExpiredOnes) {
  OAuthAuthorizationCode old = code(500), edge = code(600), fresh = code(5000);
  oauth().insert_authorization_code(old, 0);
  oauth().insert_authorization_code(edge, 0);
  oauth().insert_authorization_code(fresh, 600);
  EXPECT_FALSE(oauth().get_authorization_code(old.code_digest));
  EXPECT_TRUE(oauth().get_authorization_code(edge.code_digest));
  EXPECT_TRUE(oauth().get_authorization_code(fresh.code_digest));
}

TEST_P(OAuthStoreContract, OfConcurrentRedemptionsOfACodeOneWins) {
  OAuthAuthorizationCode c = code(1000);
  oauth().insert_authorization_code(c, 0);
  EXPECT_EQ(concurrently([&] { return oauth().delete_authorization_code(c.code_digest); }), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, OAuthStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
