// PasskeyStore and TotpStore contracts, on both engines: one passkey per
// user (a new one replaces it, a credential ID taken by another user is
// refused without touching anything), its public key kept byte for byte,
// its counter moved only from the expected value; TOTP steps claimed once
// and only forwards, even under concurrency.
#include <gtest/gtest.h>

#include <atomic>

#include "core/crypto.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

// Bytes no text column would keep: a NUL, high bytes, invalid UTF-8.
constexpr char kKeyBytes[] = "\xa5\x01\x02\x03\x26\x00\xff\xfe\x80 key";
const std::string kPublicKey(kKeyBytes, sizeof kKeyBytes - 1);

class PasskeyStoreContract : public testing::UserEngineTest {
 protected:
  Passkey passkey(const std::string& user, const std::string& credential_id) {
    Passkey p;
    p.project_id = project_;
    p.user_id = user;
    p.credential_id = credential_id;
    p.public_key = kPublicKey;
    p.user_handle = "dXNlcg";
    p.transports = {"internal", "hybrid"};
    p.device_type = "multiDevice";
    p.backed_up = true;
    p.counter = 7;
    p.created_at_millis = 1234;
    return p;
  }

  PasskeyStore& passkeys() { return store().passkeys(); }
};

TEST_P(PasskeyStoreContract, APasskeyIsFoundByCredentialIdWithEveryField) {
  ASSERT_EQ(passkeys().save_passkey(passkey(user_, "cred-1")), SavePasskeyStatus::kSaved);
  auto p = passkeys().find_passkey_by_credential_id(project_, "cred-1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->project_id, project_);
  EXPECT_EQ(p->user_id, user_);
  EXPECT_EQ(p->credential_id, "cred-1");
  EXPECT_EQ(p->public_key, kPublicKey);
  EXPECT_EQ(p->user_handle, "dXNlcg");
  EXPECT_EQ(p->transports, (std::vector<std::string>{"internal", "hybrid"}));
  EXPECT_EQ(p->device_type, "multiDevice");
  EXPECT_TRUE(p->backed_up);
  EXPECT_EQ(p->counter, 7);
  EXPECT_EQ(p->created_at_millis, 1234);
  EXPECT_FALSE(p->last_used_at_millis);

  EXPECT_FALSE(passkeys().find_passkey_by_credential_id(project_, "cred-2"));
  EXPECT_FALSE(passkeys().find_passkey_by_credential_id(core::random_uuid(), "cred-1"));

  // Another user, no transports, not backed up.
  Passkey q = passkey(new_user(project_), "cred-q");
  q.transports.clear();
  q.backed_up = false;
  q.last_used_at_millis = 99;
  ASSERT_EQ(passkeys().save_passkey(q), SavePasskeyStatus::kSaved);
  p = passkeys().find_passkey_by_credential_id(project_, "cred-q");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->transports.empty());
  EXPECT_FALSE(p->backed_up);
  EXPECT_EQ(p->last_used_at_millis, 99);
}

TEST_P(PasskeyStoreContract, ANewPasskeyReplacesTheUsersOldOne) {
  ASSERT_EQ(passkeys().save_passkey(passkey(user_, "cred-1")), SavePasskeyStatus::kSaved);
  ASSERT_EQ(passkeys().save_passkey(passkey(user_, "cred-2")), SavePasskeyStatus::kSaved);
  EXPECT_FALSE(passkeys().find_passkey_by_credential_id(project_, "cred-1"));
  EXPECT_TRUE(passkeys().find_passkey_by_credential_id(project_, "cred-2"));
  // Registering the same credential again replaces it too.
  Passkey again = passkey(user_, "cred-2");
  again.counter = 0;
  ASSERT_EQ(passkeys().save_passkey(again), SavePasskeyStatus::kSaved);
  EXPECT_EQ(passkeys().find_passkey_by_credential_id(project_, "cred-2")->counter, 0);
}

TEST_P(PasskeyStoreContract, ACredentialOfAnotherUserIsRefusedAndNothingChanges) {
  std::string other = new_user(project_);
  ASSERT_EQ(passkeys().save_passkey(passkey(other, "taken")), SavePasskeyStatus::kSaved);
  ASSERT_EQ(passkeys().save_passkey(passkey(user_, "mine")), SavePasskeyStatus::kSaved);
  EXPECT_EQ(passkeys().save_passkey(passkey(user_, "taken")), SavePasskeyStatus::kCredentialInUse);
  // Rolled back: the user keeps the old passkey, the other user theirs.
  auto mine = passkeys().find_passkey_by_credential_id(project_, "mine");
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->user_id, user_);
  EXPECT_EQ(passkeys().find_passkey_by_credential_id(project_, "taken")->user_id, other);

  // The same credential ID in another project is another credential.
  Project p2;
  p2.id = core::random_uuid();
  p2.display_name = "p2";
  p2.config = Json::object();
  store().projects().insert_project(p2);
  std::swap(project_, p2.id);
  std::string elsewhere = new_user(project_);
  EXPECT_EQ(passkeys().save_passkey(passkey(elsewhere, "taken")), SavePasskeyStatus::kSaved);
}

TEST_P(PasskeyStoreContract, NoPasskeyForAMissingUserAndTheUsersDeletionTakesIt) {
  EXPECT_EQ(passkeys().save_passkey(passkey(core::random_uuid(), "cred")),
            SavePasskeyStatus::kUserNotFound);
  EXPECT_FALSE(passkeys().find_passkey_by_credential_id(project_, "cred"));

  ASSERT_EQ(passkeys().save_passkey(passkey(user_, "cred")), SavePasskeyStatus::kSaved);
  ASSERT_TRUE(store().users().delete_user(project_, user_));
  EXPECT_FALSE(passkeys().find_passkey_by_credential_id(project_, "cred"));
  EXPECT_EQ(passkeys().save_passkey(passkey(user_, "cred")), SavePasskeyStatus::kUserNotFound);
}

TEST_P(PasskeyStoreContract, TheCounterMovesOnlyFromTheExpectedValue) {
  ASSERT_EQ(passkeys().save_passkey(passkey(user_, "cred")), SavePasskeyStatus::kSaved);
  EXPECT_FALSE(passkeys().update_passkey_counter(project_, user_, "cred", 6, 8, 500));  // stale
  EXPECT_FALSE(passkeys().update_passkey_counter(project_, new_user(project_), "cred", 7, 8, 500));
  EXPECT_FALSE(passkeys().update_passkey_counter(project_, user_, "other", 7, 8, 500));
  auto p = passkeys().find_passkey_by_credential_id(project_, "cred");
  EXPECT_EQ(p->counter, 7);
  EXPECT_FALSE(p->last_used_at_millis);

  EXPECT_TRUE(passkeys().update_passkey_counter(project_, user_, "cred", 7, 8, 500));
  p = passkeys().find_passkey_by_credential_id(project_, "cred");
  EXPECT_EQ(p->counter, 8);
  EXPECT_EQ(p->last_used_at_millis, 500);
  EXPECT_FALSE(passkeys().update_passkey_counter(project_, user_, "cred", 7, 9, 600));
  // Authenticators without a counter keep sending 0: the same value again.
  EXPECT_TRUE(passkeys().update_passkey_counter(project_, user_, "cred", 8, 8, 700));
  EXPECT_EQ(passkeys().find_passkey_by_credential_id(project_, "cred")->last_used_at_millis, 700);
}

TEST_P(PasskeyStoreContract, OfConcurrentAssertionsWithOneCounterOneWins) {
  ASSERT_EQ(passkeys().save_passkey(passkey(user_, "cred")), SavePasskeyStatus::kSaved);
  std::atomic<int64_t> next{8};
  EXPECT_EQ(concurrently([&] {
              return passkeys().update_passkey_counter(project_, user_, "cred", 7, next++, 500);
            }),
            1);
  EXPECT_GE(passkeys().find_passkey_by_credential_id(project_, "cred")->counter, 8);
}

TEST_P(PasskeyStoreContract, DeletingTheUsersPasskey) {
  EXPECT_FALSE(passkeys().delete_user_passkey(project_, user_));
  std::string other = new_user(project_);
  ASSERT_EQ(passkeys().save_passkey(passkey(user_, "a")), SavePasskeyStatus::kSaved);
  ASSERT_EQ(passkeys().save_passkey(passkey(other, "b")), SavePasskeyStatus::kSaved);
  EXPECT_TRUE(passkeys().delete_user_passkey(project_, user_));
  EXPECT_FALSE(passkeys().delete_user_passkey(project_, user_));
  EXPECT_FALSE(passkeys().find_passkey_by_credential_id(project_, "a"));
  EXPECT_TRUE(passkeys().find_passkey_by_credential_id(project_, "b"));
}

class TotpStoreContract : public testing::UserEngineTest {
 protected:
  TotpStore& totp() { return store().totp_steps(); }
};

TEST_P(TotpStoreContract, AStepIsClaimedOnceAndOnlyForwards) {
  EXPECT_TRUE(totp().claim_totp_step(project_, user_, 100));
  EXPECT_FALSE(totp().claim_totp_step(project_, user_, 100));  // replay
  EXPECT_FALSE(totp().claim_totp_step(project_, user_, 99));   // older step
  EXPECT_TRUE(totp().claim_totp_step(project_, user_, 101));
  EXPECT_FALSE(totp().claim_totp_step(project_, user_, 100));
  // Each user has their own last step.
  std::string other = new_user(project_);
  EXPECT_TRUE(totp().claim_totp_step(project_, other, 50));
  EXPECT_FALSE(totp().claim_totp_step(project_, user_, 50));
}

TEST_P(TotpStoreContract, UnknownOrDeletedUsersClaimNothing) {
  EXPECT_FALSE(totp().claim_totp_step(project_, core::random_uuid(), 1));
  EXPECT_FALSE(totp().claim_totp_step(core::random_uuid(), user_, 1));
  EXPECT_TRUE(totp().claim_totp_step(project_, user_, 1));
  ASSERT_TRUE(store().users().delete_user(project_, user_));
  EXPECT_FALSE(totp().claim_totp_step(project_, user_, 2));
}

TEST_P(TotpStoreContract, OfConcurrentClaimsOfOneStepOneWins) {
  EXPECT_EQ(concurrently([&] { return totp().claim_totp_step(project_, user_, 42); }), 1);
  ASSERT_TRUE(totp().claim_totp_step(project_, user_, 43));
  EXPECT_EQ(concurrently([&] { return totp().claim_totp_step(project_, user_, 43); }), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, PasskeyStoreContract, LATCHKEY_BOTH_ENGINES);
INSTANTIATE_TEST_SUITE_P(Engines, TotpStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
