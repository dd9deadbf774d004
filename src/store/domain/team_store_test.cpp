// TeamStore contract, on both engines: teams with their creators, members
// and their overrides, the cascades of deleting a team, a membership, a user
// or a project, team invitations (verification codes), and the personal team
// a sign-up writes in the user's transaction.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "core/crypto.hpp"
#include "store/sql/sql.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class TeamStoreContract : public testing::ProjectEngineTest {
 protected:
  Team team(int64_t created, const std::string& name = "t") {
    Team t;
    t.id = core::random_uuid();
    t.project_id = project_;
    t.display_name = name;
    t.created_at_millis = created;
    return t;
  }

  // A team created (without creator) in the project.
  std::string new_team(int64_t created = 1) {
    Team t = team(created);
    EXPECT_EQ(teams().create_team(t, std::nullopt), CreateTeamStatus::kCreated);
    return t.id;
  }

  static NewTeamMember member(const std::string& user, std::vector<std::string> permissions = {},
                              int64_t created = 1) {
    return NewTeamMember{user, std::move(permissions), created};
  }

  // A team invitation code for `team_id`, as the invitation route writes it.
  VerificationCode invitation(const std::string& team_id, const std::string& email, int64_t created,
                              int64_t expires) {
    VerificationCode c;
    c.id = core::random_uuid();
    c.project_id = project_;
    c.branch_id = "main";
    c.type = "TEAM_INVITATION";
    c.code_digest = core::random_uuid();
    c.nonce_digest = core::random_uuid();
    c.method = Json{{"email", email}};
    c.data = Json{{"team_id", team_id}};
    c.created_at_millis = created;
    c.expires_at_millis = expires;
    return c;
  }
  std::string new_invitation(const std::string& team_id, const std::string& email,
                             int64_t created = 1, int64_t expires = 1000) {
    VerificationCode c = invitation(team_id, email, created, expires);
    EXPECT_TRUE(store().verification_codes().insert_code(c));
    return c.id;
  }

  std::vector<std::string> grants_of(const std::string& team_id, const std::string& user_id) {
    std::vector<std::string> out;
    for (const auto& g : store().permissions().list_team_grants(project_, team_id, user_id))
      out.push_back(g.permission_id);
    return out;
  }

  std::optional<std::string> selected_team_of(const std::string& user_id) {
    auto u = store().users().get_user(project_, user_id);
    EXPECT_TRUE(u);
    return u ? u->selected_team_id : std::nullopt;
  }

  void select_team(const std::string& user_id, const std::string& team_id) {
    UserUpdate up;
    up.selected_team_id = std::optional<std::string>(team_id);
    ASSERT_EQ(store().users().update_user(project_, user_id, up), UpdateUserStatus::kUpdated);
  }

  TeamStore& teams() { return store().teams(); }
};

std::vector<std::string> ids_of(const std::vector<Team>& ts) {
  std::vector<std::string> out;
  for (const auto& t : ts) out.push_back(t.id);
  return out;
}

TEST_P(TeamStoreContract, CreatesATeamWithItsCreatorAndReadsItBack) {
  std::string u = new_user(project_);
  Team t = team(42, "Alpha");
  t.profile_image_url = "https://img/a.png";
  t.client_metadata = Json{{"c", 1}};
  t.client_read_only_metadata = Json{{"r", Json::array({1, 2})}};
  t.server_metadata = Json{{"s", "x"}};
  ASSERT_EQ(teams().create_team(t, member(u, {"team_admin", "$read_members"}, 43)),
            CreateTeamStatus::kCreated);

  auto got = teams().get_team(project_, t.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, t.id);
  EXPECT_EQ(got->project_id, project_);
  EXPECT_EQ(got->display_name, "Alpha");
  EXPECT_EQ(got->profile_image_url, "https://img/a.png");
  EXPECT_EQ(got->client_metadata, t.client_metadata);
  EXPECT_EQ(got->client_read_only_metadata, t.client_read_only_metadata);
  EXPECT_EQ(got->server_metadata, t.server_metadata);
  EXPECT_EQ(got->created_at_millis, 42);

  auto m = teams().get_member(project_, t.id, u);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->project_id, project_);
  EXPECT_EQ(m->team_id, t.id);
  EXPECT_EQ(m->user_id, u);
  EXPECT_FALSE(m->display_name);
  EXPECT_FALSE(m->profile_image_url);
  EXPECT_EQ(m->created_at_millis, 43);
  EXPECT_EQ(grants_of(t.id, u), (std::vector<std::string>{"$read_members", "team_admin"}));

  // Without a creator: unset metadata reads as null, and nobody is a member.
  Team bare = team(1);
  ASSERT_EQ(teams().create_team(bare, std::nullopt), CreateTeamStatus::kCreated);
  auto got_bare = teams().get_team(project_, bare.id);
  ASSERT_TRUE(got_bare);
  EXPECT_FALSE(got_bare->profile_image_url);
  EXPECT_TRUE(got_bare->client_metadata.is_null());
  EXPECT_TRUE(got_bare->server_metadata.is_null());
  EXPECT_TRUE(teams().list_members(project_, bare.id, std::nullopt).empty());

  EXPECT_FALSE(teams().get_team(project_, core::random_uuid()));
  EXPECT_FALSE(teams().get_team(new_project(), t.id));
}

TEST_P(TeamStoreContract, AMissingCreatorOrATakenIdWritesNothing) {
  Team t = team(1);
  EXPECT_EQ(teams().create_team(t, member(core::random_uuid())), CreateTeamStatus::kUserNotFound);
  EXPECT_FALSE(teams().get_team(project_, t.id));

  std::string a = new_user(project_), b = new_user(project_);
  ASSERT_EQ(teams().create_team(t, member(a)), CreateTeamStatus::kCreated);
  Team again = team(2, "other");
  again.id = t.id;
  EXPECT_THROW(teams().create_team(again, member(b, {"team_admin"})), sql::ConstraintError);
  EXPECT_EQ(teams().get_team(project_, t.id)->display_name, "t");
  EXPECT_FALSE(teams().get_member(project_, t.id, b));
  EXPECT_TRUE(grants_of(t.id, b).empty());
}

TEST_P(TeamStoreContract, ListsTeamsByCreationThenInsertionAndByMember) {
  std::string u = new_user(project_);
  std::vector<std::string> ids;
  for (int64_t created : {20, 10, 10, 30}) ids.push_back(new_team(created));
  std::string other_project_team;
  {
    std::string saved = project_;
    project_ = new_project();
    other_project_team = new_team(1);
    project_ = saved;
  }
  EXPECT_EQ(ids_of(teams().list_teams(project_, std::nullopt)),
            (std::vector<std::string>{ids[1], ids[2], ids[0], ids[3]}));

  ASSERT_EQ(teams().add_member(project_, ids[3], member(u)), AddMemberStatus::kAdded);
  ASSERT_EQ(teams().add_member(project_, ids[0], member(u)), AddMemberStatus::kAdded);
  EXPECT_EQ(ids_of(teams().list_teams(project_, u)), (std::vector<std::string>{ids[0], ids[3]}));
  EXPECT_TRUE(teams().list_teams(project_, core::random_uuid()).empty());
}

TEST_P(TeamStoreContract, UpdatesOnlyTheFieldsGiven) {
  Team t = team(5, "before");
  t.profile_image_url = "https://img/1.png";
  t.client_metadata = Json{{"keep", true}};
  t.server_metadata = Json{{"drop", true}};
  ASSERT_EQ(teams().create_team(t, std::nullopt), CreateTeamStatus::kCreated);

  TeamUpdate up;
  up.display_name = "after";
  up.client_read_only_metadata = Json{{"ro", 1}};
  up.server_metadata = Json();  // cleared
  ASSERT_TRUE(teams().update_team(project_, t.id, up));
  auto got = teams().get_team(project_, t.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->display_name, "after");
  EXPECT_EQ(got->profile_image_url, "https://img/1.png");
  EXPECT_EQ(got->client_metadata, (Json{{"keep", true}}));
  EXPECT_EQ(got->client_read_only_metadata, (Json{{"ro", 1}}));
  EXPECT_TRUE(got->server_metadata.is_null());
  EXPECT_EQ(got->created_at_millis, 5);

  TeamUpdate clear_image;
  clear_image.profile_image_url = std::optional<std::string>();
  ASSERT_TRUE(teams().update_team(project_, t.id, clear_image));
  got = teams().get_team(project_, t.id);
  EXPECT_FALSE(got->profile_image_url);
  EXPECT_EQ(got->display_name, "after");

  EXPECT_FALSE(teams().update_team(project_, core::random_uuid(), up));
}

TEST_P(TeamStoreContract, DeletingATeamRemovesWhatHangsOffIt) {
  std::string a = new_user(project_), b = new_user(project_);
  std::string doomed = new_team(1), kept = new_team(2);
  ASSERT_EQ(teams().add_member(project_, doomed, member(a, {"team_admin"})),
            AddMemberStatus::kAdded);
  ASSERT_EQ(teams().add_member(project_, doomed, member(b, {"team_member"})),
            AddMemberStatus::kAdded);
  ASSERT_EQ(teams().add_member(project_, kept, member(a, {"team_member"})),
            AddMemberStatus::kAdded);
  ASSERT_EQ(teams().add_member(project_, kept, member(b)), AddMemberStatus::kAdded);
  select_team(a, doomed);
  select_team(b, kept);
  std::string doomed_code = new_invitation(doomed, "x@example.com");
  std::string kept_code = new_invitation(kept, "y@example.com");

  ASSERT_TRUE(teams().delete_team(project_, doomed));
  EXPECT_FALSE(teams().get_team(project_, doomed));
  EXPECT_TRUE(teams().list_members(project_, doomed, std::nullopt).empty());
  EXPECT_TRUE(grants_of(doomed, a).empty());
  EXPECT_TRUE(grants_of(doomed, b).empty());
  EXPECT_FALSE(selected_team_of(a));
  EXPECT_EQ(selected_team_of(b), kept);
  // The invitation code is gone (not merely hidden): it cannot be used.
  EXPECT_TRUE(teams().list_invitations(project_, "main", doomed, 0).empty());
  EXPECT_FALSE(store().verification_codes().mark_used(project_, doomed_code, 5));

  // The other team is untouched.
  EXPECT_EQ(teams().list_members(project_, kept, std::nullopt).size(), 2u);
  EXPECT_EQ(grants_of(kept, a), (std::vector<std::string>{"team_member"}));
  ASSERT_EQ(teams().list_invitations(project_, "main", kept, 0).size(), 1u);
  EXPECT_EQ(teams().list_invitations(project_, "main", kept, 0)[0].id, kept_code);

  EXPECT_FALSE(teams().delete_team(project_, doomed));
}

TEST_P(TeamStoreContract, AddMemberChecksUserThenTeamThenMembership) {
  std::string u = new_user(project_), t = new_team();
  // Both missing: the user is checked first.
  EXPECT_EQ(teams().add_member(project_, core::random_uuid(), member(core::random_uuid())),
            AddMemberStatus::kUserNotFound);
  EXPECT_EQ(teams().add_member(project_, t, member(core::random_uuid())),
            AddMemberStatus::kUserNotFound);
  EXPECT_EQ(teams().add_member(project_, core::random_uuid(), member(u)),
            AddMemberStatus::kTeamNotFound);
  // A user of another project is not found in this one.
  EXPECT_EQ(teams().add_member(new_project(), t, member(u)), AddMemberStatus::kUserNotFound);

  ASSERT_EQ(teams().add_member(project_, t, member(u, {"team_member", "team_member"}, 7)),
            AddMemberStatus::kAdded);
  EXPECT_EQ(grants_of(t, u), (std::vector<std::string>{"team_member"}));
  // A second join changes nothing, not even the permissions.
  EXPECT_EQ(teams().add_member(project_, t, member(u, {"team_admin"}, 8)),
            AddMemberStatus::kAlreadyMember);
  EXPECT_EQ(grants_of(t, u), (std::vector<std::string>{"team_member"}));
  EXPECT_EQ(teams().get_member(project_, t, u)->created_at_millis, 7);
}

TEST_P(TeamStoreContract, ConcurrentJoinsOfOneUserAddItOnce) {
  std::string u = new_user(project_), t = new_team();
  std::atomic<int> added{0}, already{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      auto s = teams().add_member(project_, t, member(u, {"p" + std::to_string(i)}));
      if (s == AddMemberStatus::kAdded) ++added;
      if (s == AddMemberStatus::kAlreadyMember) ++already;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(added.load(), 1);
  EXPECT_EQ(already.load(), 3);
  // Only the winner's permission was written.
  EXPECT_EQ(grants_of(t, u).size(), 1u);
}

TEST_P(TeamStoreContract, ListsMembersByJoinTimeWithFilters) {
  std::string a = new_user(project_), b = new_user(project_), c = new_user(project_);
  std::string t1 = new_team(1), t2 = new_team(2);
  ASSERT_EQ(teams().add_member(project_, t1, member(a, {}, 20)), AddMemberStatus::kAdded);
  ASSERT_EQ(teams().add_member(project_, t1, member(b, {}, 10)), AddMemberStatus::kAdded);
  ASSERT_EQ(teams().add_member(project_, t1, member(c, {}, 10)), AddMemberStatus::kAdded);
  ASSERT_EQ(teams().add_member(project_, t2, member(a, {}, 5)), AddMemberStatus::kAdded);

  auto users_of = [](const std::vector<TeamMember>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.user_id + "@" + m.team_id);
    return out;
  };
  EXPECT_EQ(users_of(teams().list_members(project_, t1, std::nullopt)),
            (std::vector<std::string>{b + "@" + t1, c + "@" + t1, a + "@" + t1}));
  EXPECT_EQ(users_of(teams().list_members(project_, std::nullopt, a)),
            (std::vector<std::string>{a + "@" + t2, a + "@" + t1}));
  EXPECT_EQ(users_of(teams().list_members(project_, t2, a)),
            (std::vector<std::string>{a + "@" + t2}));
  EXPECT_EQ(teams().list_members(project_, std::nullopt, std::nullopt).size(), 4u);
  EXPECT_TRUE(teams().list_members(new_project(), std::nullopt, std::nullopt).empty());
  EXPECT_FALSE(teams().get_member(project_, t2, b));
}

TEST_P(TeamStoreContract, UpdatesAMembersOverrides) {
  std::string u = new_user(project_), t = new_team();
  ASSERT_EQ(teams().add_member(project_, t, member(u)), AddMemberStatus::kAdded);

  TeamMemberUpdate up;
  up.display_name = "Nick";
  up.profile_image_url = std::optional<std::string>("https://img/m.png");
  ASSERT_TRUE(teams().update_member(project_, t, u, up));
  auto m = teams().get_member(project_, t, u);
  EXPECT_EQ(m->display_name, "Nick");
  EXPECT_EQ(m->profile_image_url, "https://img/m.png");

  TeamMemberUpdate clear_image;
  clear_image.profile_image_url = std::optional<std::string>();
  ASSERT_TRUE(teams().update_member(project_, t, u, clear_image));
  m = teams().get_member(project_, t, u);
  EXPECT_EQ(m->display_name, "Nick");
  EXPECT_FALSE(m->profile_image_url);

  EXPECT_FALSE(teams().update_member(project_, t, new_user(project_), up));
  EXPECT_FALSE(teams().update_member(project_, core::random_uuid(), u, up));
}

TEST_P(TeamStoreContract, RemovingAMemberRemovesItsGrantsAndSelection) {
  std::string u = new_user(project_), other = new_user(project_);
  std::string t = new_team(1), t2 = new_team(2);
  ASSERT_EQ(teams().add_member(project_, t, member(u, {"team_admin"})), AddMemberStatus::kAdded);
  ASSERT_EQ(teams().add_member(project_, t2, member(u, {"team_member"})), AddMemberStatus::kAdded);
  ASSERT_EQ(teams().add_member(project_, t, member(other, {"team_admin"})),
            AddMemberStatus::kAdded);
  select_team(u, t);
  select_team(other, t);

  ASSERT_TRUE(teams().remove_member(project_, t, u));
  EXPECT_FALSE(teams().get_member(project_, t, u));
  EXPECT_TRUE(grants_of(t, u).empty());
  EXPECT_FALSE(selected_team_of(u));
  // The user's other membership and the other member are untouched.
  EXPECT_EQ(grants_of(t2, u), (std::vector<std::string>{"team_member"}));
  EXPECT_EQ(grants_of(t, other), (std::vector<std::string>{"team_admin"}));
  EXPECT_EQ(selected_team_of(other), t);

  EXPECT_FALSE(teams().remove_member(project_, t, u));

  // A selection of another team survives removal from this one.
  select_team(u, t2);
  ASSERT_EQ(teams().add_member(project_, t, member(u)), AddMemberStatus::kAdded);
  ASSERT_TRUE(teams().remove_member(project_, t, u));
  EXPECT_EQ(selected_team_of(u), t2);
}

TEST_P(TeamStoreContract, TheTeamOfAMemberOnly) {
  std::string u = new_user(project_), outsider = new_user(project_);
  Team t = team(3, "Mine");
  ASSERT_EQ(teams().create_team(t, member(u)), CreateTeamStatus::kCreated);
  auto got = teams().get_team_of_member(project_, t.id, u);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, t.id);
  EXPECT_EQ(got->display_name, "Mine");
  EXPECT_EQ(got->created_at_millis, 3);
  EXPECT_FALSE(teams().get_team_of_member(project_, t.id, outsider));
  EXPECT_FALSE(teams().get_team_of_member(project_, core::random_uuid(), u));
}

TEST_P(TeamStoreContract, DeletingAUserOrProjectRemovesMemberships) {
  std::string u = new_user(project_), v = new_user(project_);
  std::string t = new_team();
  ASSERT_EQ(teams().add_member(project_, t, member(u, {"team_admin"})), AddMemberStatus::kAdded);
  ASSERT_EQ(teams().add_member(project_, t, member(v, {"team_admin"})), AddMemberStatus::kAdded);
  ASSERT_TRUE(store().users().delete_user(project_, u));
  EXPECT_FALSE(teams().get_member(project_, t, u));
  EXPECT_TRUE(grants_of(t, u).empty());
  EXPECT_TRUE(teams().get_member(project_, t, v));

  ASSERT_TRUE(store().projects().delete_project(project_));
  EXPECT_FALSE(teams().get_team(project_, t));
  EXPECT_TRUE(teams().list_teams(project_, std::nullopt).empty());
  EXPECT_TRUE(teams().list_members(project_, std::nullopt, std::nullopt).empty());
  EXPECT_TRUE(store().permissions().list_team_grants(project_, std::nullopt, std::nullopt).empty());
}

TEST_P(TeamStoreContract, ListsAndDeletesOnlyPendingInvitations) {
  std::string t = new_team(), t2 = new_team();
  std::string later = new_invitation(t, "b@example.com", 20, 1000);
  std::string first = new_invitation(t, "a@example.com", 10, 1000);
  std::string tie = new_invitation(t, "c@example.com", 10, 100);
  std::string expired = new_invitation(t, "d@example.com", 5, 99);
  std::string used = new_invitation(t, "e@example.com", 5, 1000);
  ASSERT_TRUE(store().verification_codes().mark_used(project_, used, 50));
  new_invitation(t2, "f@example.com", 1, 1000);
  {
    VerificationCode other_branch = invitation(t, "g@example.com", 1, 1000);
    other_branch.branch_id = "dev";
    ASSERT_TRUE(store().verification_codes().insert_code(other_branch));
    VerificationCode other_type = invitation(t, "h@example.com", 1, 1000);
    other_type.type = "ONE_TIME_PASSWORD";
    ASSERT_TRUE(store().verification_codes().insert_code(other_type));
  }

  auto pending = teams().list_invitations(project_, "main", t, 100);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].id, first);
  EXPECT_EQ(pending[0].team_id, t);
  EXPECT_EQ(pending[0].recipient_email, "a@example.com");
  EXPECT_EQ(pending[0].expires_at_millis, 1000);
  EXPECT_EQ(pending[1].id, tie);  // expires_at == now is still pending
  EXPECT_EQ(pending[2].id, later);
  EXPECT_EQ(teams().list_invitations(project_, "main", t, 101).size(), 2u);

  EXPECT_FALSE(teams().delete_invitation(project_, "main", t, expired, 100));
  EXPECT_FALSE(teams().delete_invitation(project_, "main", t, used, 100));
  EXPECT_FALSE(teams().delete_invitation(project_, "main", t2, first, 100));
  EXPECT_FALSE(teams().delete_invitation(project_, "dev", t, first, 100));
  EXPECT_FALSE(teams().delete_invitation(project_, "main", t, core::random_uuid(), 100));
  EXPECT_TRUE(teams().delete_invitation(project_, "main", t, first, 100));
  EXPECT_FALSE(teams().delete_invitation(project_, "main", t, first, 100));
  pending = teams().list_invitations(project_, "main", t, 100);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, tie);
  EXPECT_EQ(teams().list_invitations(project_, "main", t2, 100).size(), 1u);
}

TEST_P(TeamStoreContract, AcceptingAnInvitationUsesTheCodeAndJoinsOnce) {
  std::string u = new_user(project_), t = new_team();
  std::string code = new_invitation(t, "u@example.com");
  EXPECT_EQ(teams().accept_invitation(project_, code, t, member(u, {"team_member"}, 9), 50),
            AcceptInvitationStatus::kJoined);
  EXPECT_EQ(teams().get_member(project_, t, u)->created_at_millis, 9);
  EXPECT_EQ(grants_of(t, u), (std::vector<std::string>{"team_member"}));
  EXPECT_TRUE(teams().list_invitations(project_, "main", t, 0).empty());
  EXPECT_FALSE(store().verification_codes().mark_used(project_, code, 60));

  // The same code again: nothing written.
  std::string v = new_user(project_);
  EXPECT_EQ(teams().accept_invitation(project_, code, t, member(v), 60),
            AcceptInvitationStatus::kCodeUsed);
  EXPECT_FALSE(teams().get_member(project_, t, v));

  // Another code for a member: the code is used, the membership unchanged.
  std::string second = new_invitation(t, "u@example.com");
  EXPECT_EQ(teams().accept_invitation(project_, second, t, member(u, {"team_admin"}), 70),
            AcceptInvitationStatus::kAlreadyMember);
  EXPECT_EQ(grants_of(t, u), (std::vector<std::string>{"team_member"}));
  EXPECT_FALSE(store().verification_codes().mark_used(project_, second, 80));
}

TEST_P(TeamStoreContract, AcceptingForAMissingTeamOrUserLeavesTheCodeUnused) {
  std::string u = new_user(project_), t = new_team();
  std::string code = new_invitation(t, "u@example.com");
  EXPECT_EQ(teams().accept_invitation(project_, code, core::random_uuid(), member(u), 50),
            AcceptInvitationStatus::kTeamNotFound);
  EXPECT_EQ(teams().accept_invitation(project_, code, t, member(core::random_uuid()), 50),
            AcceptInvitationStatus::kUserNotFound);
  EXPECT_FALSE(teams().get_member(project_, t, u));
  ASSERT_EQ(teams().list_invitations(project_, "main", t, 0).size(), 1u);
  // Still usable.
  EXPECT_EQ(teams().accept_invitation(project_, code, t, member(u), 50),
            AcceptInvitationStatus::kJoined);
}

TEST_P(TeamStoreContract, ConcurrentAcceptsOfOneCodeJoinOneUser) {
  std::string t = new_team();
  std::string code = new_invitation(t, "u@example.com");
  std::vector<std::string> users;
  for (int i = 0; i < 4; ++i) users.push_back(new_user(project_));
  std::atomic<int> joined{0}, used{0};
  std::vector<std::thread> threads;
  for (const auto& u : users)
    threads.emplace_back([&, u] {
      auto s = teams().accept_invitation(project_, code, t, member(u), 50);
      if (s == AcceptInvitationStatus::kJoined) ++joined;
      if (s == AcceptInvitationStatus::kCodeUsed) ++used;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(joined.load(), 1);
  EXPECT_EQ(used.load(), 3);
  EXPECT_EQ(teams().list_members(project_, t, std::nullopt).size(), 1u);
}

TEST_P(TeamStoreContract, ASignUpWritesItsPermissionsAndPersonalTeam) {
  NewUserExtras extras;
  extras.project_permission_ids = {"proj_a", "proj_b", "proj_a"};
  extras.personal_team =
      NewUserExtras::PersonalTeam{core::random_uuid(), "Personal", {"team_admin", "$update_team"}};
  std::string u = new_user(project_, {.extras = extras});
  const std::string& team_id = extras.personal_team->id;

  auto t = teams().get_team(project_, team_id);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->display_name, "Personal");
  EXPECT_EQ(t->created_at_millis, 1000);
  auto m = teams().get_member(project_, team_id, u);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->created_at_millis, 1000);
  EXPECT_EQ(grants_of(team_id, u), (std::vector<std::string>{"$update_team", "team_admin"}));
  auto project_grants = store().permissions().list_project_grants(project_, u);
  ASSERT_EQ(project_grants.size(), 2u);
  EXPECT_EQ(project_grants[0].permission_id, "proj_a");
  EXPECT_EQ(project_grants[1].permission_id, "proj_b");

  // Selected, and read with the user through team_columns().
  auto user = store().users().get_user(project_, u);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->selected_team_id, team_id);
  ASSERT_TRUE(user->selected_team);
  EXPECT_EQ(user->selected_team->id, team_id);
  EXPECT_EQ(user->selected_team->display_name, "Personal");
  EXPECT_EQ(user->selected_team->created_at_millis, 1000);
}

TEST_P(TeamStoreContract, ASignUpWhosePersonalTeamFailsWritesNothing) {
  std::string taken = new_team();
  NewUserExtras extras;
  extras.project_permission_ids = {"proj_a"};
  extras.personal_team = NewUserExtras::PersonalTeam{taken, "Personal", {"team_admin"}};
  User u;
  u.id = core::random_uuid();
  u.project_id = project_;
  u.created_at_millis = 1000;
  // The team insert fails after the user row and its project permission.
  EXPECT_THROW(store().users().create_user(u, extras), sql::ConstraintError);
  EXPECT_FALSE(store().users().get_user(project_, u.id));
  EXPECT_TRUE(store().permissions().list_project_grants(project_, u.id).empty());
  EXPECT_TRUE(teams().list_members(project_, taken, std::nullopt).empty());
  EXPECT_EQ(teams().get_team(project_, taken)->display_name, "t");
}

INSTANTIATE_TEST_SUITE_P(Engines, TeamStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
