// PermissionStore contract, on both engines: the default and custom
// definitions (one id namespace per project), renames and deletes that
// rewrite contained lists and grants, and direct team and project grants.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "core/crypto.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class PermissionStoreContract : public testing::ProjectEngineTest {
 protected:
  // A team with `members` (no direct permissions yet).
  std::string new_team(const std::vector<std::string>& members) {
    Team t;
    t.id = core::random_uuid();
    t.project_id = project_;
    t.display_name = "t";
    EXPECT_EQ(store().teams().create_team(t, std::nullopt), CreateTeamStatus::kCreated);
    for (const auto& m : members)
      EXPECT_EQ(store().teams().add_member(project_, t.id, NewTeamMember{m, {}, 1}),
                AddMemberStatus::kAdded);
    return t.id;
  }

  static PermissionDefinition def(const std::string& id, PermissionScope scope,
                                  std::vector<std::string> contained = {},
                                  std::optional<std::string> description = std::nullopt) {
    return PermissionDefinition{id, scope, std::move(description), std::move(contained)};
  }

  std::optional<PermissionDefinition> find(const std::string& id) {
    for (auto& d : permissions().list_definitions(project_))
      if (d.id == id) return d;
    return std::nullopt;
  }

  std::vector<std::string> team_grants(const std::string& team, const std::string& user) {
    std::vector<std::string> out;
    for (const auto& g : permissions().list_team_grants(project_, team, user))
      out.push_back(g.permission_id);
    return out;
  }
  std::vector<std::string> project_grants(const std::string& user) {
    std::vector<std::string> out;
    for (const auto& g : permissions().list_project_grants(project_, user))
      out.push_back(g.permission_id);
    return out;
  }

  PermissionStore& permissions() { return store().permissions(); }
};

using Ids = std::vector<std::string>;

TEST_P(PermissionStoreContract, ANewProjectHasTheDefaultTeamDefinitions) {
  auto defs = permissions().list_definitions(project_);
  ASSERT_EQ(defs.size(), 2u);
  EXPECT_EQ(defs[0].id, "team_admin");
  EXPECT_EQ(defs[0].scope, PermissionScope::kTeam);
  EXPECT_EQ(defs[0].description, "Default permission for team admins");
  EXPECT_EQ(defs[0].contained_ids, (Ids{"$update_team", "$delete_team", "$read_members",
                                        "$remove_members", "$invite_members", "$manage_api_keys"}));
  EXPECT_EQ(defs[1].id, "team_member");
  EXPECT_EQ(defs[1].contained_ids, (Ids{"$read_members", "$invite_members"}));
  EXPECT_TRUE(permissions().list_definitions(core::random_uuid()).empty());
}

TEST_P(PermissionStoreContract, CreatesDefinitionsInOneIdNamespace) {
  ASSERT_EQ(permissions().create_definition(
                project_, def("read", PermissionScope::kProject, {"b", "a"}, "Reads")),
            DefinitionWriteStatus::kWritten);
  ASSERT_EQ(permissions().create_definition(
                project_, def("edit", PermissionScope::kTeam, {"read", "team_member"})),
            DefinitionWriteStatus::kWritten);
  // Taken in either scope: nothing written.
  EXPECT_EQ(permissions().create_definition(project_, def("read", PermissionScope::kTeam, {"x"})),
            DefinitionWriteStatus::kIdExists);
  EXPECT_EQ(permissions().create_definition(project_, def("team_admin", PermissionScope::kProject)),
            DefinitionWriteStatus::kIdExists);

  auto defs = permissions().list_definitions(project_);
  Ids ids;
  for (const auto& d : defs) ids.push_back(d.id);
  EXPECT_EQ(ids, (Ids{"edit", "read", "team_admin", "team_member"}));  // by id
  auto read = find("read");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->scope, PermissionScope::kProject);
  EXPECT_EQ(read->description, "Reads");
  EXPECT_EQ(read->contained_ids, (Ids{"b", "a"}));  // as stored
  auto edit = find("edit");
  EXPECT_EQ(edit->scope, PermissionScope::kTeam);
  EXPECT_FALSE(edit->description);
  EXPECT_EQ(edit->contained_ids, (Ids{"read", "team_member"}));
  EXPECT_EQ(find("team_admin")->scope, PermissionScope::kTeam);

  // Another project has its own namespace.
  std::string other = new_project();
  EXPECT_EQ(permissions().create_definition(other, def("read", PermissionScope::kTeam)),
            DefinitionWriteStatus::kWritten);
  EXPECT_EQ(find("read")->scope, PermissionScope::kProject);
}

TEST_P(PermissionStoreContract, UpdatesInPlaceOrReportsWhyNot) {
  ASSERT_EQ(permissions().create_definition(project_, def("a", PermissionScope::kTeam, {"x"})),
            DefinitionWriteStatus::kWritten);
  ASSERT_EQ(permissions().create_definition(project_, def("b", PermissionScope::kProject)),
            DefinitionWriteStatus::kWritten);

  EXPECT_EQ(
      permissions().update_definition(project_, "missing", def("missing", PermissionScope::kTeam)),
      DefinitionWriteStatus::kNotFound);
  // The scope is part of what names the definition.
  EXPECT_EQ(permissions().update_definition(project_, "a", def("a", PermissionScope::kProject)),
            DefinitionWriteStatus::kNotFound);
  // Renaming onto any other definition's id: nothing written.
  EXPECT_EQ(permissions().update_definition(project_, "a", def("b", PermissionScope::kTeam, {"y"})),
            DefinitionWriteStatus::kIdExists);
  EXPECT_EQ(
      permissions().update_definition(project_, "a", def("team_member", PermissionScope::kTeam)),
      DefinitionWriteStatus::kIdExists);
  EXPECT_EQ(find("a")->contained_ids, (Ids{"x"}));
  EXPECT_EQ(find("b")->scope, PermissionScope::kProject);

  ASSERT_EQ(permissions().update_definition(
                project_, "a", def("a", PermissionScope::kTeam, {"y", "team_member"}, "Now")),
            DefinitionWriteStatus::kWritten);
  auto a = find("a");
  EXPECT_EQ(a->description, "Now");
  EXPECT_EQ(a->contained_ids, (Ids{"y", "team_member"}));
  ASSERT_EQ(permissions().update_definition(project_, "a", def("a", PermissionScope::kTeam)),
            DefinitionWriteStatus::kWritten);
  EXPECT_FALSE(find("a")->description);
  EXPECT_TRUE(find("a")->contained_ids.empty());
}

TEST_P(PermissionStoreContract, ARenameRewritesContainedListsAndGrants) {
  std::string u = new_user(project_), v = new_user(project_);
  std::string t = new_team({u, v});
  ASSERT_EQ(permissions().create_definition(project_, def("old", PermissionScope::kTeam)),
            DefinitionWriteStatus::kWritten);
  // Contains the old id, and also the new one: one entry remains.
  ASSERT_EQ(permissions().create_definition(
                project_, def("holder", PermissionScope::kTeam, {"new", "old", "$read_members"})),
            DefinitionWriteStatus::kWritten);
  ASSERT_EQ(permissions().create_definition(
                project_, def("other", PermissionScope::kTeam, {"old", "team_member"})),
            DefinitionWriteStatus::kWritten);
  ASSERT_TRUE(permissions().grant_team_permission(project_, t, u, "old"));
  ASSERT_TRUE(permissions().grant_team_permission(project_, t, v, "old"));
  ASSERT_TRUE(permissions().grant_team_permission(project_, t, v, "new"));  // holds both
  ASSERT_TRUE(permissions().grant_project_permission(project_, u, "old"));
  ASSERT_TRUE(permissions().grant_project_permission(project_, v, "old"));
  ASSERT_TRUE(permissions().grant_project_permission(project_, v, "new"));

  ASSERT_EQ(permissions().update_definition(project_, "old",
                                            def("new", PermissionScope::kTeam, {"$update_team"})),
            DefinitionWriteStatus::kWritten);
  EXPECT_FALSE(find("old"));
  ASSERT_TRUE(find("new"));
  EXPECT_EQ(find("new")->contained_ids, (Ids{"$update_team"}));
  EXPECT_EQ(find("holder")->contained_ids, (Ids{"new", "$read_members"}));
  EXPECT_EQ(find("other")->contained_ids, (Ids{"new", "team_member"}));
  EXPECT_EQ(find("team_admin")->contained_ids.size(), 6u);  // untouched

  EXPECT_EQ(team_grants(t, u), (Ids{"new"}));
  EXPECT_EQ(team_grants(t, v), (Ids{"new"}));
  EXPECT_EQ(project_grants(u), (Ids{"new"}));
  EXPECT_EQ(project_grants(v), (Ids{"new"}));
}

TEST_P(PermissionStoreContract, DeletingADefinitionRemovesItEverywhere) {
  std::string u = new_user(project_);
  std::string t = new_team({u});
  ASSERT_EQ(permissions().create_definition(project_, def("gone", PermissionScope::kTeam)),
            DefinitionWriteStatus::kWritten);
  ASSERT_EQ(permissions().create_definition(
                project_, def("holder", PermissionScope::kTeam, {"gone", "$read_members", "gone"})),
            DefinitionWriteStatus::kWritten);
  ASSERT_TRUE(permissions().grant_team_permission(project_, t, u, "gone"));
  ASSERT_TRUE(permissions().grant_team_permission(project_, t, u, "team_member"));
  ASSERT_TRUE(permissions().grant_project_permission(project_, u, "gone"));
  ASSERT_TRUE(permissions().grant_project_permission(project_, u, "kept"));

  EXPECT_FALSE(permissions().delete_definition(project_, "gone", PermissionScope::kProject));
  EXPECT_FALSE(permissions().delete_definition(project_, "missing", PermissionScope::kTeam));
  EXPECT_TRUE(find("gone"));
  EXPECT_EQ(team_grants(t, u), (Ids{"gone", "team_member"}));

  ASSERT_TRUE(permissions().delete_definition(project_, "gone", PermissionScope::kTeam));
  EXPECT_FALSE(find("gone"));
  EXPECT_EQ(find("holder")->contained_ids, (Ids{"$read_members"}));
  EXPECT_EQ(team_grants(t, u), (Ids{"team_member"}));
  EXPECT_EQ(project_grants(u), (Ids{"kept"}));
  EXPECT_FALSE(permissions().delete_definition(project_, "gone", PermissionScope::kTeam));

  // A default definition can be deleted too.
  ASSERT_TRUE(permissions().delete_definition(project_, "team_member", PermissionScope::kTeam));
  EXPECT_TRUE(team_grants(t, u).empty());
}

TEST_P(PermissionStoreContract, TeamGrantsNeedAMembershipAndAreIdempotent) {
  std::string a = new_user(project_), b = new_user(project_), outsider = new_user(project_);
  std::string t1 = new_team({a, b}), t2 = new_team({a});

  EXPECT_FALSE(permissions().grant_team_permission(project_, t1, outsider, "team_admin"));
  EXPECT_FALSE(permissions().grant_team_permission(project_, core::random_uuid(), a, "x"));
  EXPECT_TRUE(team_grants(t1, outsider).empty());

  ASSERT_TRUE(permissions().grant_team_permission(project_, t1, b, "z"));
  ASSERT_TRUE(permissions().grant_team_permission(project_, t1, a, "y"));
  ASSERT_TRUE(permissions().grant_team_permission(project_, t1, a, "x"));
  ASSERT_TRUE(permissions().grant_team_permission(project_, t1, a, "x"));  // again
  ASSERT_TRUE(permissions().grant_team_permission(project_, t2, a, "w"));

  auto all = permissions().list_team_grants(project_, std::nullopt, std::nullopt);
  ASSERT_EQ(all.size(), 4u);
  // Ordered by team, user, permission.
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const auto& l, const auto& r) {
    return std::tie(l.team_id, l.user_id, l.permission_id) <
           std::tie(r.team_id, r.user_id, r.permission_id);
  }));
  EXPECT_EQ(team_grants(t1, a), (Ids{"x", "y"}));
  auto of_team = permissions().list_team_grants(project_, t1, std::nullopt);
  EXPECT_EQ(of_team.size(), 3u);
  for (const auto& g : of_team) EXPECT_EQ(g.team_id, t1);
  auto of_user = permissions().list_team_grants(project_, std::nullopt, a);
  EXPECT_EQ(of_user.size(), 3u);
  for (const auto& g : of_user) EXPECT_EQ(g.user_id, a);
  EXPECT_TRUE(permissions().list_team_grants(new_project(), std::nullopt, std::nullopt).empty());

  EXPECT_TRUE(permissions().revoke_team_permission(project_, t1, a, "x"));
  EXPECT_FALSE(permissions().revoke_team_permission(project_, t1, a, "x"));
  EXPECT_FALSE(permissions().revoke_team_permission(project_, t2, a, "y"));
  EXPECT_EQ(team_grants(t1, a), (Ids{"y"}));
  EXPECT_EQ(team_grants(t2, a), (Ids{"w"}));
}

TEST_P(PermissionStoreContract, ProjectGrantsNeedAUserAndAreIdempotent) {
  std::string a = new_user(project_), b = new_user(project_);
  EXPECT_FALSE(permissions().grant_project_permission(project_, core::random_uuid(), "x"));
  EXPECT_FALSE(permissions().grant_project_permission(new_project(), a, "x"));
  EXPECT_TRUE(permissions().list_project_grants(project_, std::nullopt).empty());

  ASSERT_TRUE(permissions().grant_project_permission(project_, b, "x"));
  ASSERT_TRUE(permissions().grant_project_permission(project_, a, "y"));
  ASSERT_TRUE(permissions().grant_project_permission(project_, a, "x"));
  ASSERT_TRUE(permissions().grant_project_permission(project_, a, "x"));  // again

  auto all = permissions().list_project_grants(project_, std::nullopt);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const auto& l, const auto& r) {
    return std::tie(l.user_id, l.permission_id) < std::tie(r.user_id, r.permission_id);
  }));
  EXPECT_EQ(project_grants(a), (Ids{"x", "y"}));
  EXPECT_EQ(project_grants(b), (Ids{"x"}));

  EXPECT_TRUE(permissions().revoke_project_permission(project_, a, "x"));
  EXPECT_FALSE(permissions().revoke_project_permission(project_, a, "x"));
  EXPECT_FALSE(permissions().revoke_project_permission(project_, a, "nope"));
  EXPECT_EQ(project_grants(a), (Ids{"y"}));

  // Deleting the user deletes its grants.
  ASSERT_TRUE(store().users().delete_user(project_, a));
  EXPECT_TRUE(project_grants(a).empty());
  EXPECT_EQ(project_grants(b), (Ids{"x"}));
}

TEST_P(PermissionStoreContract, DeletingAProjectDeletesItsDefinitionsAndGrants) {
  std::string u = new_user(project_);
  std::string t = new_team({u});
  ASSERT_EQ(permissions().create_definition(project_, def("mine", PermissionScope::kProject)),
            DefinitionWriteStatus::kWritten);
  ASSERT_TRUE(permissions().grant_project_permission(project_, u, "mine"));
  ASSERT_TRUE(permissions().grant_team_permission(project_, t, u, "team_admin"));
  ASSERT_TRUE(store().projects().delete_project(project_));
  EXPECT_TRUE(permissions().list_definitions(project_).empty());
  EXPECT_TRUE(permissions().list_project_grants(project_, std::nullopt).empty());
  EXPECT_TRUE(permissions().list_team_grants(project_, std::nullopt, std::nullopt).empty());
  // A definition cannot be created in a project that is gone.
  EXPECT_ANY_THROW(permissions().create_definition(project_, def("x", PermissionScope::kTeam)));
  EXPECT_TRUE(permissions().list_definitions(project_).empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, PermissionStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
