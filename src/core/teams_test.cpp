#include "core/teams.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/permissions.hpp"
#include "core/projects.hpp"
#include "core/users.hpp"

namespace latchkey::core {
namespace {

// Teams on a real SQLite store: what the store writes in one transaction,
// and what deleting teams and users removes.
class Teams : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-teams-test-" + random_uuid());
    std::filesystem::create_directories(dir_);
    store_ = store::open_store((dir_ / "test.db").string());
    store_->migrate();
    NewProject np;
    np.display_name = "test";
    project_ = create_project(*store_, clock_, np);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  store::User user(std::optional<std::string> name = std::nullopt) {
    NewUser n;
    n.display_name = name;
    return create_user(*store_, clock_, project_.id, n);
  }
  void set_config(const char* key, Json value) {
    project_.config[key] = std::move(value);
    ASSERT_TRUE(store_->projects().update_project(project_));
  }
  std::vector<std::string> grants(const std::string& team_id, const std::string& user_id) {
    std::vector<std::string> out;
    for (const auto& g : store_->permissions().list_team_grants(project_.id, team_id, user_id))
      out.push_back(g.permission_id);
    return out;
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  store::Project project_;
};

TEST_F(Teams, NewProjectsHaveTheDefaultDefinitions) {
  auto defs = store_->permissions().list_definitions(project_.id);
  ASSERT_EQ(defs.size(), 2u);
  EXPECT_EQ(defs[0].id, "team_admin");
  EXPECT_EQ(defs[0].contained_ids.size(), 6u);
  EXPECT_EQ(defs[1].id, "team_member");
}

TEST_F(Teams, CreatorJoinsWithCreatorDefaults) {
  auto alice = user();
  auto team = create_team(*store_, clock_, project_, TeamInput{"T", {}, {}, {}, {}}, alice.id);
  EXPECT_EQ(grants(team.id, alice.id), std::vector<std::string>{"team_admin"});
  EXPECT_TRUE(has_team_permission(*store_, project_.id, team.id, alice.id, "$manage_api_keys"));
  EXPECT_FALSE(store_->users().get_user(project_.id, alice.id)->selected_team);
}

TEST_F(Teams, PersonalTeamIsCreatedAndSelectedWithTheUser) {
  set_config("create_team_on_sign_up", true);
  auto dora = user("Dora");
  auto read = store_->users().get_user(project_.id, dora.id);
  ASSERT_TRUE(read->selected_team);
  EXPECT_EQ(read->selected_team->display_name, "Dora's Team");
  EXPECT_EQ(read->selected_team_id, dora.selected_team_id);
  EXPECT_EQ(grants(read->selected_team->id, dora.id), std::vector<std::string>{"team_admin"});
}

TEST_F(Teams, BadDefaultPermissionCreatesNothing) {
  set_config("create_team_on_sign_up", true);
  set_config("team_creator_default_permissions", Json::array({Json{{"id", "missing"}}}));
  const auto before = store_->users().list_users(project_.id, {}).users.size();
  EXPECT_THROW(user("Eve"), KnownError);
  EXPECT_EQ(store_->users().list_users(project_.id, {}).users.size(), before);
  EXPECT_TRUE(store_->teams().list_teams(project_.id, std::nullopt).empty());
}

TEST_F(Teams, DeletingTeamsAndUsersCleansUp) {
  auto alice = user(), bob = user();
  auto team = create_team(*store_, clock_, project_, TeamInput{"T", {}, {}, {}, {}}, alice.id);
  add_team_member(*store_, clock_, project_, team.id, bob.id);
  store::UserUpdate select;
  select.selected_team_id = std::optional<std::string>(team.id);
  ASSERT_EQ(store_->users().update_user(project_.id, bob.id, select),
            store::UpdateUserStatus::kUpdated);
  EXPECT_TRUE(store_->users().get_user(project_.id, bob.id)->selected_team);

  ASSERT_TRUE(store_->users().delete_user(project_.id, alice.id));
  EXPECT_TRUE(grants(team.id, alice.id).empty());
  EXPECT_EQ(store_->teams().list_members(project_.id, team.id, std::nullopt).size(), 1u);

  delete_team(*store_, project_.id, team.id);
  auto after = store_->users().get_user(project_.id, bob.id);
  EXPECT_FALSE(after->selected_team);
  EXPECT_FALSE(after->selected_team_id);
  EXPECT_TRUE(store_->permissions().list_team_grants(project_.id, team.id, std::nullopt).empty());
  EXPECT_THROW(delete_team(*store_, project_.id, team.id), KnownError);
}

TEST_F(Teams, SelectingATeamNeedsMembership) {
  auto alice = user();
  auto team = create_team(*store_, clock_, project_, TeamInput{"T", {}, {}, {}, {}}, std::nullopt);
  store::UserUpdate select;
  select.selected_team_id = std::optional<std::string>(team.id);
  EXPECT_EQ(store_->users().update_user(project_.id, alice.id, select),
            store::UpdateUserStatus::kNotTeamMember);
}

TEST_F(Teams, RenamingADefinitionRewritesGrantsAndContainers) {
  auto alice = user();
  auto team = create_team(*store_, clock_, project_, TeamInput{"T", {}, {}, {}, {}}, alice.id);
  create_definition(*store_, project_.id, PermissionScope::kTeam, {"child", {}, {}});
  create_definition(*store_, project_.id, PermissionScope::kTeam,
                    {"parent", {}, std::vector<std::string>{"child"}});
  grant_team_permission(*store_, project_.id, team.id, alice.id, "child");
  update_definition(*store_, project_.id, PermissionScope::kTeam, "child", {"kid", {}, {}});
  EXPECT_EQ(grants(team.id, alice.id), (std::vector<std::string>{"kid", "team_admin"}));
  PermissionDefinitions defs = PermissionDefinitions::load(*store_, project_.id);
  EXPECT_EQ(defs.find("parent")->contained_ids, std::vector<std::string>{"kid"});
  EXPECT_EQ(defs.find("child"), nullptr);
}

}  // namespace
}  // namespace latchkey::core
