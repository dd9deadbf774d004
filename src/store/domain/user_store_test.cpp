// UserStore contract, on both engines: a user is written with its primary
// e-mail, OAuth accounts, extras and first session all or nothing; read back
// whole (channel, passkey, selected team while a member, OAuth accounts);
// updated under the documented statuses with nothing written on a refusal;
// deleted with everything hanging off it; and listed by (created_at, id)
// pages with the same filters on both engines.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "core/crypto.hpp"
#include "store/sql/sql.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class UserStoreContract : public testing::ProjectEngineTest {
 protected:
  User user(int64_t created = 1000, std::optional<std::string> email = std::nullopt,
            bool email_auth = true) {
    User u;
    u.id = core::random_uuid();
    u.project_id = project_;
    u.created_at_millis = created;
    u.last_active_at_millis = created;
    u.primary_email = std::move(email);
    u.primary_email_auth_enabled = u.primary_email && email_auth;
    return u;
  }

  // A created user.
  User created(int64_t created_at = 1000, std::optional<std::string> email = std::nullopt,
               bool email_auth = true) {
    User u = user(created_at, std::move(email), email_auth);
    EXPECT_EQ(users().create_user(u, {}), CreateUserStatus::kCreated);
    return u;
  }

  std::string new_team(const std::optional<std::string>& creator = std::nullopt) {
    Team t;
    t.id = core::random_uuid();
    t.project_id = project_;
    t.display_name = "team";
    t.created_at_millis = 5;
    std::optional<NewTeamMember> member;
    if (creator) member = NewTeamMember{*creator, {}, 5};
    EXPECT_EQ(store().teams().create_team(t, member), CreateTeamStatus::kCreated);
    return t.id;
  }

  Passkey passkey(const std::string& user_id) {
    Passkey p;
    p.project_id = project_;
    p.user_id = user_id;
    p.credential_id = core::random_uuid();
    p.public_key = "key";
    p.user_handle = "handle";
    p.device_type = "singleDevice";
    return p;
  }

  std::vector<ContactChannel> channels(const std::string& user_id) {
    return store().contact_channels().list_contact_channels(project_, user_id, std::nullopt);
  }

  User get(const std::string& id) {
    auto u = users().get_user(project_, id);
    EXPECT_TRUE(u) << id;
    return u.value_or(User{});
  }

  UserStore& users() { return store().users(); }
};

TEST_P(UserStoreContract, AUserIsReadBackWithEveryColumn) {
  User u = user(1234, "a@example.com");
  u.display_name = "Alice";
  u.profile_image_url = "https://img";
  u.client_metadata = Json{{"c", 1}};
  u.client_read_only_metadata = Json{{"r", "x"}};
  u.server_metadata = Json::array({1, 2});
  u.requires_totp_mfa = true;
  u.totp_secret = std::string("\x00\xff\x80secret", 9);  // bytes, not text
  u.is_anonymous = true;
  u.last_active_at_millis = 5678;
  u.password_hash = "hash";
  u.primary_email_verified = true;
  u.otp_auth_enabled = true;
  u.oauth_providers = {{"github", "2", std::nullopt},
                       {"github", "1", "gh@example.com"},
                       {"apple", "9", std::nullopt}};
  ASSERT_EQ(users().create_user(u, {}), CreateUserStatus::kCreated);

  User r = get(u.id);
  EXPECT_EQ(r.project_id, project_);
  EXPECT_EQ(r.display_name, "Alice");
  EXPECT_EQ(r.profile_image_url, "https://img");
  EXPECT_EQ(r.client_metadata, u.client_metadata);
  EXPECT_EQ(r.client_read_only_metadata, u.client_read_only_metadata);
  EXPECT_EQ(r.server_metadata, u.server_metadata);
  EXPECT_TRUE(r.requires_totp_mfa);
  EXPECT_EQ(r.totp_secret, u.totp_secret);
  EXPECT_TRUE(r.is_anonymous);
  EXPECT_EQ(r.created_at_millis, 1234);
  EXPECT_EQ(r.last_active_at_millis, 5678);
  EXPECT_EQ(r.password_hash, "hash");
  EXPECT_EQ(r.primary_email, "a@example.com");
  EXPECT_TRUE(r.primary_email_verified);
  EXPECT_TRUE(r.primary_email_auth_enabled);
  EXPECT_TRUE(r.otp_auth_enabled);
  EXPECT_FALSE(r.selected_team_id);
  EXPECT_FALSE(r.selected_team);
  EXPECT_FALSE(r.passkey_auth_enabled);
  // Oldest first; the same creation time orders by provider, then account.
  ASSERT_EQ(r.oauth_providers.size(), 3u);
  EXPECT_EQ(r.oauth_providers[0].provider_id, "apple");
  EXPECT_EQ(r.oauth_providers[1].provider_id, "github");
  EXPECT_EQ(r.oauth_providers[1].account_id, "1");
  EXPECT_EQ(r.oauth_providers[1].email, "gh@example.com");
  EXPECT_EQ(r.oauth_providers[2].account_id, "2");
  EXPECT_FALSE(r.oauth_providers[2].email);
  auto account = store().oauth().find_oauth_account(project_, "github", "1");
  ASSERT_TRUE(account);
  EXPECT_EQ(account->user_id, u.id);

  // The primary channel is a contact channel like any other.
  auto chans = channels(u.id);
  ASSERT_EQ(chans.size(), 1u);
  EXPECT_TRUE(chans[0].is_primary);
  EXPECT_TRUE(chans[0].used_for_auth);
  EXPECT_EQ(chans[0].created_at_millis, 1234);

  ASSERT_EQ(store().passkeys().save_passkey(passkey(u.id)), SavePasskeyStatus::kSaved);
  EXPECT_TRUE(get(u.id).passkey_auth_enabled);

  EXPECT_FALSE(users().get_user(project_, core::random_uuid()));
  EXPECT_FALSE(users().get_user(new_project(), u.id));
}

TEST_P(UserStoreContract, RestrictionCountryAndRiskScoresAreStoredAndUpdated) {
  User u = user();
  u.restricted_by_admin = true;
  u.restricted_by_admin_reason = "spam";
  u.restricted_by_admin_private_details = "reported";
  u.country_code = "CH";
  u.risk_score_bot = 40;
  u.risk_score_free_trial_abuse = 7;
  ASSERT_EQ(users().create_user(u, {}), CreateUserStatus::kCreated);
  auto read = users().get_user(project_, u.id);
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->restricted_by_admin);
  EXPECT_EQ(read->restricted_by_admin_reason, "spam");
  EXPECT_EQ(read->restricted_by_admin_private_details, "reported");
  EXPECT_EQ(read->country_code, "CH");
  EXPECT_EQ(read->risk_score_bot, 40);
  EXPECT_EQ(read->risk_score_free_trial_abuse, 7);

  UserUpdate keep;  // other changes leave them alone
  keep.display_name = std::optional<std::string>("x");
  ASSERT_EQ(users().update_user(project_, u.id, keep), UpdateUserStatus::kUpdated);
  EXPECT_EQ(users().get_user(project_, u.id)->restricted_by_admin_reason, "spam");

  UserUpdate up;
  up.restricted_by_admin = false;
  up.restricted_by_admin_reason.emplace(std::nullopt);
  up.country_code.emplace(std::nullopt);
  up.risk_score_bot = 0;
  ASSERT_EQ(users().update_user(project_, u.id, up), UpdateUserStatus::kUpdated);
  read = users().get_user(project_, u.id);
  EXPECT_FALSE(read->restricted_by_admin);
  EXPECT_FALSE(read->restricted_by_admin_reason);
  EXPECT_EQ(read->restricted_by_admin_private_details, "reported");  // not named: kept
  EXPECT_FALSE(read->country_code);
  EXPECT_EQ(read->risk_score_bot, 0);
  EXPECT_EQ(read->risk_score_free_trial_abuse, 7);
  // A user created without them reads the neutral values.
  User plain = created();
  read = users().get_user(project_, plain.id);
  EXPECT_FALSE(read->restricted_by_admin);
  EXPECT_FALSE(read->country_code);
  EXPECT_EQ(read->risk_score_bot, 0);
}

TEST_P(UserStoreContract, AMinimalUserReadsAsUnset) {
  User u = created(7);
  User r = get(u.id);
  EXPECT_FALSE(r.display_name);
  EXPECT_TRUE(r.client_metadata.is_null());
  EXPECT_TRUE(r.server_metadata.is_null());
  EXPECT_FALSE(r.totp_secret);
  EXPECT_FALSE(r.requires_totp_mfa);
  EXPECT_FALSE(r.password_hash);
  EXPECT_FALSE(r.primary_email);
  EXPECT_FALSE(r.primary_email_verified);
  EXPECT_FALSE(r.primary_email_auth_enabled);
  EXPECT_TRUE(r.oauth_providers.empty());
  EXPECT_TRUE(channels(u.id).empty());
}

TEST_P(UserStoreContract, CreatingWithAnAuthEmailInUseWritesNothing) {
  User a = created(1, "same@example.com");
  User b = user(2, "same@example.com");
  b.oauth_providers = {{"github", "b", std::nullopt}};
  EXPECT_EQ(users().create_user(b, {}), CreateUserStatus::kEmailInUse);
  EXPECT_FALSE(users().get_user(project_, b.id));
  EXPECT_FALSE(store().oauth().find_oauth_account(project_, "github", "b"));
  EXPECT_EQ(users().find_user_by_auth_email(project_, "same@example.com")->id, a.id);
  EXPECT_EQ(store().projects().get_project(project_)->user_count, 1);

  // The address as a primary channel not used for auth is no conflict, nor
  // is it in another project.
  User c = user(3, "same@example.com", false);
  EXPECT_EQ(users().create_user(c, {}), CreateUserStatus::kCreated);
  EXPECT_EQ(get(c.id).primary_email, "same@example.com");
  EXPECT_FALSE(get(c.id).primary_email_auth_enabled);
  User d = user(4, "same@example.com");
  d.project_id = new_project();
  EXPECT_EQ(users().create_user(d, {}), CreateUserStatus::kCreated);
}

TEST_P(UserStoreContract, CreatingWithAnOAuthAccountInUseWritesNothing) {
  User a = user(1);
  a.oauth_providers = {{"github", "42", std::nullopt}};
  ASSERT_EQ(users().create_user(a, {}), CreateUserStatus::kCreated);
  User b = user(2, "b@example.com");
  b.oauth_providers = {{"google", "7", std::nullopt}, {"github", "42", std::nullopt}};
  NewUserExtras extras;
  extras.first_session = session(project_, b.id);
  EXPECT_EQ(users().create_user(b, extras), CreateUserStatus::kOAuthAccountInUse);
  EXPECT_FALSE(users().get_user(project_, b.id));
  EXPECT_FALSE(users().find_user_by_auth_email(project_, "b@example.com"));
  EXPECT_FALSE(store().oauth().find_oauth_account(project_, "google", "7"));
  EXPECT_FALSE(store().sessions().get_session(project_, extras.first_session->id));
  EXPECT_EQ(store().oauth().find_oauth_account(project_, "github", "42")->user_id, a.id);
}

TEST_P(UserStoreContract, ExtrasAndTheFirstSessionAreWrittenWithTheUser) {
  User u = user(10, "new@example.com");
  NewUserExtras extras;
  extras.project_permission_ids = {"read", "write"};
  extras.personal_team = NewUserExtras::PersonalTeam{core::random_uuid(), "Personal", {}};
  extras.first_session = session(project_, u.id);
  ASSERT_EQ(users().create_user(u, extras), CreateUserStatus::kCreated);
  User r = get(u.id);
  ASSERT_TRUE(r.selected_team);
  EXPECT_EQ(r.selected_team_id, extras.personal_team->id);
  EXPECT_EQ(r.selected_team->id, extras.personal_team->id);
  EXPECT_EQ(r.selected_team->display_name, "Personal");
  EXPECT_EQ(r.selected_team->project_id, project_);
  EXPECT_EQ(store().permissions().list_project_grants(project_, u.id).size(), 2u);
  EXPECT_TRUE(store().sessions().get_session(project_, extras.first_session->id));
}

TEST_P(UserStoreContract, AFailingExtraRollsTheWholeUserBack) {
  User other = created(1);
  NewUserExtras taken;
  taken.first_session = session(project_, other.id);
  ASSERT_TRUE(store().sessions().create_session(*taken.first_session));

  // The first session's refresh-token digest is taken: an error, after the
  // user, its channel, OAuth account and extras were written.
  User u = user(2, "roll@example.com");
  u.oauth_providers = {{"github", "roll", std::nullopt}};
  NewUserExtras extras;
  extras.project_permission_ids = {"read"};
  extras.personal_team = NewUserExtras::PersonalTeam{core::random_uuid(), "Personal", {}};
  extras.first_session = session(project_, u.id);
  extras.first_session->refresh_token_digest = taken.first_session->refresh_token_digest;
  EXPECT_THROW(users().create_user(u, extras), sql::ConstraintError);
  // A first session for another (missing) user cannot be written either.
  extras.first_session = session(project_, core::random_uuid());
  EXPECT_THROW(users().create_user(u, extras), std::runtime_error);
  // The personal team's id is taken.
  extras.first_session.reset();
  extras.personal_team->id = new_team();
  EXPECT_ANY_THROW(users().create_user(u, extras));

  EXPECT_FALSE(users().get_user(project_, u.id));
  EXPECT_FALSE(users().find_user_by_auth_email(project_, "roll@example.com"));
  EXPECT_FALSE(store().oauth().find_oauth_account(project_, "github", "roll"));
  EXPECT_TRUE(store().permissions().list_project_grants(project_, u.id).empty());
  EXPECT_EQ(store().teams().list_teams(project_, std::nullopt).size(), 1u);
  EXPECT_EQ(store().projects().get_project(project_)->user_count, 1);
  // And the same user can then be created.
  extras.personal_team->id = core::random_uuid();
  EXPECT_EQ(users().create_user(u, extras), CreateUserStatus::kCreated);
}

TEST_P(UserStoreContract, AUserIsFoundByTheAddressItSignsInWith) {
  User a = created(1, "Find@Example.com");
  User b = created(2, "noauth@example.com", false);
  auto found = users().find_user_by_auth_email(project_, "Find@Example.com");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a.id);
  EXPECT_EQ(found->primary_email, "Find@Example.com");
  // Exact match only, in the project only, and only a channel used for auth.
  EXPECT_FALSE(users().find_user_by_auth_email(project_, "find@example.com"));
  EXPECT_FALSE(users().find_user_by_auth_email(new_project(), "Find@Example.com"));
  EXPECT_FALSE(users().find_user_by_auth_email(project_, "noauth@example.com"));
  // A non-primary channel used for auth counts too.
  ContactChannel ch;
  ch.id = core::random_uuid();
  ch.project_id = project_;
  ch.user_id = b.id;
  ch.value = "second@example.com";
  ch.used_for_auth = true;
  ASSERT_EQ(store().contact_channels().create_contact_channel(ch), ContactChannelWrite::kOk);
  found = users().find_user_by_auth_email(project_, "second@example.com");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, b.id);
  EXPECT_EQ(found->primary_email, "noauth@example.com");
}

TEST_P(UserStoreContract, PasswordHashAndServerMetadataAreReplaced) {
  User u = created();
  User other = created();
  users().set_password_hash(project_, u.id, "h1");
  EXPECT_EQ(get(u.id).password_hash, "h1");
  users().set_password_hash(project_, u.id, std::nullopt);
  EXPECT_FALSE(get(u.id).password_hash);

  users().set_user_server_metadata(project_, u.id, Json{{"k", "v"}});
  EXPECT_EQ(get(u.id).server_metadata, (Json{{"k", "v"}}));
  users().set_user_server_metadata(project_, u.id, Json());
  EXPECT_TRUE(get(u.id).server_metadata.is_null());

  // Only that user.
  users().set_password_hash(project_, u.id, "h2");
  EXPECT_FALSE(get(other.id).password_hash);
  // An unknown user is no error.
  users().set_password_hash(project_, core::random_uuid(), "h3");
  users().set_user_server_metadata(project_, core::random_uuid(), Json{{"x", 1}});
}

TEST_P(UserStoreContract, AnUpdateWritesTheGivenFieldsOnly) {
  User u = user(1, "u@example.com");
  u.display_name = "before";
  u.client_metadata = Json{{"keep", true}};
  u.password_hash = "old";
  ASSERT_EQ(users().create_user(u, {}), CreateUserStatus::kCreated);

  UserUpdate up;
  up.profile_image_url = std::optional<std::string>("https://new");
  up.server_metadata = Json{{"s", 1}};
  up.client_read_only_metadata = Json{{"ro", 2}};
  up.otp_auth_enabled = true;
  up.is_anonymous = true;
  up.totp_secret = std::optional<std::string>(std::string("\x01\x00\xfe", 3));
  ASSERT_EQ(users().update_user(project_, u.id, up), UpdateUserStatus::kUpdated);
  User r = get(u.id);
  EXPECT_EQ(r.display_name, "before");
  EXPECT_EQ(r.client_metadata, (Json{{"keep", true}}));
  EXPECT_EQ(r.password_hash, "old");
  EXPECT_EQ(r.primary_email, "u@example.com");
  EXPECT_EQ(r.profile_image_url, "https://new");
  EXPECT_EQ(r.server_metadata, (Json{{"s", 1}}));
  EXPECT_EQ(r.client_read_only_metadata, (Json{{"ro", 2}}));
  EXPECT_TRUE(r.otp_auth_enabled);
  EXPECT_TRUE(r.is_anonymous);
  EXPECT_EQ(r.totp_secret, std::string("\x01\x00\xfe", 3));
  EXPECT_TRUE(r.requires_totp_mfa);

  // Inner nullopt clears; clearing the secret clears requires_totp_mfa.
  UserUpdate clear;
  clear.display_name = std::optional<std::string>();
  clear.password_hash = std::optional<std::string>();
  clear.totp_secret = std::optional<std::string>();
  clear.client_metadata = Json();
  ASSERT_EQ(users().update_user(project_, u.id, clear), UpdateUserStatus::kUpdated);
  r = get(u.id);
  EXPECT_FALSE(r.display_name);
  EXPECT_FALSE(r.password_hash);
  EXPECT_FALSE(r.totp_secret);
  EXPECT_FALSE(r.requires_totp_mfa);
  EXPECT_TRUE(r.client_metadata.is_null());
  EXPECT_EQ(r.profile_image_url, "https://new");
}

TEST_P(UserStoreContract, AnUpdateCreatesReplacesAndDeletesThePrimaryEmail) {
  User u = created();
  // Flags without a primary channel change nothing.
  UserUpdate flags;
  flags.primary_email_verified = true;
  ASSERT_EQ(users().update_user(project_, u.id, flags), UpdateUserStatus::kUpdated);
  EXPECT_TRUE(channels(u.id).empty());

  UserUpdate add;
  add.primary_email = std::optional<std::string>("first@example.com");
  add.primary_email_auth_enabled = true;
  add.now_millis = 777;
  ASSERT_EQ(users().update_user(project_, u.id, add), UpdateUserStatus::kUpdated);
  auto chans = channels(u.id);
  ASSERT_EQ(chans.size(), 1u);
  EXPECT_TRUE(chans[0].is_primary);
  EXPECT_TRUE(chans[0].used_for_auth);
  EXPECT_FALSE(chans[0].is_verified);
  EXPECT_EQ(chans[0].created_at_millis, 777);
  const std::string channel_id = chans[0].id;

  UserUpdate verify;
  verify.primary_email_verified = true;
  ASSERT_EQ(users().update_user(project_, u.id, verify), UpdateUserStatus::kUpdated);
  EXPECT_TRUE(get(u.id).primary_email_verified);

  // A new value is written in place: same channel, still verified and used
  // for auth.
  UserUpdate replace;
  replace.primary_email = std::optional<std::string>("second@example.com");
  ASSERT_EQ(users().update_user(project_, u.id, replace), UpdateUserStatus::kUpdated);
  chans = channels(u.id);
  ASSERT_EQ(chans.size(), 1u);
  EXPECT_EQ(chans[0].id, channel_id);
  EXPECT_EQ(chans[0].value, "second@example.com");
  EXPECT_TRUE(chans[0].is_verified);
  EXPECT_TRUE(chans[0].used_for_auth);
  EXPECT_FALSE(users().find_user_by_auth_email(project_, "first@example.com"));
  EXPECT_EQ(users().find_user_by_auth_email(project_, "second@example.com")->id, u.id);

  UserUpdate no_auth;
  no_auth.primary_email_auth_enabled = false;
  ASSERT_EQ(users().update_user(project_, u.id, no_auth), UpdateUserStatus::kUpdated);
  EXPECT_FALSE(get(u.id).primary_email_auth_enabled);
  EXPECT_FALSE(users().find_user_by_auth_email(project_, "second@example.com"));

  UserUpdate remove;
  remove.primary_email = std::optional<std::string>();
  ASSERT_EQ(users().update_user(project_, u.id, remove), UpdateUserStatus::kUpdated);
  EXPECT_TRUE(channels(u.id).empty());
  EXPECT_FALSE(get(u.id).primary_email);
}

TEST_P(UserStoreContract, AnAddressAnotherUserSignsInWithIsRefused) {
  User other = created(1, "taken@example.com");
  User u = created(2, "mine@example.com", false);

  UserUpdate up;
  up.display_name = std::optional<std::string>("changed");
  up.primary_email = std::optional<std::string>("taken@example.com");
  up.primary_email_auth_enabled = true;
  up.delete_sessions = true;
  ASSERT_TRUE(store().sessions().create_session(session(project_, u.id)));
  EXPECT_EQ(users().update_user(project_, u.id, up), UpdateUserStatus::kEmailInUse);
  // Nothing written.
  User r = get(u.id);
  EXPECT_FALSE(r.display_name);
  EXPECT_EQ(r.primary_email, "mine@example.com");
  EXPECT_EQ(store().sessions().list_sessions(project_, u.id).size(), 1u);

  // Turning auth on for the current value is checked the same way.
  UserUpdate same;
  same.primary_email = std::optional<std::string>("taken@example.com");
  ASSERT_EQ(users().update_user(project_, u.id, same), UpdateUserStatus::kUpdated);
  UserUpdate enable;
  enable.primary_email_auth_enabled = true;
  EXPECT_EQ(users().update_user(project_, u.id, enable), UpdateUserStatus::kEmailInUse);
  EXPECT_FALSE(get(u.id).primary_email_auth_enabled);
  EXPECT_EQ(users().find_user_by_auth_email(project_, "taken@example.com")->id, other.id);

  // Its own address is no conflict.
  UserUpdate own;
  own.primary_email = std::optional<std::string>("taken@example.com");
  own.primary_email_auth_enabled = true;
  EXPECT_EQ(users().update_user(project_, other.id, own), UpdateUserStatus::kUpdated);
}

TEST_P(UserStoreContract, AnAddressOfAnotherOwnChannelIsRefused) {
  User u = created(1, "primary@example.com");
  ContactChannel ch;
  ch.id = core::random_uuid();
  ch.project_id = project_;
  ch.user_id = u.id;
  ch.value = "other@example.com";
  ASSERT_EQ(store().contact_channels().create_contact_channel(ch), ContactChannelWrite::kOk);

  UserUpdate up;
  up.primary_email = std::optional<std::string>("other@example.com");
  up.server_metadata = Json{{"changed", true}};
  EXPECT_EQ(users().update_user(project_, u.id, up), UpdateUserStatus::kContactChannelExists);
  User r = get(u.id);
  EXPECT_EQ(r.primary_email, "primary@example.com");
  EXPECT_TRUE(r.server_metadata.is_null());
  EXPECT_EQ(channels(u.id).size(), 2u);
}

TEST_P(UserStoreContract, TheSelectedTeamCountsOnlyWhileAMember) {
  User u = created();
  const std::string team = new_team();
  UserUpdate select;
  select.selected_team_id = std::optional<std::string>(team);
  select.display_name = std::optional<std::string>("changed");
  EXPECT_EQ(users().update_user(project_, u.id, select), UpdateUserStatus::kNotTeamMember);
  EXPECT_FALSE(get(u.id).display_name);
  EXPECT_FALSE(get(u.id).selected_team_id);

  ASSERT_EQ(store().teams().add_member(project_, team, NewTeamMember{u.id, {}, 9}),
            AddMemberStatus::kAdded);
  ASSERT_EQ(users().update_user(project_, u.id, select), UpdateUserStatus::kUpdated);
  User r = get(u.id);
  EXPECT_EQ(r.selected_team_id, team);
  ASSERT_TRUE(r.selected_team);
  EXPECT_EQ(r.selected_team->display_name, "team");
  EXPECT_EQ(r.selected_team->created_at_millis, 5);

  UserUpdate unselect;
  unselect.selected_team_id = std::optional<std::string>();
  ASSERT_EQ(users().update_user(project_, u.id, unselect), UpdateUserStatus::kUpdated);
  EXPECT_FALSE(get(u.id).selected_team_id);

  // A selection stored for a team the user is not in reads as none.
  User outsider = user(2);
  outsider.selected_team_id = team;
  ASSERT_EQ(users().create_user(outsider, {}), CreateUserStatus::kCreated);
  EXPECT_FALSE(get(outsider.id).selected_team_id);
  EXPECT_FALSE(get(outsider.id).selected_team);
}

TEST_P(UserStoreContract, UpdatingAMissingUserIsNotFound) {
  UserUpdate up;
  up.display_name = std::optional<std::string>("x");
  EXPECT_EQ(users().update_user(project_, core::random_uuid(), up), UpdateUserStatus::kNotFound);
  User u = created();
  EXPECT_EQ(users().update_user(new_project(), u.id, up), UpdateUserStatus::kNotFound);
}

TEST_P(UserStoreContract, AnUpdateCanDeleteThePasskeyAndSignOutEverywhere) {
  User u = created();
  User other = created();
  ASSERT_EQ(store().passkeys().save_passkey(passkey(u.id)), SavePasskeyStatus::kSaved);
  ASSERT_EQ(store().passkeys().save_passkey(passkey(other.id)), SavePasskeyStatus::kSaved);
  ASSERT_TRUE(store().sessions().create_session(session(project_, u.id)));
  ASSERT_TRUE(store().sessions().create_session(session(project_, u.id)));
  ASSERT_TRUE(store().sessions().create_session(session(project_, other.id)));

  UserUpdate up;
  up.delete_passkey = true;
  up.delete_sessions = true;
  ASSERT_EQ(users().update_user(project_, u.id, up), UpdateUserStatus::kUpdated);
  EXPECT_FALSE(get(u.id).passkey_auth_enabled);
  EXPECT_TRUE(store().sessions().list_sessions(project_, u.id).empty());
  EXPECT_TRUE(get(other.id).passkey_auth_enabled);
  EXPECT_EQ(store().sessions().list_sessions(project_, other.id).size(), 1u);
}

TEST_P(UserStoreContract, DeletingAUserRemovesEverythingItOwns) {
  User u = user(1, "gone@example.com");
  u.oauth_providers = {{"github", "gone", std::nullopt}};
  NewUserExtras extras;
  extras.project_permission_ids = {"read"};
  extras.first_session = session(project_, u.id);
  ASSERT_EQ(users().create_user(u, extras), CreateUserStatus::kCreated);
  User keep = created(2, "keep@example.com");
  const std::string team = new_team(u.id);
  ASSERT_EQ(store().teams().add_member(project_, team, NewTeamMember{keep.id, {}, 9}),
            AddMemberStatus::kAdded);
  Passkey pk = passkey(u.id);
  ASSERT_EQ(store().passkeys().save_passkey(pk), SavePasskeyStatus::kSaved);

  EXPECT_TRUE(users().delete_user(project_, u.id));
  EXPECT_FALSE(users().delete_user(project_, u.id));
  EXPECT_FALSE(users().get_user(project_, u.id));
  EXPECT_TRUE(channels(u.id).empty());
  EXPECT_FALSE(store().oauth().find_oauth_account(project_, "github", "gone"));
  EXPECT_FALSE(store().sessions().get_session(project_, extras.first_session->id));
  EXPECT_FALSE(store().passkeys().find_passkey_by_credential_id(project_, pk.credential_id));
  EXPECT_TRUE(store().permissions().list_project_grants(project_, u.id).empty());
  auto members = store().teams().list_members(project_, team, std::nullopt);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].user_id, keep.id);
  EXPECT_EQ(store().projects().get_project(project_)->user_count, 1);
  // The address is free again.
  EXPECT_EQ(users().create_user(user(3, "gone@example.com"), {}), CreateUserStatus::kCreated);
  // Another user is untouched.
  EXPECT_EQ(get(keep.id).primary_email, "keep@example.com");
}

TEST_P(UserStoreContract, UsersAreListedInPagesByCreationThenId) {
  std::vector<User> made;
  for (int64_t t : {30, 10, 20, 20, 20}) made.push_back(created(t));
  new_project();  // users elsewhere never show
  std::vector<User> sorted = made;
  std::sort(sorted.begin(), sorted.end(), [](const User& a, const User& b) {
    return std::tie(a.created_at_millis, a.id) < std::tie(b.created_at_millis, b.id);
  });
  std::vector<std::string> asc = ids(sorted);
  std::vector<std::string> desc(asc.rbegin(), asc.rend());

  EXPECT_EQ(ids(users().list_users(project_, {}).users), asc);
  ListUsersQuery q;
  q.desc = true;
  EXPECT_EQ(ids(users().list_users(project_, q).users), desc);

  // limit + 1 rows, the cursor row first.
  q = {};
  q.limit = 2;
  EXPECT_EQ(ids(users().list_users(project_, q).users),
            (std::vector<std::string>{asc[0], asc[1], asc[2]}));
  q.cursor = asc[2];
  EXPECT_EQ(ids(users().list_users(project_, q).users),
            (std::vector<std::string>{asc[2], asc[3], asc[4]}));
  q.desc = true;
  EXPECT_EQ(ids(users().list_users(project_, q).users),
            (std::vector<std::string>{asc[2], asc[1], asc[0]}));
  q.limit = 0;
  EXPECT_EQ(ids(users().list_users(project_, q).users), (std::vector<std::string>{asc[2]}));
  q.limit.reset();
  q.desc = false;
  q.cursor = asc[3];
  EXPECT_EQ(ids(users().list_users(project_, q).users), (std::vector<std::string>{asc[3], asc[4]}));
  q.limit = INT64_MAX;
  EXPECT_EQ(ids(users().list_users(project_, q).users), (std::vector<std::string>{asc[3], asc[4]}));
  // An unknown cursor gives no rows.
  q.cursor = core::random_uuid();
  EXPECT_TRUE(users().list_users(project_, q).users.empty());
}

TEST_P(UserStoreContract, UsersAreFilteredByTextAndTeam) {
  User alice = user(1, "Alice@Example.com");
  alice.display_name = "Alice Liddell";
  ASSERT_EQ(users().create_user(alice, {}), CreateUserStatus::kCreated);
  User bob = user(2, "bob@example.com");
  bob.display_name = "Bob";
  ASSERT_EQ(users().create_user(bob, {}), CreateUserStatus::kCreated);
  User emile = user(3);
  emile.display_name = "\xc3\x89mile";  // "Émile"
  ASSERT_EQ(users().create_user(emile, {}), CreateUserStatus::kCreated);
  User carol = created(4);
  ContactChannel ch;  // a non-primary channel matches too
  ch.id = core::random_uuid();
  ch.project_id = project_;
  ch.user_id = carol.id;
  ch.value = "CAROL@work.example";
  ASSERT_EQ(store().contact_channels().create_contact_channel(ch), ContactChannelWrite::kOk);

  auto find = [&](std::optional<std::string> text, std::optional<std::string> text_id = {},
                  std::optional<std::string> team = {}) {
    ListUsersQuery q;
    q.text = std::move(text);
    q.text_id = std::move(text_id);
    q.team_id = std::move(team);
    return ids(users().list_users(project_, q).users);
  };
  using Ids = std::vector<std::string>;
  // ASCII letters fold either way, on the display name and on any channel.
  EXPECT_EQ(find("LIDDELL"), Ids{alice.id});
  EXPECT_EQ(find("alice@example"), Ids{alice.id});
  EXPECT_EQ(find("EXAMPLE.COM"), (Ids{alice.id, bob.id}));
  EXPECT_EQ(find("carol@WORK"), Ids{carol.id});
  // Other letters do not fold, on both engines alike.
  EXPECT_EQ(find("\xc3\x89mi"), Ids{emile.id});
  EXPECT_TRUE(find("\xc3\xa9mi").empty());  // "émi"
  // Every user has "" as a substring (of its empty display name, too).
  EXPECT_EQ(find("").size(), 4u);
  EXPECT_TRUE(find("nobody").empty());
  // The id the text names matches exactly.
  EXPECT_EQ(find("nobody", bob.id), Ids{bob.id});

  const std::string team = new_team(bob.id);
  ASSERT_EQ(store().teams().add_member(project_, team, NewTeamMember{carol.id, {}, 9}),
            AddMemberStatus::kAdded);
  EXPECT_EQ(find(std::nullopt, std::nullopt, team), (Ids{bob.id, carol.id}));
  EXPECT_EQ(find("bob", std::nullopt, team), Ids{bob.id});
  EXPECT_EQ(find("alice", std::nullopt, team), Ids{});
  EXPECT_TRUE(find(std::nullopt, std::nullopt, core::random_uuid()).empty());

  // A team's pages, in both directions, from its members (a small team) or
  // walking every user (a large one) alike.
  for (int64_t read_at_most : {10000, 0})
    for (bool desc : {false, true}) {
      ListUsersQuery q;
      q.team_id = team;
      q.desc = desc;
      q.limit = 1;
      q.team_members_read_at_most = read_at_most;
      const Ids first = ids(users().list_users(project_, q).users);
      ASSERT_EQ(first.size(), 2u);
      EXPECT_EQ(first, desc ? (Ids{carol.id, bob.id}) : (Ids{bob.id, carol.id}));
      q.cursor = first[1];
      EXPECT_EQ(ids(users().list_users(project_, q).users), Ids{first[1]});
      q.text = "CAROL";
      q.cursor.reset();
      EXPECT_EQ(ids(users().list_users(project_, q).users), Ids{carol.id});
    }

  // A listed user is read whole: selected team, channel, OAuth accounts.
  ListUsersQuery q;
  q.cursor = alice.id;
  q.limit = 0;
  auto one = users().list_users(project_, q).users;
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].primary_email, "Alice@Example.com");
  EXPECT_EQ(one[0].display_name, "Alice Liddell");
}

INSTANTIATE_TEST_SUITE_P(Engines, UserStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
