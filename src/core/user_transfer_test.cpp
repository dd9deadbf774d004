#include "core/user_transfer.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/crypto.hpp"
#include "core/passwords.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::core {
namespace {

using store::testing::EngineTest;

// Export, then import into another project of the same database (ids are
// per project) or the same one, on both engines.
class UserTransfer : public EngineTest {
 protected:
  std::vector<Json> exported(const std::string& project) {
    std::vector<Json> lines;
    export_users(store(), project, [&](const Json& j) { lines.push_back(j); });
    return lines;
  }
  ManualClock clock_;
};

TEST_P(UserTransfer, RoundTripKeepsEverythingAPasswordSignInNeeds) {
  const std::string from = new_project(), to = new_project();
  PasswordHasherOptions fast;
  fast.threads = 1;
  PasswordHasher hasher(fast);
  const std::string hash = hasher.hash("imported password");

  store::User u;
  u.id = random_uuid();
  u.project_id = from;
  u.display_name = "Ada";
  u.client_metadata = Json{{"theme", "dark"}};
  u.server_metadata = Json{{"plan", "pro"}};
  u.primary_email = "ada@example.com";
  u.primary_email_verified = true;
  u.primary_email_auth_enabled = true;
  u.password_hash = hash;
  u.totp_secret = std::string("\x01\x02\x03\xff", 4);
  u.requires_totp_mfa = true;
  u.created_at_millis = 1000;
  u.last_active_at_millis = 2000;
  u.oauth_providers.push_back({"github", "gh-1", "ada@github.example"});
  ASSERT_EQ(store().users().create_user(u, {}), store::CreateUserStatus::kCreated);
  store::ContactChannel extra;
  extra.id = random_uuid();
  extra.project_id = from;
  extra.user_id = u.id;
  extra.value = "ada.work@example.com";
  extra.is_verified = true;
  ASSERT_EQ(store().contact_channels().create_contact_channel(extra),
            store::ContactChannelWrite::kOk);
  store::Team team;
  team.id = random_uuid();
  team.project_id = from;
  team.display_name = "Engines";
  store().teams().create_team(team, store::NewTeamMember{u.id, {}, 1});

  auto lines = exported(from);
  ASSERT_EQ(lines.size(), 1u);
  const Json& line = lines[0];
  EXPECT_EQ(line["password_hash"], hash);
  EXPECT_EQ(line["totp_secret_base64"], base64_encode(std::string("\x01\x02\x03\xff", 4)));
  EXPECT_EQ(line["contact_channels"].size(), 2u);
  EXPECT_EQ(line["oauth_providers"][0]["account_id"], "gh-1");
  EXPECT_EQ(line["teams"][0]["display_name"], "Engines");

  auto r = import_user(store(), clock_, to, line);
  ASSERT_EQ(r.kind, ImportResult::Kind::kCreated) << (r.notes.empty() ? "" : r.notes[0]);
  EXPECT_TRUE(r.notes.empty()) << r.notes[0];
  auto got = store().users().find_user_by_auth_email(to, "ada@example.com");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, u.id);
  EXPECT_EQ(got->display_name, "Ada");
  EXPECT_EQ(got->server_metadata, (Json{{"plan", "pro"}}));
  EXPECT_EQ(got->created_at_millis, 1000);
  EXPECT_EQ(got->totp_secret, u.totp_secret);
  EXPECT_TRUE(hasher.verify("imported password", got->password_hash));
  EXPECT_EQ(store().oauth().list_user_oauth_accounts(to, u.id).size(), 1u);
  EXPECT_EQ(store().contact_channels().list_contact_channels(to, u.id, {}).size(), 2u);
  EXPECT_EQ(store().teams().list_teams(to, u.id).size(), 1u);

  // Again: nothing new, the same export.
  auto again = import_user(store(), clock_, to, line);
  EXPECT_EQ(again.kind, ImportResult::Kind::kUpdated);
  EXPECT_TRUE(again.notes.empty()) << again.notes[0];
  auto round = exported(to);
  ASSERT_EQ(round.size(), 1u);
  const Json& a = line;
  const Json& b = round[0];
  EXPECT_EQ(a, b) << a.dump() << "\n" << b.dump();
}

TEST_P(UserTransfer, BcryptHashesAreKeptAndVerify) {
  const std::string to = new_project();
  // bcrypt of "password" at cost 4 (Python's crypt with METHOD_BLOWFISH).
  const std::string bcrypt = "$2b$04$lLHcx9G0TiA4PjbznrcHIuhhEFoCe1DIMsmwh0L6OW0sqH2/9Zwum";
  auto r = import_user(store(), clock_, to,
                       Json{{"id", random_uuid()},
                            {"primary_email", "b@example.com"},
                            {"primary_email_auth_enabled", true},
                            {"password_hash", bcrypt}});
  ASSERT_EQ(r.kind, ImportResult::Kind::kCreated) << (r.notes.empty() ? "" : r.notes[0]);
  auto got = store().users().find_user_by_auth_email(to, "b@example.com");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->password_hash, bcrypt);
  PasswordHasherOptions fast;
  fast.threads = 1;
  PasswordHasher hasher(fast);
  EXPECT_TRUE(hasher.verify("password", got->password_hash));
  EXPECT_FALSE(hasher.verify("Password", got->password_hash));
}

TEST_P(UserTransfer, SkipsWhatItCannotImportAndSaysWhy) {
  const std::string to = new_project();
  auto skipped = [&](const Json& line) {
    auto r = import_user(store(), clock_, to, line);
    EXPECT_EQ(r.kind, ImportResult::Kind::kSkipped) << line.dump();
    return r.notes.empty() ? std::string() : r.notes[0];
  };
  EXPECT_EQ(skipped(Json{{"display_name", "x"}}), "no id");
  EXPECT_EQ(skipped(Json{{"id", "not-a-uuid"}}), "id must be a UUID");
  EXPECT_NE(skipped(Json{{"id", random_uuid()}, {"password_hash", "$1$md5$abc"}})
                .find("neither argon2id"),
            std::string::npos);
  EXPECT_EQ(skipped(Json{{"id", random_uuid()}, {"display_name", 5}}),
            "display_name must be a string or null");
  EXPECT_EQ(skipped(Json::array()), "the line is not a JSON object");
  // An address another user signs in with.
  ASSERT_EQ(import_user(store(), clock_, to,
                        Json{{"id", random_uuid()},
                             {"primary_email", "taken@example.com"},
                             {"primary_email_auth_enabled", true}})
                .kind,
            ImportResult::Kind::kCreated);
  EXPECT_NE(skipped(Json{{"id", random_uuid()},
                         {"primary_email", "taken@example.com"},
                         {"primary_email_auth_enabled", true}})
                .find("signs in another user"),
            std::string::npos);
  std::vector<Json> lines;
  export_users(store(), to, [&](const Json& j) { lines.push_back(j); });
  EXPECT_EQ(lines.size(), 1u);
}

TEST_P(UserTransfer, NewUsersAndMembershipsGetTheProjectsDefaultPermissions) {
  const std::string to = new_project();
  auto project = *store().projects().get_project(to);
  project.config =
      Json{{"user_default_permissions", Json::array({Json{{"id", "reader"}}})},
           {"team_member_default_permissions", Json::array({Json{{"id", "team_member"}}})}};
  ASSERT_TRUE(store().projects().update_project(project));
  store::PermissionDefinition reader;
  reader.id = "reader";
  reader.scope = store::PermissionScope::kProject;
  ASSERT_EQ(store().permissions().create_definition(to, reader),
            store::DefinitionWriteStatus::kWritten);

  const std::string id = random_uuid(), team = random_uuid();
  const Json line{{"id", id}, {"teams", Json::array({Json{{"id", team}}})}};
  ASSERT_EQ(import_user(store(), clock_, to, line).kind, ImportResult::Kind::kCreated);
  auto project_grants = store().permissions().list_project_grants(to, id);
  ASSERT_EQ(project_grants.size(), 1u);
  EXPECT_EQ(project_grants[0].permission_id, "reader");
  auto team_grants = store().permissions().list_team_grants(to, team, id);
  ASSERT_EQ(team_grants.size(), 1u);
  EXPECT_EQ(team_grants[0].permission_id, "team_member");

  // A default the project no longer defines skips the line, as the API
  // refuses such a sign-up.
  ASSERT_TRUE(
      store().permissions().delete_definition(to, "reader", store::PermissionScope::kProject));
  auto r = import_user(store(), clock_, to, Json{{"id", random_uuid()}});
  EXPECT_EQ(r.kind, ImportResult::Kind::kSkipped);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("user_default_permissions cannot be granted"), std::string::npos)
      << r.notes[0];
}

TEST_P(UserTransfer, WhatAnotherUserHasIsLeftOutWithANote) {
  const std::string to = new_project();
  const Json first{{"id", random_uuid()},
                   {"primary_email", "first@example.com"},
                   {"primary_email_auth_enabled", true},
                   {"oauth_providers", Json::array({Json{{"id", "github"}, {"account_id", "1"}}})}};
  ASSERT_EQ(import_user(store(), clock_, to, first).kind, ImportResult::Kind::kCreated);
  const std::string id = random_uuid();
  const Json second{
      {"id", id},
      {"contact_channels",
       Json::array(
           {Json{{"type", "email"}, {"value", "first@example.com"}, {"used_for_auth", true}}})},
      {"oauth_providers", Json::array({Json{{"id", "github"}, {"account_id", "1"}}})},
      {"selected_team_id", random_uuid()}};
  auto r = import_user(store(), clock_, to, second);
  EXPECT_EQ(r.kind, ImportResult::Kind::kCreated);
  ASSERT_EQ(r.notes.size(), 3u);
  EXPECT_EQ(r.notes[0],
            "contact channel first@example.com was left out: another user signs in "
            "with it");
  EXPECT_EQ(r.notes[1], "OAuth account github/1 was left out: it is linked to another user");
  EXPECT_NE(r.notes[2].find("is not one of the user's teams"), std::string::npos);
  EXPECT_TRUE(store().users().get_user(to, id));
}

TEST_P(UserTransfer, ExportPagesThroughManyUsers) {
  const std::string p = new_project();
  for (int i = 0; i < 450; ++i) new_user(p);
  std::vector<Json> lines;
  EXPECT_EQ(export_users(store(), p, [&](const Json& j) { lines.push_back(j); }), 450u);
  std::set<std::string> ids;
  for (const auto& l : lines) ids.insert(l["id"].get<std::string>());
  EXPECT_EQ(ids.size(), 450u);
}

INSTANTIATE_TEST_SUITE_P(Engines, UserTransfer, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::core
