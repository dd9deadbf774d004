// ContactChannelStore contract, on both engines: channels are created,
// listed oldest first, read, updated and deleted; one primary per user and
// type, one sign-in channel per address in a project, one (type, value) per
// user, each conflict reported as its ContactChannelWrite with nothing
// written. And the SQLite migration 0030 (1-or-NULL flags to 0/1) keeps an
// old database's channels.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "core/crypto.hpp"
#include "store/migrations.hpp"
#include "store/sql/sql.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class ContactChannelStoreContract : public testing::ProjectEngineTest {
 protected:
  void SetUp() override {
    ProjectEngineTest::SetUp();
    if (IsSkipped()) return;
    alice_ = new_user(project_);
    bob_ = new_user(project_);
  }

  ContactChannel channel(const std::string& user, const std::string& value, int64_t created = 1,
                         bool primary = false, bool auth = false) {
    ContactChannel c;
    c.id = core::random_uuid();
    c.project_id = project_;
    c.user_id = user;
    c.value = value;
    c.is_primary = primary;
    c.used_for_auth = auth;
    c.created_at_millis = created;
    return c;
  }

  // Creates the channel, expecting kOk; its id.
  std::string add(const ContactChannel& c) {
    EXPECT_EQ(channels().create_contact_channel(c), ContactChannelWrite::kOk) << c.value;
    return c.id;
  }

  ContactChannel get(const std::string& user, const std::string& id) {
    auto c = channels().get_contact_channel(project_, user, id);
    EXPECT_TRUE(c) << id;
    return c.value_or(ContactChannel{});
  }

  static void expect_same(const ContactChannel& a, const ContactChannel& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.project_id, b.project_id);
    EXPECT_EQ(a.user_id, b.user_id);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.value, b.value);
    EXPECT_EQ(a.is_primary, b.is_primary);
    EXPECT_EQ(a.is_verified, b.is_verified);
    EXPECT_EQ(a.used_for_auth, b.used_for_auth);
    EXPECT_EQ(a.created_at_millis, b.created_at_millis);
  }

  ContactChannelStore& channels() { return store().contact_channels(); }

  std::string alice_, bob_;
};

TEST_P(ContactChannelStoreContract, AChannelIsCreatedAndReadBack) {
  ContactChannel c = channel(alice_, "Alice@Example.com", 77, true, true);
  c.type = "email";
  c.is_verified = true;
  add(c);
  auto got = channels().get_contact_channel(project_, alice_, c.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, c.id);
  EXPECT_EQ(got->project_id, project_);
  EXPECT_EQ(got->user_id, alice_);
  EXPECT_EQ(got->type, "email");
  EXPECT_EQ(got->value, "Alice@Example.com");
  EXPECT_TRUE(got->is_primary);
  EXPECT_TRUE(got->is_verified);
  EXPECT_TRUE(got->used_for_auth);
  EXPECT_EQ(got->created_at_millis, 77);

  ContactChannel plain = channel(alice_, "plain@example.com", 78);
  add(plain);
  got = channels().get_contact_channel(project_, alice_, plain.id);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->is_primary);
  EXPECT_FALSE(got->is_verified);
  EXPECT_FALSE(got->used_for_auth);

  EXPECT_FALSE(channels().get_contact_channel(project_, bob_, c.id));
  EXPECT_FALSE(channels().get_contact_channel(new_project(), alice_, c.id));
  EXPECT_FALSE(channels().get_contact_channel(project_, alice_, "missing"));
}

TEST_P(ContactChannelStoreContract, ListingIsOldestFirstWithOptionalFilters) {
  const std::string other_project = new_project();
  // Same created_at: insertion order, not id order, breaks the tie.
  ContactChannel z = channel(alice_, "z@example.com", 20);
  z.id = "zz";
  ContactChannel a = channel(bob_, "a@example.com", 20);
  a.id = "aa";
  const std::string early = add(channel(bob_, "early@example.com", 5));
  add(z);
  add(a);
  const std::string late = add(channel(alice_, "late@example.com", 30));

  EXPECT_EQ(ids(channels().list_contact_channels(project_, std::nullopt, std::nullopt)),
            (std::vector<std::string>{early, "zz", "aa", late}));
  EXPECT_EQ(ids(channels().list_contact_channels(project_, alice_, std::nullopt)),
            (std::vector<std::string>{"zz", late}));
  EXPECT_EQ(ids(channels().list_contact_channels(project_, bob_, std::nullopt)),
            (std::vector<std::string>{early, "aa"}));
  EXPECT_EQ(ids(channels().list_contact_channels(project_, std::nullopt, std::string("aa"))),
            (std::vector<std::string>{"aa"}));
  EXPECT_EQ(ids(channels().list_contact_channels(project_, bob_, std::string("aa"))),
            (std::vector<std::string>{"aa"}));
  EXPECT_TRUE(channels().list_contact_channels(project_, alice_, std::string("aa")).empty());
  EXPECT_TRUE(channels().list_contact_channels(other_project, std::nullopt, std::nullopt).empty());
  auto listed = channels().list_contact_channels(project_, alice_, std::nullopt);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].value, "z@example.com");
  EXPECT_EQ(listed[0].created_at_millis, 20);
  EXPECT_EQ(listed[0].user_id, alice_);
}

TEST_P(ContactChannelStoreContract, CreatingForAMissingUserWritesNothing) {
  ContactChannel c = channel("no-such-user", "x@example.com", 1, true, true);
  EXPECT_EQ(channels().create_contact_channel(c), ContactChannelWrite::kUserNotFound);
  c.project_id = new_project();
  c.user_id = alice_;  // alice exists, but in another project
  EXPECT_EQ(channels().create_contact_channel(c), ContactChannelWrite::kUserNotFound);
  EXPECT_TRUE(channels().list_contact_channels(project_, std::nullopt, std::nullopt).empty());
  EXPECT_TRUE(channels().list_contact_channels(c.project_id, std::nullopt, std::nullopt).empty());
  EXPECT_FALSE(channels().find_auth_channel(project_, "email", "x@example.com"));
}

TEST_P(ContactChannelStoreContract, AUserHoldsEachTypeAndValueOnce) {
  const std::string first = add(channel(alice_, "a@example.com", 1, true));
  ContactChannel again = channel(alice_, "a@example.com", 2, true, true);
  EXPECT_EQ(channels().create_contact_channel(again), ContactChannelWrite::kAlreadyExists);
  EXPECT_FALSE(channels().get_contact_channel(project_, alice_, again.id));
  EXPECT_TRUE(get(alice_, first).is_primary);  // the failed create demoted nothing
  EXPECT_FALSE(channels().find_auth_channel(project_, "email", "a@example.com"));
  // Another type, another case, or another user: different channels.
  ContactChannel phone = channel(alice_, "a@example.com", 3);
  phone.type = "phone";
  add(phone);
  add(channel(alice_, "A@example.com", 4));
  add(channel(bob_, "a@example.com", 5));
  EXPECT_EQ(channels().list_contact_channels(project_, std::nullopt, std::nullopt).size(), 4u);
}

TEST_P(ContactChannelStoreContract, AnAddressSignsInOneUserOnly) {
  const std::string alices = add(channel(alice_, "shared@example.com", 1, false, true));
  ContactChannel bobs = channel(bob_, "shared@example.com", 2, true, true);
  EXPECT_EQ(channels().create_contact_channel(bobs), ContactChannelWrite::kUsedForAuthElsewhere);
  EXPECT_FALSE(channels().get_contact_channel(project_, bob_, bobs.id));
  // Without sign-in the address may be shared.
  bobs.used_for_auth = false;
  EXPECT_EQ(channels().create_contact_channel(bobs), ContactChannelWrite::kOk);
  // In another project the address is free.
  const std::string other_project = new_project();
  const std::string carol = new_user(other_project);
  ContactChannel elsewhere = channel(carol, "shared@example.com", 3, true, true);
  elsewhere.project_id = other_project;
  EXPECT_EQ(channels().create_contact_channel(elsewhere), ContactChannelWrite::kOk);

  auto auth = channels().find_auth_channel(project_, "email", "shared@example.com");
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->id, alices);
  EXPECT_EQ(auth->user_id, alice_);
  EXPECT_TRUE(auth->used_for_auth);
  auto other_auth = channels().find_auth_channel(other_project, "email", "shared@example.com");
  ASSERT_TRUE(other_auth);
  EXPECT_EQ(other_auth->user_id, carol);
  // Exact match only; a channel not used for auth is not found.
  EXPECT_FALSE(channels().find_auth_channel(project_, "email", "Shared@example.com"));
  EXPECT_FALSE(channels().find_auth_channel(project_, "phone", "shared@example.com"));
  add(channel(bob_, "bob-only@example.com", 4));
  EXPECT_FALSE(channels().find_auth_channel(project_, "email", "bob-only@example.com"));
}

TEST_P(ContactChannelStoreContract, ANewPrimaryDemotesTheUsersOtherPrimaryOfItsType) {
  const std::string one = add(channel(alice_, "one@example.com", 1, true));
  ContactChannel phone = channel(alice_, "+100", 2, true);
  phone.type = "phone";
  add(phone);
  const std::string bobs = add(channel(bob_, "bob@example.com", 3, true));
  const std::string two = add(channel(alice_, "two@example.com", 4, true));
  EXPECT_FALSE(get(alice_, one).is_primary);
  EXPECT_TRUE(get(alice_, two).is_primary);
  EXPECT_TRUE(get(alice_, phone.id).is_primary);  // another type
  EXPECT_TRUE(get(bob_, bobs).is_primary);        // another user
  // A non-primary channel demotes nothing.
  add(channel(alice_, "three@example.com", 5));
  EXPECT_TRUE(get(alice_, two).is_primary);
}

TEST_P(ContactChannelStoreContract, AFailedCreateRollsBackItsDemotion) {
  const std::string first = add(channel(alice_, "first@example.com", 1, true));
  // Same id: the primary key fails after the old primary was demoted, in
  // the same transaction.
  ContactChannel clash = channel(alice_, "second@example.com", 2, true);
  clash.id = first;
  EXPECT_THROW(channels().create_contact_channel(clash), sql::ConstraintError);
  auto kept = get(alice_, first);
  EXPECT_TRUE(kept.is_primary);
  EXPECT_EQ(kept.value, "first@example.com");
  EXPECT_EQ(channels().list_contact_channels(project_, alice_, std::nullopt).size(), 1u);
  // The store still works after the failure.
  add(channel(alice_, "third@example.com", 3, true));
  EXPECT_FALSE(get(alice_, first).is_primary);
}

TEST_P(ContactChannelStoreContract, AnUpdateChangesTheGivenFields) {
  ContactChannel c = channel(alice_, "old@example.com", 9, false, false);
  c.is_verified = true;
  add(c);
  ContactChannel out;
  // A new value un-verifies.
  ContactChannelUpdate up;
  up.value = "new@example.com";
  ASSERT_EQ(channels().update_contact_channel(project_, alice_, c.id, up, &out),
            ContactChannelWrite::kOk);
  EXPECT_EQ(out.id, c.id);
  EXPECT_EQ(out.value, "new@example.com");
  EXPECT_FALSE(out.is_verified);
  EXPECT_EQ(out.created_at_millis, 9);
  auto stored = get(alice_, c.id);
  EXPECT_EQ(stored.value, "new@example.com");
  EXPECT_FALSE(stored.is_verified);
  EXPECT_FALSE(stored.is_primary);
  EXPECT_FALSE(stored.used_for_auth);

  // A new value with is_verified keeps what the caller says.
  up = {};
  up.value = "newer@example.com";
  up.is_verified = true;
  ASSERT_EQ(channels().update_contact_channel(project_, alice_, c.id, up, nullptr),
            ContactChannelWrite::kOk);
  stored = get(alice_, c.id);
  EXPECT_EQ(stored.value, "newer@example.com");
  EXPECT_TRUE(stored.is_verified);

  // A value is a change of address even when equal: it un-verifies (as
  // both engines' stores always did), but is no conflict with itself.
  up = {};
  up.value = "newer@example.com";
  up.used_for_auth = true;
  ASSERT_EQ(channels().update_contact_channel(project_, alice_, c.id, up, &out),
            ContactChannelWrite::kOk);
  EXPECT_FALSE(out.is_verified);
  stored = get(alice_, c.id);
  expect_same(stored, out);
  EXPECT_TRUE(stored.used_for_auth);
  EXPECT_TRUE(channels().find_auth_channel(project_, "email", "newer@example.com"));

  // Flags alone leave the value and verification alone.
  ASSERT_TRUE(
      channels().mark_contact_channel_verified(project_, alice_, "email", "newer@example.com"));
  up = {};
  up.used_for_auth = false;
  up.is_primary = true;
  ASSERT_EQ(channels().update_contact_channel(project_, alice_, c.id, up, &out),
            ContactChannelWrite::kOk);
  stored = get(alice_, c.id);
  expect_same(stored, out);
  EXPECT_TRUE(stored.is_verified);
  EXPECT_TRUE(stored.is_primary);
  EXPECT_FALSE(stored.used_for_auth);
  EXPECT_FALSE(channels().find_auth_channel(project_, "email", "newer@example.com"));

  up = {};
  up.is_verified = false;
  ASSERT_EQ(channels().update_contact_channel(project_, alice_, c.id, up, nullptr),
            ContactChannelWrite::kOk);
  EXPECT_FALSE(get(alice_, c.id).is_verified);
  EXPECT_EQ(get(alice_, c.id).value, "newer@example.com");
}

TEST_P(ContactChannelStoreContract, UpdatingAMissingChannelIsNotFound) {
  const std::string id = add(channel(alice_, "a@example.com", 1));
  ContactChannelUpdate up;
  up.value = "b@example.com";
  ContactChannel out;
  out.value = "untouched";
  EXPECT_EQ(channels().update_contact_channel(project_, alice_, "missing", up, &out),
            ContactChannelWrite::kNotFound);
  EXPECT_EQ(channels().update_contact_channel(project_, bob_, id, up, &out),
            ContactChannelWrite::kNotFound);
  EXPECT_EQ(channels().update_contact_channel(project_, "no-such-user", id, up, &out),
            ContactChannelWrite::kNotFound);
  EXPECT_EQ(channels().update_contact_channel(new_project(), alice_, id, up, &out),
            ContactChannelWrite::kNotFound);
  EXPECT_EQ(out.value, "untouched");
  EXPECT_EQ(get(alice_, id).value, "a@example.com");
}

TEST_P(ContactChannelStoreContract, AnUpdateToAValueTheUserHasIsAlreadyExists) {
  const std::string a = add(channel(alice_, "a@example.com", 1, true));
  const std::string b = add(channel(alice_, "b@example.com", 2));
  add(channel(bob_, "bob@example.com", 3));
  ContactChannelUpdate up;
  up.value = "a@example.com";
  up.is_primary = true;
  up.is_verified = true;
  ContactChannel out;
  out.value = "untouched";
  EXPECT_EQ(channels().update_contact_channel(project_, alice_, b, up, &out),
            ContactChannelWrite::kAlreadyExists);
  EXPECT_EQ(out.value, "untouched");
  auto stored = get(alice_, b);
  EXPECT_EQ(stored.value, "b@example.com");
  EXPECT_FALSE(stored.is_primary);
  EXPECT_FALSE(stored.is_verified);
  EXPECT_TRUE(get(alice_, a).is_primary);  // nothing demoted
  // Another user's value is fine while not used for auth.
  up = {};
  up.value = "bob@example.com";
  EXPECT_EQ(channels().update_contact_channel(project_, alice_, b, up, nullptr),
            ContactChannelWrite::kOk);
}

TEST_P(ContactChannelStoreContract, AnUpdateMayNotSignInWithAnotherUsersAddress) {
  add(channel(alice_, "alice@example.com", 1, true, true));
  const std::string bobs = add(channel(bob_, "bob@example.com", 2, true, true));
  const std::string spare = add(channel(bob_, "alice@example.com", 3));
  ContactChannelUpdate up;
  // Turning sign-in on for an address alice signs in with.
  up.used_for_auth = true;
  EXPECT_EQ(channels().update_contact_channel(project_, bob_, spare, up, nullptr),
            ContactChannelWrite::kUsedForAuthElsewhere);
  EXPECT_FALSE(get(bob_, spare).used_for_auth);
  // Moving a sign-in channel onto alice's address.
  up = {};
  up.value = "alice@example.com";
  up.is_verified = true;
  // (bob already has that value in `spare`: that check comes first)
  EXPECT_EQ(channels().update_contact_channel(project_, bob_, bobs, up, nullptr),
            ContactChannelWrite::kAlreadyExists);
  ASSERT_TRUE(channels().delete_contact_channel(project_, bob_, spare));
  EXPECT_EQ(channels().update_contact_channel(project_, bob_, bobs, up, nullptr),
            ContactChannelWrite::kUsedForAuthElsewhere);
  auto stored = get(bob_, bobs);
  EXPECT_EQ(stored.value, "bob@example.com");
  EXPECT_TRUE(stored.used_for_auth);
  EXPECT_EQ(channels().find_auth_channel(project_, "email", "bob@example.com")->id, bobs);
  EXPECT_EQ(channels().find_auth_channel(project_, "email", "alice@example.com")->user_id, alice_);
  // The same move without sign-in is allowed.
  up.used_for_auth = false;
  EXPECT_EQ(channels().update_contact_channel(project_, bob_, bobs, up, nullptr),
            ContactChannelWrite::kOk);
  EXPECT_FALSE(channels().find_auth_channel(project_, "email", "bob@example.com"));
  // A sign-in channel updated without a change of address does not
  // conflict with itself.
  const std::string own = add(channel(bob_, "own@example.com", 4, false, true));
  up = {};
  up.used_for_auth = true;
  up.is_verified = true;
  EXPECT_EQ(channels().update_contact_channel(project_, bob_, own, up, nullptr),
            ContactChannelWrite::kOk);
  up.value = "own@example.com";
  EXPECT_EQ(channels().update_contact_channel(project_, bob_, own, up, nullptr),
            ContactChannelWrite::kOk);
  // Once alice stops signing in with her address, bob may.
  const std::string alices =
      channels().find_auth_channel(project_, "email", "alice@example.com")->id;
  up = {};
  up.used_for_auth = false;
  ASSERT_EQ(channels().update_contact_channel(project_, alice_, alices, up, nullptr),
            ContactChannelWrite::kOk);
  up = {};
  up.used_for_auth = true;
  EXPECT_EQ(channels().update_contact_channel(project_, bob_, bobs, up, nullptr),
            ContactChannelWrite::kOk);
  EXPECT_EQ(channels().find_auth_channel(project_, "email", "alice@example.com")->user_id, bob_);
}

TEST_P(ContactChannelStoreContract, MakingAChannelPrimaryDemotesTheOthers) {
  const std::string a = add(channel(alice_, "a@example.com", 1, true));
  const std::string b = add(channel(alice_, "b@example.com", 2));
  ContactChannel phone = channel(alice_, "+1", 3, true);
  phone.type = "phone";
  add(phone);
  const std::string bobs = add(channel(bob_, "bob@example.com", 4, true));
  ContactChannelUpdate up;
  up.is_primary = true;
  ASSERT_EQ(channels().update_contact_channel(project_, alice_, b, up, nullptr),
            ContactChannelWrite::kOk);
  EXPECT_FALSE(get(alice_, a).is_primary);
  EXPECT_TRUE(get(alice_, b).is_primary);
  EXPECT_TRUE(get(alice_, phone.id).is_primary);
  EXPECT_TRUE(get(bob_, bobs).is_primary);
  // Setting it again changes nothing.
  ASSERT_EQ(channels().update_contact_channel(project_, alice_, b, up, nullptr),
            ContactChannelWrite::kOk);
  EXPECT_TRUE(get(alice_, b).is_primary);
  // Switching back.
  ASSERT_EQ(channels().update_contact_channel(project_, alice_, a, up, nullptr),
            ContactChannelWrite::kOk);
  EXPECT_TRUE(get(alice_, a).is_primary);
  EXPECT_FALSE(get(alice_, b).is_primary);
  // Un-setting leaves the user without a primary e-mail.
  up.is_primary = false;
  ASSERT_EQ(channels().update_contact_channel(project_, alice_, a, up, nullptr),
            ContactChannelWrite::kOk);
  for (const auto& c : channels().list_contact_channels(project_, alice_, std::nullopt))
    EXPECT_EQ(c.is_primary, c.type == "phone") << c.value;
}

TEST_P(ContactChannelStoreContract, DeleteRemovesOneChannel) {
  const std::string a = add(channel(alice_, "a@example.com", 1, true, true));
  const std::string b = add(channel(alice_, "b@example.com", 2));
  EXPECT_FALSE(channels().delete_contact_channel(project_, bob_, a));
  EXPECT_FALSE(channels().delete_contact_channel(new_project(), alice_, a));
  EXPECT_TRUE(channels().delete_contact_channel(project_, alice_, a));
  EXPECT_FALSE(channels().delete_contact_channel(project_, alice_, a));
  EXPECT_FALSE(channels().get_contact_channel(project_, alice_, a));
  EXPECT_FALSE(channels().find_auth_channel(project_, "email", "a@example.com"));
  EXPECT_EQ(ids(channels().list_contact_channels(project_, alice_, std::nullopt)),
            (std::vector<std::string>{b}));
  // The address is free again, for sign-in too.
  add(channel(bob_, "a@example.com", 3, true, true));
}

TEST_P(ContactChannelStoreContract, MarkVerifiedMatchesUserTypeAndExactValue) {
  const std::string a = add(channel(alice_, "a@example.com", 1));
  const std::string bobs = add(channel(bob_, "a@example.com", 2));
  EXPECT_FALSE(
      channels().mark_contact_channel_verified(project_, alice_, "email", "A@example.com"));
  EXPECT_FALSE(
      channels().mark_contact_channel_verified(project_, alice_, "phone", "a@example.com"));
  EXPECT_FALSE(
      channels().mark_contact_channel_verified(project_, "no-such-user", "email", "a@example.com"));
  EXPECT_FALSE(get(alice_, a).is_verified);
  EXPECT_TRUE(channels().mark_contact_channel_verified(project_, alice_, "email", "a@example.com"));
  EXPECT_TRUE(get(alice_, a).is_verified);
  EXPECT_FALSE(get(bob_, bobs).is_verified);
  // Already verified: still found.
  EXPECT_TRUE(channels().mark_contact_channel_verified(project_, alice_, "email", "a@example.com"));
}

TEST_P(ContactChannelStoreContract, ChannelsGoWithTheirUser) {
  add(channel(alice_, "a@example.com", 1, true, true));
  add(channel(alice_, "b@example.com", 2));
  const std::string bobs = add(channel(bob_, "bob@example.com", 3, true));
  ASSERT_TRUE(store().users().delete_user(project_, alice_));
  EXPECT_TRUE(channels().list_contact_channels(project_, alice_, std::nullopt).empty());
  EXPECT_EQ(ids(channels().list_contact_channels(project_, std::nullopt, std::nullopt)),
            (std::vector<std::string>{bobs}));
  EXPECT_FALSE(channels().find_auth_channel(project_, "email", "a@example.com"));
  add(channel(bob_, "a@example.com", 4, false, true));
  EXPECT_EQ(channels().find_auth_channel(project_, "email", "a@example.com")->user_id, bob_);
}

INSTANTIATE_TEST_SUITE_P(Engines, ContactChannelStoreContract, LATCHKEY_BOTH_ENGINES);

// A SQLite database from before 0030 (is_primary / used_for_auth 1 or NULL)
// keeps its channels, their flags and their order through migrate(), and
// the new partial unique indexes hold afterwards.
class SqliteChannelFlagsMigration : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-0030-" + core::random_uuid());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "old.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static void exec(sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "") << "\n" << sql;
    sqlite3_free(err);
  }
  static int64_t scalar(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    int64_t v = -1;
    if (s && sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteChannelFlagsMigration, OldOneOrNullFlagsBecomeZeroOrOne) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  exec(db, "PRAGMA foreign_keys=ON");
  exec(db,
       "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
       "applied_at INTEGER NOT NULL)");
  int applied = 0;
  for (const auto& m : all_migrations()) {
    // By file name: `version` comes from the literal in the generated table
    // (cmake/embed_migrations.cmake), where 0030 is octal, i.e. 24.
    if (m.engine != "sqlite" || std::stoi(m.name.substr(0, 4)) >= 30) continue;
    exec(db, "BEGIN; " + m.sql + "; INSERT INTO schema_migrations VALUES (" +
                 std::to_string(m.version) + ", '" + m.name + "', 0); COMMIT;");
    ++applied;
  }
  ASSERT_GE(applied, 5);
  ASSERT_EQ(scalar(db, "SELECT count(*) FROM schema_migrations WHERE name >= '0030'"), 0);
  exec(db,
       "INSERT INTO projects (id, display_name, created_at, config) VALUES ('p', 'P', 1, '{}');"
       "INSERT INTO users (project_id, id, created_at, last_active_at) VALUES "
       "('p', 'alice', 1, 1), ('p', 'bob', 1, 1);"
       // Rows inserted out of id order with one created_at: rowid keeps their order.
       "INSERT INTO contact_channels (project_id, user_id, id, type, value, is_verified, "
       "is_primary, used_for_auth, created_at) VALUES "
       "('p', 'alice', 'c3', 'email', 'second@example.com', 0, NULL, NULL, 5),"
       "('p', 'alice', 'c1', 'email', 'alice@example.com', 1, 1, 1, 5),"
       "('p', 'alice', 'c2', 'phone', '+1', 0, 1, NULL, 6),"
       "('p', 'bob', 'c0', 'email', 'alice@example.com', 0, NULL, NULL, 7),"
       "('p', 'bob', 'c4', 'email', 'bob@example.com', 1, NULL, 1, 8);");
  ASSERT_EQ(scalar(db, "SELECT count(*) FROM contact_channels WHERE is_primary IS NULL"), 3);
  sqlite3_close(db);

  {
    auto store = open_store(path_);
    store->migrate();
    auto& channels = store->contact_channels();
    auto list = channels.list_contact_channels("p", std::nullopt, std::nullopt);
    ASSERT_EQ(list.size(), 5u);
    struct Expected {
      const char* id;
      const char* user;
      const char* type;
      const char* value;
      bool verified, primary, auth;
      int64_t created;
    };
    const Expected expected[] = {
        {"c3", "alice", "email", "second@example.com", false, false, false, 5},
        {"c1", "alice", "email", "alice@example.com", true, true, true, 5},
        {"c2", "alice", "phone", "+1", false, true, false, 6},
        {"c0", "bob", "email", "alice@example.com", false, false, false, 7},
        {"c4", "bob", "email", "bob@example.com", true, false, true, 8},
    };
    for (size_t i = 0; i < list.size(); ++i) {
      SCOPED_TRACE(expected[i].id);
      EXPECT_EQ(list[i].id, expected[i].id);
      EXPECT_EQ(list[i].project_id, "p");
      EXPECT_EQ(list[i].user_id, expected[i].user);
      EXPECT_EQ(list[i].type, expected[i].type);
      EXPECT_EQ(list[i].value, expected[i].value);
      EXPECT_EQ(list[i].is_verified, expected[i].verified);
      EXPECT_EQ(list[i].is_primary, expected[i].primary);
      EXPECT_EQ(list[i].used_for_auth, expected[i].auth);
      EXPECT_EQ(list[i].created_at_millis, expected[i].created);
    }
    EXPECT_EQ(channels.find_auth_channel("p", "email", "alice@example.com")->id, "c1");
    EXPECT_EQ(channels.find_auth_channel("p", "email", "bob@example.com")->id, "c4");
    EXPECT_FALSE(channels.find_auth_channel("p", "email", "second@example.com"));
    // The users store reads the primary e-mail from the migrated rows.
    auto alice = store->users().get_user("p", "alice");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->primary_email, "alice@example.com");
    EXPECT_TRUE(alice->primary_email_verified);
    EXPECT_TRUE(alice->primary_email_auth_enabled);
    EXPECT_EQ(store->projects().get_project("p")->user_count, 2);

    // The store's rules hold on the migrated rows.
    ContactChannelUpdate up;
    up.used_for_auth = true;
    EXPECT_EQ(channels.update_contact_channel("p", "bob", "c0", up, nullptr),
              ContactChannelWrite::kUsedForAuthElsewhere);
    up = {};
    up.is_primary = true;
    ASSERT_EQ(channels.update_contact_channel("p", "alice", "c3", up, nullptr),
              ContactChannelWrite::kOk);
    EXPECT_FALSE(channels.get_contact_channel("p", "alice", "c1")->is_primary);
    EXPECT_TRUE(channels.get_contact_channel("p", "alice", "c2")->is_primary);
    // Migrating again changes nothing.
    store->migrate();
    EXPECT_EQ(channels.list_contact_channels("p", std::nullopt, std::nullopt).size(), 5u);
  }

  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(
      scalar(db,
             "SELECT count(*) FROM schema_migrations WHERE name = '0030_contact_channel_flags'"),
      1);
  EXPECT_EQ(scalar(db,
                   "SELECT count(*) FROM contact_channels WHERE is_primary IS NULL OR "
                   "used_for_auth IS NULL OR is_primary NOT IN (0, 1) OR used_for_auth NOT IN "
                   "(0, 1)"),
            0);
  // The partial unique indexes: a second primary e-mail or a second sign-in
  // channel for an address is refused by the schema itself.
  char* err = nullptr;
  EXPECT_NE(sqlite3_exec(db, "UPDATE contact_channels SET is_primary = 1 WHERE id = 'c1'", nullptr,
                         nullptr, &err),
            SQLITE_OK);
  sqlite3_free(err);
  err = nullptr;
  EXPECT_NE(sqlite3_exec(db, "UPDATE contact_channels SET used_for_auth = 1 WHERE id = 'c0'",
                         nullptr, nullptr, &err),
            SQLITE_OK);
  sqlite3_free(err);
  // Many non-primary, non-auth rows are fine.
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM contact_channels WHERE NOT is_primary"), 3);
  sqlite3_close(db);
}

}  // namespace
}  // namespace latchkey::store
