// MFA sign-in (attempt code + TOTP, replay protection) and the passkey and
// TOTP-step stores, on a real SQLite store with a movable clock.
#include "core/mfa.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/projects.hpp"
#include "core/totp.hpp"
#include "core/users.hpp"
#include "core/verification_codes.hpp"

namespace latchkey::core {
namespace {

constexpr const char* kSecret = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr std::string_view kTotpSecret = "12345678901234567890";

class Mfa : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-mfa-test-" + random_uuid());
    std::filesystem::create_directories(dir_);
    store_ = store::open_store((dir_ / "test.db").string());
    store_->migrate();
    tokens_ = std::make_unique<TokenService>(kSecret, "http://localhost:8102", 600, clock_);
    // Written at each issuance, so that the rows can be checked right away.
    activity_ = std::make_unique<ActivityRecorder>(*store_, ActivityOptions{.flush_interval = {}});
    NewProject np;
    np.display_name = "test";
    project_ = create_project(*store_, clock_, np).id;
  }
  void TearDown() override {
    activity_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  SessionServices services() { return {*store_, *tokens_, clock_, *activity_}; }

  store::User mfa_user() {
    NewUser n;
    n.display_name = "someone";
    auto u = create_user(*store_, clock_, project_, n);
    store::UserUpdate up;
    up.totp_secret = std::optional<std::string>(std::string(kTotpSecret));
    EXPECT_EQ(store_->users().update_user(project_, u.id, up), store::UpdateUserStatus::kUpdated);
    return *store_->users().get_user(project_, u.id);
  }
  // The attempt code sign_in throws for a user with MFA.
  std::string attempt(const store::User& u, bool is_new_user = false) {
    try {
      sign_in(services(), project_, "main", u, {}, is_new_user);
    } catch (const KnownError& e) {
      EXPECT_EQ(e.code(), "MULTI_FACTOR_AUTHENTICATION_REQUIRED");
      return e.details()["attempt_code"].get<std::string>();
    }
    ADD_FAILURE() << "no MFA demanded";
    return {};
  }
  std::string totp_now() {
    return hotp(kTotpSecret, static_cast<uint64_t>(totp_step(clock_.now_millis())));
  }
  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const KnownError& e) {
      return e.code();
    }
    return "none";
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<ActivityRecorder> activity_;
  RateLimits limits_{RateLimitOptions{.totp_failures_per_user = {3, 60'000}}, clock_};
  std::string project_;
};

TEST_F(Mfa, AttemptCodeAndTotpGiveASession) {
  auto u = mfa_user();
  auto code = attempt(u, /*is_new_user=*/true);
  EXPECT_TRUE(store_->sessions().list_sessions(project_, u.id).empty());
  auto done = complete_mfa_sign_in(services(), limits_, project_, "main", code, totp_now(), {});
  EXPECT_EQ(done.user_id, u.id);
  EXPECT_TRUE(done.is_new_user);
  EXPECT_EQ(store_->sessions().list_sessions(project_, u.id).size(), 1u);
  // The attempt code is used up.
  EXPECT_EQ(error_of([&] {
              complete_mfa_sign_in(services(), limits_, project_, "main", code, totp_now(), {});
            }),
            "VERIFICATION_CODE_ALREADY_USED");
}

TEST_F(Mfa, WrongCodeKeepsTheAttemptUsable) {
  auto u = mfa_user();
  auto code = attempt(u);
  std::string right = totp_now();
  std::string wrong = right == "000000" ? "111111" : "000000";
  EXPECT_EQ(error_of([&] {
              complete_mfa_sign_in(services(), limits_, project_, "main", code, wrong, {});
            }),
            "INVALID_TOTP_CODE");
  EXPECT_NO_THROW(
      complete_mfa_sign_in(services(), limits_, project_, "main", code, totp_now(), {}));
}

TEST_F(Mfa, ATotpCodeSignsInOnlyOnce) {
  auto u = mfa_user();
  // Stay clear of a step boundary while computing and using the code.
  if (kTotpStepMillis - clock_.now_millis() % kTotpStepMillis < 5000) clock_.advance(6000);
  std::string totp = totp_now();
  complete_mfa_sign_in(services(), limits_, project_, "main", attempt(u), totp, {});
  auto second = attempt(u);
  EXPECT_EQ(error_of([&] {
              complete_mfa_sign_in(services(), limits_, project_, "main", second, totp, {});
            }),
            "INVALID_TOTP_CODE");
  clock_.advance(kTotpStepMillis);
  EXPECT_NO_THROW(
      complete_mfa_sign_in(services(), limits_, project_, "main", second, totp_now(), {}));
}

TEST_F(Mfa, AttemptCodesExpireAfterFiveMinutes) {
  auto u = mfa_user();
  auto code = attempt(u);
  clock_.advance(kMfaAttemptCodeLifetimeMillis + 1);
  EXPECT_EQ(error_of([&] {
              complete_mfa_sign_in(services(), limits_, project_, "main", code, totp_now(), {});
            }),
            "VERIFICATION_CODE_EXPIRED");
}

TEST_F(Mfa, WrongTotpCodesAreLimitedPerUserAcrossAttemptCodes) {
  auto u = mfa_user();
  const std::string wrong = totp_now() == "000000" ? "111111" : "000000";
  // Each guess on a fresh attempt code: the count is the user's.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(error_of([&] {
                complete_mfa_sign_in(services(), limits_, project_, "main", attempt(u), wrong, {});
              }),
              "INVALID_TOTP_CODE");
  auto code = attempt(u);
  // Even the right code waits now: a guess that hit would not be told apart.
  EXPECT_EQ(error_of([&] {
              complete_mfa_sign_in(services(), limits_, project_, "main", code, totp_now(), {});
            }),
            "TOO_MANY_REQUESTS");
  // The window passes; the attempt code (5 minutes) is still good.
  clock_.advance(60'000);
  EXPECT_NO_THROW(
      complete_mfa_sign_in(services(), limits_, project_, "main", code, totp_now(), {}));
}

TEST_F(Mfa, OtherOneTimePasswordCodesAreNotAttemptCodes) {
  auto u = mfa_user();
  NewCode otp;
  otp.method = Json{{"email", "a@example.com"}, {"type", "standard"}};
  otp.data = Json{{"user_id", u.id}, {"is_new_user", false}};
  auto issued = create_code(*store_, clock_, project_, "main", otp);
  EXPECT_EQ(error_of([&] {
              complete_mfa_sign_in(services(), limits_, project_, "main", issued.code, totp_now(),
                                   {});
            }),
            "VERIFICATION_CODE_NOT_FOUND");
}

TEST_F(Mfa, TotpStepsOnlyMoveForward) {
  auto u = mfa_user();
  auto& steps = store_->totp_steps();
  EXPECT_TRUE(steps.claim_totp_step(project_, u.id, 100));
  EXPECT_FALSE(steps.claim_totp_step(project_, u.id, 100));
  EXPECT_FALSE(steps.claim_totp_step(project_, u.id, 99));
  EXPECT_TRUE(steps.claim_totp_step(project_, u.id, 101));
  EXPECT_FALSE(steps.claim_totp_step(project_, random_uuid(), 5));  // no such user
}

TEST_F(Mfa, PasskeyStoreKeepsOnePerUser) {
  auto u = mfa_user();
  auto other = mfa_user();
  auto& passkeys = store_->passkeys();
  store::Passkey p;
  p.project_id = project_;
  p.user_id = u.id;
  p.credential_id = "cred-1";
  p.public_key = std::string("\xa5\x01\x02\x00", 4);  // bytes, NUL included
  p.user_handle = base64url_encode(u.id);
  p.transports = {"internal", "hybrid"};
  p.device_type = "multiDevice";
  p.backed_up = true;
  p.counter = 3;
  EXPECT_EQ(passkeys.save_passkey(p), store::SavePasskeyStatus::kSaved);
  auto found = passkeys.find_passkey_by_credential_id(project_, "cred-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->public_key, p.public_key);
  EXPECT_EQ(found->transports, p.transports);
  EXPECT_TRUE(found->backed_up);
  EXPECT_TRUE(store_->users().get_user(project_, u.id)->passkey_auth_enabled);
  Json config = Json::object();
  EXPECT_TRUE(user_view(*store_->users().get_user(project_, u.id), true,
                        {config, *activity_})["passkey_auth_enabled"]);

  // A second registration replaces the first.
  p.credential_id = "cred-2";
  EXPECT_EQ(passkeys.save_passkey(p), store::SavePasskeyStatus::kSaved);
  EXPECT_FALSE(passkeys.find_passkey_by_credential_id(project_, "cred-1"));
  // Another user cannot take the same credential ID; a gone user has none.
  store::Passkey q = p;
  q.user_id = other.id;
  EXPECT_EQ(passkeys.save_passkey(q), store::SavePasskeyStatus::kCredentialInUse);
  q.user_id = random_uuid();
  q.credential_id = "cred-3";
  EXPECT_EQ(passkeys.save_passkey(q), store::SavePasskeyStatus::kUserNotFound);

  // The counter moves by compare-and-set.
  EXPECT_TRUE(passkeys.update_passkey_counter(project_, u.id, "cred-2", 3, 4, 1000));
  EXPECT_FALSE(passkeys.update_passkey_counter(project_, u.id, "cred-2", 3, 5, 1000));
  EXPECT_EQ(passkeys.find_passkey_by_credential_id(project_, "cred-2")->counter, 4);

  // PATCH passkey_auth_enabled: false deletes it, in the user update.
  store::UserUpdate up;
  up.delete_passkey = true;
  EXPECT_EQ(store_->users().update_user(project_, u.id, up), store::UpdateUserStatus::kUpdated);
  EXPECT_FALSE(passkeys.find_passkey_by_credential_id(project_, "cred-2"));
  EXPECT_FALSE(store_->users().get_user(project_, u.id)->passkey_auth_enabled);
  EXPECT_FALSE(passkeys.delete_user_passkey(project_, u.id));
}

}  // namespace
}  // namespace latchkey::core
