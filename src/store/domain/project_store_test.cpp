// ProjectStore contract, on both engines: projects are inserted, read,
// listed in creation order, updated and deleted with everything in them
// (and with their id dropped from the dashboard users' managedProjectIds);
// user_count follows the users; key sets are upserted, listed newest first
// and answer valid_key_expiry per key kind unless revoked.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "core/crypto.hpp"
#include "store/sql/sql.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class ProjectStoreContract : public testing::EngineTest {
 protected:
  Project project(const std::string& id, int64_t created = 1000) {
    Project p;
    p.id = id;
    p.display_name = "Project " + id;
    p.description = "about " + id;
    p.created_at_millis = created;
    p.config = Json{{"allow_localhost", true}, {"sign_up_enabled", false}};
    return p;
  }

  std::string new_project(int64_t created = 1000) {
    std::string id = core::random_uuid();
    projects().insert_project(project(id, created));
    return id;
  }

  ApiKeySet key_set(const std::string& project_id, const std::string& id, int64_t created) {
    ApiKeySet k;
    k.id = id;
    k.project_id = project_id;
    k.description = "keys " + id;
    k.created_at_millis = created;
    k.expires_at_millis = created + 1000000;
    k.publishable_client_key_digest = "pck-" + id;
    k.publishable_client_key_last_four = "pc4" + id.substr(0, 1);
    k.secret_server_key_digest = "ssk-" + id;
    k.secret_server_key_last_four = "ss4" + id.substr(0, 1);
    k.super_secret_admin_key_digest = "sak-" + id;
    k.super_secret_admin_key_last_four = "sa4" + id.substr(0, 1);
    return k;
  }

  // Rows of `table` belonging to the project, read past the store.
  int64_t rows_in(const std::string& table, const std::string& project_id) {
    const std::string sql = "SELECT count(*) FROM " + (postgres() ? schema_ + "." : std::string()) +
                            table + " WHERE project_id = '" + project_id + "'";
    if (postgres()) return std::stoll(admin_->scalar(sql));
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(url_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    int64_t n = -1;
    if (s && sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
  }

  ProjectStore& projects() { return store().projects(); }
};

TEST_P(ProjectStoreContract, AnInsertedProjectIsReadBack) {
  Project p = project("p1", 1234);
  p.is_production_mode = true;
  p.config = Json{{"oauth_providers", Json::array({Json{{"id", "github"}}})}, {"n", 3}};
  p.user_count = 99;  // not written: the users triggers own it
  projects().insert_project(p);
  auto got = projects().get_project("p1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, "p1");
  EXPECT_EQ(got->display_name, "Project p1");
  EXPECT_EQ(got->description, "about p1");
  EXPECT_EQ(got->created_at_millis, 1234);
  EXPECT_TRUE(got->is_production_mode);
  EXPECT_EQ(got->config, p.config);
  EXPECT_EQ(got->user_count, 0);
  EXPECT_FALSE(projects().get_project("p2"));
  EXPECT_FALSE(projects().get_project("P1"));
}

TEST_P(ProjectStoreContract, AnExistingIdIsAConstraintError) {
  projects().insert_project(project("p1"));
  Project again = project("p1");
  again.display_name = "other";
  EXPECT_THROW(projects().insert_project(again), sql::ConstraintError);
  EXPECT_EQ(projects().get_project("p1")->display_name, "Project p1");
  EXPECT_EQ(projects().list_projects().size(), 1u);
}

TEST_P(ProjectStoreContract, ProjectsAreListedByCreationThenId) {
  EXPECT_TRUE(projects().list_projects().empty());
  projects().insert_project(project("b", 20));
  projects().insert_project(project("z", 10));
  projects().insert_project(project("a", 20));
  projects().insert_project(project("B", 20));  // byte order: upper case first
  std::vector<std::string> ids;
  for (const auto& p : projects().list_projects()) ids.push_back(p.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"z", "B", "a", "b"}));
  auto all = projects().list_projects();
  EXPECT_EQ(all[0].display_name, "Project z");
  EXPECT_EQ(all[0].config, project("z").config);
}

TEST_P(ProjectStoreContract, AnUpdateWritesNameDescriptionModeAndConfigOnly) {
  projects().insert_project(project("p1", 500));
  projects().insert_project(project("p2", 600));
  new_user("p1");
  Project p = project("p1", 999999);
  p.display_name = "Renamed";
  p.description = "";
  p.is_production_mode = true;
  p.config = Json{{"allow_localhost", false}};
  p.user_count = 42;
  EXPECT_TRUE(projects().update_project(p));
  auto got = projects().get_project("p1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->display_name, "Renamed");
  EXPECT_EQ(got->description, "");
  EXPECT_TRUE(got->is_production_mode);
  EXPECT_EQ(got->config, p.config);
  EXPECT_EQ(got->created_at_millis, 500);
  EXPECT_EQ(got->user_count, 1);
  EXPECT_EQ(projects().get_project("p2")->display_name, "Project p2");
  EXPECT_FALSE(projects().update_project(project("missing")));
  EXPECT_FALSE(projects().get_project("missing"));
}

TEST_P(ProjectStoreContract, UserCountFollowsTheUsers) {
  const std::string p = new_project(), other = new_project(2000);
  const std::string u1 = new_user(p), u2 = new_user(p);
  new_user(other);
  EXPECT_EQ(projects().get_project(p)->user_count, 2);
  EXPECT_EQ(projects().get_project(other)->user_count, 1);
  ASSERT_TRUE(store().users().delete_user(p, u1));
  EXPECT_EQ(projects().get_project(p)->user_count, 1);
  for (const auto& listed : projects().list_projects())
    EXPECT_EQ(listed.user_count, 1) << listed.id;
  ASSERT_TRUE(store().users().delete_user(p, u2));
  EXPECT_EQ(projects().get_project(p)->user_count, 0);
}

TEST_P(ProjectStoreContract, DeletingAProjectRemovesEverythingInIt) {
  const std::string p = new_project(), other = new_project(2000);
  for (const auto& id : {p, other}) {
    const std::string user = new_user(id, {.primary_email = "a@example.com"});
    ContactChannel ch;
    ch.id = core::random_uuid();
    ch.project_id = id;
    ch.user_id = user;
    ch.value = "second@example.com";
    ch.created_at_millis = 1;
    ASSERT_EQ(store().contact_channels().create_contact_channel(ch), ContactChannelWrite::kOk);
    ASSERT_TRUE(store().sessions().create_session(session(id, user)));
    projects().upsert_api_key_set(key_set(id, core::random_uuid(), 1));
    Team t;
    t.id = core::random_uuid();
    t.project_id = id;
    t.display_name = "team";
    ASSERT_EQ(store().teams().create_team(t, NewTeamMember{user, {"team_admin"}, 1}),
              CreateTeamStatus::kCreated);
    ASSERT_TRUE(store().permissions().grant_project_permission(id, user, "perm"));
  }
  const std::vector<std::string> tables = {"api_key_sets",
                                           "users",
                                           "contact_channels",
                                           "sessions",
                                           "teams",
                                           "team_members",
                                           "team_member_permissions",
                                           "project_user_permissions",
                                           "permission_definitions"};
  for (const auto& t : tables) ASSERT_GT(rows_in(t, p), 0) << t;

  EXPECT_TRUE(projects().delete_project(p));
  EXPECT_FALSE(projects().get_project(p));
  for (const auto& t : tables) {
    EXPECT_EQ(rows_in(t, p), 0) << t;
    EXPECT_GT(rows_in(t, other), 0) << t;
  }
  EXPECT_TRUE(projects().list_api_key_sets(p).empty());
  EXPECT_TRUE(
      store().contact_channels().list_contact_channels(p, std::nullopt, std::nullopt).empty());
  EXPECT_EQ(projects().list_api_key_sets(other).size(), 1u);
  EXPECT_EQ(projects().get_project(other)->user_count, 1);
  EXPECT_FALSE(projects().delete_project(p));

  // The id can be used again, and the new project starts empty.
  projects().insert_project(project(p));
  EXPECT_EQ(projects().get_project(p)->user_count, 0);
  EXPECT_EQ(rows_in("users", p), 0);
}

TEST_P(ProjectStoreContract, DeletingAProjectDropsItFromManagedProjectIds) {
  projects().insert_project(project("internal", 1));
  const std::string gone = new_project(), kept = new_project();
  // Manages both: loses one, keeps its other keys and their order.
  const std::string both = new_user(
      "internal", {.server_metadata = Json{
                       {"other", "x"}, {"managedProjectIds", Json::array({kept, gone, "zz"})}}});
  const std::string only_kept =
      new_user("internal", {.server_metadata = Json{{"managedProjectIds", Json::array({kept})}}});
  // The id twice and a non-string entry.
  const std::string twice = new_user(
      "internal", {.server_metadata = Json{{"managedProjectIds", Json::array({gone, 7, gone})}}});
  // Mentions the id without managing it: left alone.
  const Json mention = Json{{"note", gone}, {"managedProjectIds", Json::array({"x-" + gone})}};
  const std::string mentions = new_user("internal", {.server_metadata = mention});
  const std::string no_metadata = new_user("internal");
  // Not an internal user: left alone.
  const Json outside_meta = Json{{"managedProjectIds", Json::array({gone})}};
  const std::string outside = new_user(kept, {.server_metadata = outside_meta});

  EXPECT_TRUE(projects().delete_project(gone));
  auto meta = [&](const std::string& project_id, const std::string& id) {
    auto u = store().users().get_user(project_id, id);
    EXPECT_TRUE(u) << id;
    return u ? u->server_metadata : Json();
  };
  EXPECT_EQ(meta("internal", both),
            (Json{{"other", "x"}, {"managedProjectIds", Json::array({kept, "zz"})}}));
  EXPECT_EQ(meta("internal", only_kept), (Json{{"managedProjectIds", Json::array({kept})}}));
  EXPECT_EQ(meta("internal", twice), (Json{{"managedProjectIds", Json::array({7})}}));
  EXPECT_EQ(meta("internal", mentions), mention);
  EXPECT_TRUE(meta("internal", no_metadata).is_null());
  EXPECT_EQ(meta(kept, outside), outside_meta);
  EXPECT_FALSE(projects().get_project(gone));
  EXPECT_TRUE(projects().get_project(kept));
}

TEST_P(ProjectStoreContract, AKeySetIsUpsertedAndReadBack) {
  const std::string p = new_project(), other = new_project();
  ApiKeySet k = key_set(p, "k1", 100);
  k.manually_revoked_at_millis = std::nullopt;
  k.secret_server_key_digest = std::nullopt;
  k.secret_server_key_last_four = std::nullopt;
  projects().upsert_api_key_set(k);
  auto got = projects().get_api_key_set(p, "k1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, "k1");
  EXPECT_EQ(got->project_id, p);
  EXPECT_EQ(got->description, "keys k1");
  EXPECT_EQ(got->created_at_millis, 100);
  EXPECT_EQ(got->expires_at_millis, 1000100);
  EXPECT_FALSE(got->manually_revoked_at_millis);
  EXPECT_EQ(got->publishable_client_key_digest, "pck-k1");
  EXPECT_EQ(got->publishable_client_key_last_four, "pc4k");
  EXPECT_FALSE(got->secret_server_key_digest);
  EXPECT_FALSE(got->secret_server_key_last_four);
  EXPECT_EQ(got->super_secret_admin_key_digest, "sak-k1");
  EXPECT_EQ(got->super_secret_admin_key_last_four, "sa4k");
  EXPECT_FALSE(projects().get_api_key_set(other, "k1"));
  EXPECT_FALSE(projects().get_api_key_set(p, "k2"));

  // The same id again replaces everything but its id, project and creation.
  ApiKeySet changed = key_set(other, "k1", 555);
  changed.description = "revoked";
  changed.expires_at_millis = 7;
  changed.manually_revoked_at_millis = 300;
  changed.publishable_client_key_digest = std::nullopt;
  changed.publishable_client_key_last_four = std::nullopt;
  changed.secret_server_key_digest = "new-ssk";
  changed.secret_server_key_last_four = "9999";
  projects().upsert_api_key_set(changed);
  got = projects().get_api_key_set(p, "k1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->project_id, p);
  EXPECT_EQ(got->created_at_millis, 100);
  EXPECT_EQ(got->description, "revoked");
  EXPECT_EQ(got->expires_at_millis, 7);
  EXPECT_EQ(got->manually_revoked_at_millis, 300);
  EXPECT_FALSE(got->publishable_client_key_digest);
  EXPECT_FALSE(got->publishable_client_key_last_four);
  EXPECT_EQ(got->secret_server_key_digest, "new-ssk");
  EXPECT_EQ(got->secret_server_key_last_four, "9999");
  EXPECT_EQ(got->super_secret_admin_key_digest, "sak-k1");
  EXPECT_TRUE(projects().list_api_key_sets(other).empty());
  EXPECT_EQ(projects().list_api_key_sets(p).size(), 1u);
}

TEST_P(ProjectStoreContract, KeyDigestsAreUniqueAndSetsNeedTheirProject) {
  const std::string p = new_project();
  projects().upsert_api_key_set(key_set(p, "k1", 1));
  ApiKeySet dup = key_set(p, "k2", 2);
  dup.secret_server_key_digest = "ssk-k1";
  EXPECT_THROW(projects().upsert_api_key_set(dup), sql::ConstraintError);
  EXPECT_FALSE(projects().get_api_key_set(p, "k2"));
  EXPECT_THROW(projects().upsert_api_key_set(key_set("no-such-project", "k3", 1)),
               sql::ConstraintError);
  EXPECT_FALSE(projects().get_api_key_set("no-such-project", "k3"));
}

TEST_P(ProjectStoreContract, KeySetsAreListedNewestFirstThenLatestInserted) {
  const std::string p = new_project(), other = new_project();
  projects().upsert_api_key_set(key_set(p, "m", 10));
  projects().upsert_api_key_set(key_set(p, "z", 20));
  projects().upsert_api_key_set(key_set(p, "a", 20));
  projects().upsert_api_key_set(key_set(p, "q", 5));
  projects().upsert_api_key_set(key_set(other, "o", 30));
  // Upserting an existing set keeps its place.
  projects().upsert_api_key_set(key_set(p, "z", 20));
  std::vector<std::string> ids;
  for (const auto& k : projects().list_api_key_sets(p)) {
    EXPECT_EQ(k.project_id, p);
    ids.push_back(k.id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "z", "m", "q"}));
  EXPECT_TRUE(projects().list_api_key_sets("no-such-project").empty());
}

TEST_P(ProjectStoreContract, ValidKeyExpiryAnswersPerKindUnlessRevoked) {
  const std::string p = new_project(), other = new_project();
  ApiKeySet k = key_set(p, "k1", 100);
  k.expires_at_millis = 5000;
  projects().upsert_api_key_set(k);
  EXPECT_EQ(projects().valid_key_expiry(p, KeyKind::kPublishableClient, "pck-k1"), 5000);
  EXPECT_EQ(projects().valid_key_expiry(p, KeyKind::kSecretServer, "ssk-k1"), 5000);
  EXPECT_EQ(projects().valid_key_expiry(p, KeyKind::kSuperSecretAdmin, "sak-k1"), 5000);
  // A digest only counts for its own kind, project and value.
  EXPECT_FALSE(projects().valid_key_expiry(p, KeyKind::kSecretServer, "pck-k1"));
  EXPECT_FALSE(projects().valid_key_expiry(p, KeyKind::kSuperSecretAdmin, "ssk-k1"));
  EXPECT_FALSE(projects().valid_key_expiry(p, KeyKind::kPublishableClient, "sak-k1"));
  EXPECT_FALSE(projects().valid_key_expiry(other, KeyKind::kPublishableClient, "pck-k1"));
  EXPECT_FALSE(projects().valid_key_expiry(p, KeyKind::kPublishableClient, "PCK-K1"));

  // Expired: still answered (the caller compares with its clock).
  ApiKeySet expired = key_set(p, "k2", 1);
  expired.expires_at_millis = 2;
  expired.publishable_client_key_digest = std::nullopt;
  projects().upsert_api_key_set(expired);
  EXPECT_EQ(projects().valid_key_expiry(p, KeyKind::kSecretServer, "ssk-k2"), 2);
  EXPECT_EQ(projects().valid_key_expiry(p, KeyKind::kSuperSecretAdmin, "sak-k2"), 2);
  EXPECT_FALSE(projects().valid_key_expiry(p, KeyKind::kPublishableClient, "pck-k2"));

  // Revoked: no kind answers any more.
  k.manually_revoked_at_millis = 200;
  projects().upsert_api_key_set(k);
  EXPECT_FALSE(projects().valid_key_expiry(p, KeyKind::kPublishableClient, "pck-k1"));
  EXPECT_FALSE(projects().valid_key_expiry(p, KeyKind::kSecretServer, "ssk-k1"));
  EXPECT_FALSE(projects().valid_key_expiry(p, KeyKind::kSuperSecretAdmin, "sak-k1"));
  EXPECT_EQ(projects().valid_key_expiry(p, KeyKind::kSecretServer, "ssk-k2"), 2);

  // Deleting the project removes its keys.
  ASSERT_TRUE(projects().delete_project(p));
  EXPECT_FALSE(projects().valid_key_expiry(p, KeyKind::kSecretServer, "ssk-k2"));
}

INSTANTIATE_TEST_SUITE_P(Engines, ProjectStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
