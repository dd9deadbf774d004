// ApiKeyStore and CliLoginStore contracts, on both engines: keys found by
// digest (in their project, or in any for a leak report) with every field,
// listed per owner newest first, revoked once with the first time kept, and
// gone with their user, team or project; CLI attempts found by either code,
// completed once while open, delivered once even under concurrency.
#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class ApiKeyStoreContract : public testing::UserEngineTest {
 protected:
  OwnedApiKey key(const std::optional<std::string>& user, const std::optional<std::string>& team,
                  int64_t created = 100) {
    OwnedApiKey k;
    k.project_id = project_;
    k.id = core::random_uuid();
    k.description = "d";
    k.last_four = "ab12";
    k.user_id = user;
    k.team_id = team;
    k.created_at_millis = created;
    return k;
  }

  // Creates `k` under a fresh digest; the digest.
  std::string create(const OwnedApiKey& k) {
    std::string digest = core::sha256_hex(core::random_uuid());
    EXPECT_EQ(keys().create_api_key(k, digest), CreateApiKeyStatus::kCreated);
    return digest;
  }

  std::string new_team() {
    Team t;
    t.id = core::random_uuid();
    t.project_id = project_;
    t.display_name = "t";
    t.created_at_millis = 1;
    EXPECT_EQ(store().teams().create_team(t, std::nullopt), CreateTeamStatus::kCreated);
    return t.id;
  }

  ApiKeyStore& keys() { return store().api_keys(); }
};

TEST_P(ApiKeyStoreContract, AKeyIsFoundByDigestAndIdWithEveryField) {
  OwnedApiKey k = key(user_, std::nullopt);
  k.description = "Scripts <&>";
  k.is_public = true;
  k.expires_at_millis = 5000;
  std::string digest = create(k);

  auto by_digest = keys().find_api_key_by_digest(project_, digest);
  ASSERT_TRUE(by_digest);
  EXPECT_EQ(by_digest->project_id, project_);
  EXPECT_EQ(by_digest->id, k.id);
  EXPECT_EQ(by_digest->description, "Scripts <&>");
  EXPECT_EQ(by_digest->last_four, "ab12");
  EXPECT_TRUE(by_digest->is_public);
  EXPECT_EQ(by_digest->user_id, user_);
  EXPECT_FALSE(by_digest->team_id);
  EXPECT_EQ(by_digest->created_at_millis, 100);
  EXPECT_EQ(by_digest->expires_at_millis, 5000);
  EXPECT_FALSE(by_digest->manually_revoked_at_millis);

  auto by_id = keys().get_api_key(project_, k.id);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->id, k.id);
  auto anywhere = keys().find_api_key_by_digest_in_any_project(digest);
  ASSERT_TRUE(anywhere);
  EXPECT_EQ(anywhere->project_id, project_);

  // Another project does not see it; unknown digests and ids find nothing.
  EXPECT_FALSE(keys().find_api_key_by_digest(new_project(), digest));
  EXPECT_FALSE(keys().find_api_key_by_digest(project_, core::sha256_hex("other")));
  EXPECT_FALSE(keys().find_api_key_by_digest_in_any_project(core::sha256_hex("other")));
  EXPECT_FALSE(keys().get_api_key(project_, core::random_uuid()));
}

TEST_P(ApiKeyStoreContract, AKeyNeedsAnExistingOwner) {
  EXPECT_EQ(keys().create_api_key(key(core::random_uuid(), std::nullopt), core::sha256_hex("a")),
            CreateApiKeyStatus::kOwnerNotFound);
  EXPECT_EQ(keys().create_api_key(key(std::nullopt, core::random_uuid()), core::sha256_hex("b")),
            CreateApiKeyStatus::kOwnerNotFound);
  // A user of another project is not an owner here.
  std::string other = new_user(new_project());
  EXPECT_EQ(keys().create_api_key(key(other, std::nullopt), core::sha256_hex("c")),
            CreateApiKeyStatus::kOwnerNotFound);
  EXPECT_TRUE(keys().list_user_api_keys(project_, other).empty());
}

TEST_P(ApiKeyStoreContract, ListsAnOwnersKeysNewestFirstThenByInsertion) {
  std::string team = new_team();
  OwnedApiKey a = key(user_, std::nullopt, 100), b = key(user_, std::nullopt, 300),
              c = key(user_, std::nullopt, 300), t = key(std::nullopt, team, 200);
  create(a);
  create(b);
  create(c);
  create(t);
  create(key(new_user(project_), std::nullopt));
  EXPECT_EQ(ids(keys().list_user_api_keys(project_, user_)),
            (std::vector<std::string>{c.id, b.id, a.id}));
  EXPECT_EQ(ids(keys().list_team_api_keys(project_, team)), (std::vector<std::string>{t.id}));
  EXPECT_TRUE(keys().list_team_api_keys(project_, user_).empty());
}

TEST_P(ApiKeyStoreContract, UpdatesTheDescriptionAndKeepsTheFirstRevocation) {
  OwnedApiKey k = key(user_, std::nullopt);
  create(k);
  auto u = keys().update_api_key(project_, k.id, std::string("new"), std::nullopt);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->description, "new");
  EXPECT_FALSE(u->manually_revoked_at_millis);

  u = keys().update_api_key(project_, k.id, std::nullopt, 700);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->description, "new");
  EXPECT_EQ(u->manually_revoked_at_millis, 700);
  u = keys().update_api_key(project_, k.id, std::string("again"), 900);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->description, "again");
  EXPECT_EQ(u->manually_revoked_at_millis, 700);

  EXPECT_FALSE(keys().update_api_key(project_, core::random_uuid(), std::string("x"), 1));
  EXPECT_FALSE(keys().update_api_key(new_project(), k.id, std::string("x"), 1));
}

TEST_P(ApiKeyStoreContract, OnlyOneConcurrentRevocationWins) {
  OwnedApiKey k = key(user_, std::nullopt);
  create(k);
  EXPECT_EQ(concurrently([&] { return keys().revoke_api_key(project_, k.id, 42); }), 1);
  EXPECT_EQ(keys().get_api_key(project_, k.id)->manually_revoked_at_millis, 42);
  EXPECT_FALSE(keys().revoke_api_key(project_, k.id, 43));
  EXPECT_FALSE(keys().revoke_api_key(project_, core::random_uuid(), 43));
}

TEST_P(ApiKeyStoreContract, KeysGoWithTheirUserTeamOrProject) {
  std::string team = new_team();
  OwnedApiKey mine = key(user_, std::nullopt), teams = key(std::nullopt, team);
  std::string other_user = new_user(project_);
  OwnedApiKey others = key(other_user, std::nullopt);
  std::string mine_digest = create(mine), team_digest = create(teams);
  create(others);

  ASSERT_TRUE(store().users().delete_user(project_, user_));
  EXPECT_FALSE(keys().get_api_key(project_, mine.id));
  EXPECT_FALSE(keys().find_api_key_by_digest_in_any_project(mine_digest));
  EXPECT_TRUE(keys().get_api_key(project_, teams.id));

  ASSERT_TRUE(store().teams().delete_team(project_, team));
  EXPECT_FALSE(keys().find_api_key_by_digest(project_, team_digest));
  EXPECT_TRUE(keys().get_api_key(project_, others.id));

  ASSERT_TRUE(store().projects().delete_project(project_));
  EXPECT_FALSE(keys().get_api_key(project_, others.id));
}

INSTANTIATE_TEST_SUITE_P(Engines, ApiKeyStoreContract, LATCHKEY_BOTH_ENGINES);

class CliLoginStoreContract : public testing::ProjectEngineTest {
 protected:
  CliLoginAttempt attempt(int64_t created = 1000, int64_t expires = 5000) {
    CliLoginAttempt a;
    a.project_id = project_;
    a.id = core::random_uuid();
    a.public_key = std::string("\x00\xff key", 6);
    a.created_at_millis = created;
    a.expires_at_millis = expires;
    return a;
  }
  CliLoginStore& cli() { return store().cli_logins(); }
};

TEST_P(CliLoginStoreContract, AnAttemptIsFoundByEitherCode) {
  CliLoginAttempt a = attempt();
  ASSERT_TRUE(cli().create_cli_attempt(a, "poll-1", "login-1"));
  auto by_poll = cli().find_cli_attempt_by_polling_code(project_, "poll-1");
  ASSERT_TRUE(by_poll);
  EXPECT_EQ(by_poll->id, a.id);
  EXPECT_EQ(by_poll->public_key, a.public_key);
  EXPECT_FALSE(by_poll->sealed_refresh_token);
  EXPECT_FALSE(by_poll->completed_at_millis);
  EXPECT_FALSE(by_poll->used_at_millis);
  EXPECT_EQ(by_poll->created_at_millis, 1000);
  EXPECT_EQ(by_poll->expires_at_millis, 5000);
  // The polling code is looked up in its project only; the login code in
  // every project (the route tells a wrong project apart).
  EXPECT_FALSE(cli().find_cli_attempt_by_polling_code(new_project(), "poll-1"));
  EXPECT_FALSE(cli().find_cli_attempt_by_polling_code(project_, "login-1"));
  auto by_login = cli().find_open_cli_attempt_by_login_code("login-1", 4999);
  ASSERT_TRUE(by_login);
  EXPECT_EQ(by_login->project_id, project_);
  EXPECT_FALSE(cli().find_open_cli_attempt_by_login_code("login-1", 5000));  // expired
  EXPECT_FALSE(cli().create_cli_attempt(attempt(), "poll-x", "login-x") &&
               cli().create_cli_attempt(attempt(), "poll-x", "login-y"));
  CliLoginAttempt orphan = attempt();
  orphan.project_id = core::random_uuid();
  EXPECT_FALSE(cli().create_cli_attempt(orphan, "poll-o", "login-o"));
}

TEST_P(CliLoginStoreContract, CompletesOnceWhileOpenAndDeliversOnce) {
  CliLoginAttempt a = attempt();
  ASSERT_TRUE(cli().create_cli_attempt(a, "p", "l"));
  EXPECT_FALSE(cli().claim_cli_attempt(project_, a.id, 2000));             // not completed
  EXPECT_FALSE(cli().complete_cli_attempt(project_, a.id, "late", 5000));  // expired then
  const std::string sealed("\x01\x00sealed", 8);
  EXPECT_EQ(concurrently([&] { return cli().complete_cli_attempt(project_, a.id, sealed, 2000); }),
            1);
  EXPECT_FALSE(cli().find_open_cli_attempt_by_login_code("l", 2001));
  auto done = cli().find_cli_attempt_by_polling_code(project_, "p");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->completed_at_millis, 2000);
  EXPECT_EQ(done->sealed_refresh_token, sealed);

  std::atomic<int> got{0};
  EXPECT_EQ(concurrently([&] {
              auto s = cli().claim_cli_attempt(project_, a.id, 3000);
              if (s && *s == sealed) ++got;
              return s.has_value();
            }),
            1);
  EXPECT_EQ(got, 1);
  auto used = cli().find_cli_attempt_by_polling_code(project_, "p");
  ASSERT_TRUE(used);
  EXPECT_EQ(used->used_at_millis, 3000);
  EXPECT_FALSE(used->sealed_refresh_token);  // the token is not kept once delivered
  EXPECT_FALSE(cli().claim_cli_attempt(project_, a.id, 3001));
}

TEST_P(CliLoginStoreContract, AttemptsLongExpiredAreDeletedByLaterOnes) {
  const int64_t day = 24 * 60 * 60 * 1000;
  CliLoginAttempt old = attempt(0, 1000);
  ASSERT_TRUE(cli().create_cli_attempt(old, "p-old", "l-old"));
  CliLoginAttempt recent = attempt(day, day + 1000);
  ASSERT_TRUE(cli().create_cli_attempt(recent, "p-recent", "l-recent"));
  // Expired less than a day before: still answers "expired".
  EXPECT_TRUE(cli().find_cli_attempt_by_polling_code(project_, "p-old"));
  ASSERT_TRUE(cli().create_cli_attempt(attempt(day + 1001, day + 5000), "p-3", "l-3"));
  EXPECT_FALSE(cli().find_cli_attempt_by_polling_code(project_, "p-old"));
  EXPECT_TRUE(cli().find_cli_attempt_by_polling_code(project_, "p-recent"));
}

INSTANTIATE_TEST_SUITE_P(Engines, CliLoginStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
