// UserStore::import_user contract, on both engines: one line of `users
// import` is written whole (user row, channels, OAuth accounts, teams,
// memberships with their default permissions, selected team) or, when any
// write fails, not at all; a repeated import writes nothing new; what
// belongs to another user is left out and listed.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>

#include "core/crypto.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class UserImportContract : public testing::ProjectEngineTest {
 protected:
  // A new user's line: an e-mail it signs in with, one more channel, a
  // GitHub account and membership of `team` (created if missing).
  UserImport line(const std::string& team = core::random_uuid()) {
    UserImport in;
    in.user.id = core::random_uuid();
    in.user.project_id = project_;
    in.user.display_name = "Imported";
    in.user.created_at_millis = 100;
    in.user.last_active_at_millis = 200;
    in.user.primary_email = "imp-" + in.user.id.substr(0, 8) + "@example.com";
    in.user.primary_email_auth_enabled = true;
    in.user.oauth_providers.push_back({"github", "gh-" + in.user.id, std::nullopt});
    ContactChannel extra;
    extra.value = "work-" + in.user.id.substr(0, 8) + "@example.com";
    extra.is_verified = true;
    in.channels.push_back(extra);
    Team t;
    t.id = team;
    t.project_id = project_;
    t.display_name = "Imported team";
    t.created_at_millis = 300;
    in.teams.push_back(t);
    in.selected_team_id = team;
    in.user_permission_ids = {"project_reader"};
    in.member_permission_ids = {"team_member"};
    in.now_millis = 400;
    return in;
  }

  UserImportResult import(const UserImport& in) { return store().users().import_user(in); }

  std::vector<std::string> project_grants(const std::string& user) {
    std::vector<std::string> out;
    for (const auto& g : store().permissions().list_project_grants(project_, user))
      out.push_back(g.permission_id);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> team_grants(const std::string& team, const std::string& user) {
    std::vector<std::string> out;
    for (const auto& g : store().permissions().list_team_grants(project_, team, user))
      out.push_back(g.permission_id);
    std::sort(out.begin(), out.end());
    return out;
  }
  size_t channels(const std::string& user) {
    return store().contact_channels().list_contact_channels(project_, user, std::nullopt).size();
  }

  // Every membership insert from now on fails inside its transaction, as a
  // write the import cannot classify would.
  void refuse_memberships() {
    if (postgres()) {
      ASSERT_TRUE(admin_->exec("CREATE FUNCTION " + schema_ +
                               ".refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
                               "EXCEPTION 'refused by the test'; END $$"));
      ASSERT_TRUE(admin_->exec("CREATE TRIGGER refuse_members BEFORE INSERT ON " + schema_ +
                               ".team_members FOR EACH ROW EXECUTE FUNCTION " + schema_ +
                               ".refuse()"));
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(url_.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db,
                           "CREATE TRIGGER refuse_members BEFORE INSERT ON team_members "
                           "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
};

TEST_P(UserImportContract, ANewUserIsWrittenWithEverythingOfItsLine) {
  UserImport in = line();
  auto r = import(in);
  EXPECT_EQ(r.status, ImportUserStatus::kCreated);
  EXPECT_TRUE(r.left_out.empty());
  const std::string& id = in.user.id;
  auto got = store().users().find_user_by_auth_email(project_, *in.user.primary_email);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->display_name, "Imported");
  EXPECT_EQ(got->created_at_millis, 100);
  ASSERT_EQ(got->oauth_providers.size(), 1u);
  EXPECT_EQ(got->oauth_providers[0].account_id, "gh-" + id);
  EXPECT_EQ(channels(id), 2u);
  const std::string& team = in.teams[0].id;
  auto t = store().teams().get_team(project_, team);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->display_name, "Imported team");
  EXPECT_EQ(got->selected_team_id, team);
  // The project's defaults, as the API grants them.
  EXPECT_EQ(project_grants(id), std::vector<std::string>{"project_reader"});
  EXPECT_EQ(team_grants(team, id), std::vector<std::string>{"team_member"});
}

TEST_P(UserImportContract, ImportingAgainWritesNothingNewAndKeepsWhatExists) {
  UserImport in = line();
  ASSERT_EQ(import(in).status, ImportUserStatus::kCreated);
  const std::string& id = in.user.id;
  const std::string& team = in.teams[0].id;
  // Changed meanwhile: a grant revoked, another one given.
  ASSERT_TRUE(store().permissions().revoke_team_permission(project_, team, id, "team_member"));
  ASSERT_TRUE(store().permissions().grant_team_permission(project_, team, id, "team_admin"));

  in.user.display_name = "Renamed";
  in.user_permission_ids = {"project_writer"};
  auto again = import(in);
  EXPECT_EQ(again.status, ImportUserStatus::kUpdated);
  EXPECT_TRUE(again.left_out.empty());
  EXPECT_EQ(store().users().get_user(project_, id)->display_name, "Renamed");
  EXPECT_EQ(channels(id), 2u);
  EXPECT_EQ(store().oauth().list_user_oauth_accounts(project_, id).size(), 1u);
  EXPECT_EQ(store().teams().list_members(project_, team, std::nullopt).size(), 1u);
  EXPECT_EQ(store().teams().list_teams(project_, std::nullopt).size(), 1u);
  // An existing user and membership keep their permissions.
  EXPECT_EQ(project_grants(id), std::vector<std::string>{"project_reader"});
  EXPECT_EQ(team_grants(team, id), std::vector<std::string>{"team_admin"});
}

TEST_P(UserImportContract, AJoinedTeamGetsTheMemberDefaultsAndAnExistingTeamIsKept) {
  Team existing;
  existing.id = core::random_uuid();
  existing.project_id = project_;
  existing.display_name = "Already here";
  existing.created_at_millis = 1;
  ASSERT_EQ(store().teams().create_team(existing, std::nullopt), CreateTeamStatus::kCreated);
  UserImport in = line(existing.id);
  ASSERT_EQ(import(in).status, ImportUserStatus::kCreated);
  EXPECT_EQ(store().teams().get_team(project_, existing.id)->display_name, "Already here");
  EXPECT_EQ(team_grants(existing.id, in.user.id), std::vector<std::string>{"team_member"});
}

TEST_P(UserImportContract, AFailureAfterTheUserRowLeavesNothingOfTheLine) {
  refuse_memberships();
  UserImport in = line();
  EXPECT_ANY_THROW(import(in));
  EXPECT_FALSE(store().users().get_user(project_, in.user.id));
  EXPECT_FALSE(store().users().find_user_by_auth_email(project_, *in.user.primary_email));
  EXPECT_TRUE(store()
                  .contact_channels()
                  .list_contact_channels(project_, std::nullopt, std::nullopt)
                  .empty());
  EXPECT_FALSE(store().oauth().find_oauth_account(project_, "github", "gh-" + in.user.id));
  EXPECT_FALSE(store().teams().get_team(project_, in.teams[0].id));
  EXPECT_TRUE(store().permissions().list_project_grants(project_, std::nullopt).empty());
}

TEST_P(UserImportContract, AFailedUpdateLeavesTheExistingUserAsItWas) {
  UserImport first = line();
  first.teams.clear();
  first.selected_team_id.reset();
  ASSERT_EQ(import(first).status, ImportUserStatus::kCreated);
  refuse_memberships();
  UserImport second = line();
  second.user.id = first.user.id;
  second.user.display_name = "Not written";
  EXPECT_ANY_THROW(import(second));
  auto u = store().users().get_user(project_, first.user.id);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->display_name, "Imported");
  EXPECT_EQ(u->primary_email, first.user.primary_email);
  EXPECT_EQ(channels(first.user.id), 2u);
  EXPECT_EQ(u->oauth_providers.size(), 1u);
  EXPECT_FALSE(store().teams().get_team(project_, second.teams[0].id));
}

TEST_P(UserImportContract, WhatBelongsToAnotherUserIsLeftOutAndTheRestWritten) {
  UserImport other = line();
  ASSERT_EQ(import(other).status, ImportUserStatus::kCreated);

  UserImport in = line();
  ContactChannel taken;
  taken.value = *other.user.primary_email;  // the other user signs in with it
  taken.used_for_auth = true;
  in.channels.push_back(taken);
  in.user.oauth_providers.push_back(other.user.oauth_providers[0]);
  in.selected_team_id = core::random_uuid();  // not one of its teams
  auto r = import(in);
  EXPECT_EQ(r.status, ImportUserStatus::kCreated);
  ASSERT_EQ(r.left_out.size(), 3u);
  EXPECT_EQ(r.left_out[0].why, ImportLeftOut::Why::kChannelSignsInAnotherUser);
  EXPECT_EQ(r.left_out[0].what, *other.user.primary_email);
  EXPECT_EQ(r.left_out[1].why, ImportLeftOut::Why::kOAuthAccountOfAnotherUser);
  EXPECT_EQ(r.left_out[1].what, "github/gh-" + other.user.id);
  EXPECT_EQ(r.left_out[2].why, ImportLeftOut::Why::kSelectedTeamNotJoined);
  EXPECT_EQ(channels(in.user.id), 2u);
  EXPECT_EQ(store().oauth().list_user_oauth_accounts(project_, in.user.id).size(), 1u);
  EXPECT_EQ(store().oauth().list_user_oauth_accounts(project_, other.user.id).size(), 1u);
  EXPECT_EQ(store().teams().list_teams(project_, in.user.id).size(), 1u);
  EXPECT_FALSE(store().users().get_user(project_, in.user.id)->selected_team_id);
}

TEST_P(UserImportContract, APrimaryEmailOfAnotherUserWritesNothing) {
  UserImport other = line();
  ASSERT_EQ(import(other).status, ImportUserStatus::kCreated);
  UserImport in = line();
  in.user.primary_email = other.user.primary_email;
  EXPECT_EQ(import(in).status, ImportUserStatus::kEmailInUse);
  EXPECT_FALSE(store().users().get_user(project_, in.user.id));
  EXPECT_FALSE(store().teams().get_team(project_, in.teams[0].id));

  // The same for an existing user that would take it.
  UserImport mine = line();
  mine.teams.clear();
  mine.selected_team_id.reset();
  ASSERT_EQ(import(mine).status, ImportUserStatus::kCreated);
  mine.user.primary_email = other.user.primary_email;
  mine.user.display_name = "Not written";
  EXPECT_EQ(import(mine).status, ImportUserStatus::kEmailInUse);
  EXPECT_EQ(store().users().get_user(project_, mine.user.id)->display_name, "Imported");
}

INSTANTIATE_TEST_SUITE_P(Engines, UserImportContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
