#include "core/verification_codes.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/projects.hpp"

namespace latchkey::core {
namespace {

class VerificationCodes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-codes-test-" + random_uuid());
    std::filesystem::create_directories(dir_);
    store_ = store::open_store((dir_ / "test.db").string());
    store_->migrate();
    NewProject np;
    np.display_name = "codes";
    project_ = create_project(*store_, clock_, np).id;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  IssuedCode issue(CodeType type = CodeType::kOneTimePassword,
                   int64_t lifetime = kDefaultCodeLifetimeMillis) {
    NewCode n;
    n.type = type;
    n.method = Json{{"email", "a@b.c"}};
    n.data = Json{{"user_id", "u"}};
    n.redirect_url = "http://localhost/cb";
    n.lifetime_millis = lifetime;
    return create_code(*store_, clock_, project_, "main", n);
  }

  // The known-error code thrown by `f`, or "" when nothing was thrown.
  template <typename F>
  std::string error_of(F&& f) {
    try {
      f();
    } catch (const KnownError& e) {
      return e.code();
    }
    return "";
  }

  std::string check(CodeType type, const std::string& code) {
    return error_of([&] { check_code(*store_, clock_, project_, "main", type, code); });
  }
  std::string use(CodeType type, const std::string& code) {
    return error_of([&] { use_code(*store_, clock_, project_, "main", type, code); });
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::string project_;
};

TEST_F(VerificationCodes, FormatAndStoredDigests) {
  auto issued = issue();
  EXPECT_TRUE(std::regex_match(issued.code, std::regex("^[0-9a-hjkmnp-tv-z]{45}$")));
  EXPECT_EQ(otp_of(issued.code).size(), 6u);
  EXPECT_TRUE(std::regex_match(otp_of(issued.code), std::regex("^[0-9A-HJKMNP-TV-Z]{6}$")));
  EXPECT_EQ(nonce_of(issued.code), issued.code.substr(6));
  EXPECT_EQ(issued.row.code_digest, sha256_hex(issued.code));
  EXPECT_EQ(issued.row.nonce_digest, sha256_hex(issued.code.substr(6)));
  EXPECT_EQ(issued.row.type, "ONE_TIME_PASSWORD");
  EXPECT_EQ(issued.row.expires_at_millis - issued.row.created_at_millis,
            kDefaultCodeLifetimeMillis);
  EXPECT_FALSE(issued.row.used_at_millis);
  EXPECT_EQ(issued.row.attempt_count, 0);
}

TEST_F(VerificationCodes, UseOnceThenAlreadyUsed) {
  auto issued = issue();
  auto row = use_code(*store_, clock_, project_, "main", CodeType::kOneTimePassword, issued.code);
  EXPECT_EQ(row.method["email"], "a@b.c");
  EXPECT_EQ(row.data["user_id"], "u");
  EXPECT_EQ(row.redirect_url, "http://localhost/cb");
  EXPECT_EQ(use(CodeType::kOneTimePassword, issued.code), "VERIFICATION_CODE_ALREADY_USED");
  EXPECT_EQ(check(CodeType::kOneTimePassword, issued.code), "VERIFICATION_CODE_ALREADY_USED");
}

TEST_F(VerificationCodes, CheckDoesNotConsume) {
  auto issued = issue(CodeType::kPasswordReset);
  EXPECT_EQ(check(CodeType::kPasswordReset, issued.code), "");
  EXPECT_EQ(check(CodeType::kPasswordReset, issued.code), "");
  EXPECT_EQ(use(CodeType::kPasswordReset, issued.code), "");
}

TEST_F(VerificationCodes, OtpPlusNonceIsCaseInsensitive) {
  auto issued = issue();
  std::string typed = otp_of(issued.code) + nonce_of(issued.code);
  EXPECT_EQ(use(CodeType::kOneTimePassword, typed), "");
}

TEST_F(VerificationCodes, OtherTypeOrProjectOrBranchIsNotFound) {
  auto issued = issue(CodeType::kContactChannelVerification);
  EXPECT_EQ(check(CodeType::kOneTimePassword, issued.code), "VERIFICATION_CODE_NOT_FOUND");
  EXPECT_EQ(error_of([&] {
              check_code(*store_, clock_, project_, "other", CodeType::kContactChannelVerification,
                         issued.code);
            }),
            "VERIFICATION_CODE_NOT_FOUND");
  EXPECT_EQ(check(CodeType::kContactChannelVerification, std::string(45, 'a')),
            "VERIFICATION_CODE_NOT_FOUND");
  EXPECT_EQ(check(CodeType::kContactChannelVerification, issued.code), "");
}

TEST_F(VerificationCodes, ExpiryIsInclusiveAndComesBeforeReuse) {
  auto issued = issue(CodeType::kOneTimePassword, 1000);
  auto other = issue(CodeType::kOneTimePassword, 1000);
  EXPECT_EQ(use(CodeType::kOneTimePassword, other.code), "");
  clock_.advance(1000);  // expires_at == now: still valid
  EXPECT_EQ(check(CodeType::kOneTimePassword, issued.code), "");
  clock_.advance(1);
  EXPECT_EQ(check(CodeType::kOneTimePassword, issued.code), "VERIFICATION_CODE_EXPIRED");
  // Expired wins over already used (step 5 before step 6).
  EXPECT_EQ(check(CodeType::kOneTimePassword, other.code), "VERIFICATION_CODE_EXPIRED");
}

// The code's nonce behind an OTP that is not the code's own.
std::string wrong_otp_guess(const std::string& code) {
  std::string otp = code.substr(0, 6) == "000000" ? "111111" : "000000";
  return otp + nonce_of(code);
}

TEST_F(VerificationCodes, TwentyAttemptsPerNonce) {
  auto issued = issue();
  auto bystander = issue();
  // 20 wrong OTPs with the right nonce: each is not found, each counts.
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(check(CodeType::kOneTimePassword, wrong_otp_guess(issued.code)),
              "VERIFICATION_CODE_NOT_FOUND");
  // The 21st request fails even with the right code.
  EXPECT_EQ(use(CodeType::kOneTimePassword, issued.code), "VERIFICATION_CODE_MAX_ATTEMPTS_REACHED");
  // Other nonces are untouched.
  EXPECT_EQ(use(CodeType::kOneTimePassword, bystander.code), "");
}

TEST_F(VerificationCodes, NineteenWrongAttemptsStillAllowTheRightCode) {
  auto issued = issue();
  for (int i = 0; i < 19; ++i)
    EXPECT_EQ(check(CodeType::kOneTimePassword, wrong_otp_guess(issued.code)),
              "VERIFICATION_CODE_NOT_FOUND");
  EXPECT_EQ(use(CodeType::kOneTimePassword, issued.code), "");
}

TEST_F(VerificationCodes, AttemptsCountAcrossTypes) {
  auto issued = issue(CodeType::kPasswordReset);
  // Right code, wrong endpoint type: not found, but counted.
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(check(CodeType::kOneTimePassword, issued.code), "VERIFICATION_CODE_NOT_FOUND");
  EXPECT_EQ(check(CodeType::kPasswordReset, issued.code), "VERIFICATION_CODE_MAX_ATTEMPTS_REACHED");
}

TEST_F(VerificationCodes, ShortSubmissionsCountNothing) {
  auto issued = issue(CodeType::kPasskeyRegistrationChallenge, kPasskeyChallengeLifetimeMillis);
  for (int i = 0; i < 25; ++i)
    EXPECT_EQ(check(CodeType::kPasskeyRegistrationChallenge, "abc"), "VERIFICATION_CODE_NOT_FOUND");
  EXPECT_EQ(use(CodeType::kPasskeyRegistrationChallenge, issued.code), "");
}

TEST_F(VerificationCodes, MarkUsedOnlyOnce) {
  auto issued = issue();
  auto row = check_code(*store_, clock_, project_, "main", CodeType::kOneTimePassword, issued.code);
  mark_code_used(*store_, clock_, row);
  EXPECT_EQ(error_of([&] { mark_code_used(*store_, clock_, row); }),
            "VERIFICATION_CODE_ALREADY_USED");
}

TEST_F(VerificationCodes, DeletedCodeIsNotFound) {
  auto issued = issue();
  store_->verification_codes().delete_code(project_, issued.row.id);
  EXPECT_EQ(check(CodeType::kOneTimePassword, issued.code), "VERIFICATION_CODE_NOT_FOUND");
}

TEST(VerificationCodeErrors, StatusesAndMessages) {
  auto expect = [](CodeCheck c, int status, const char* code, const char* message) {
    try {
      throw_code_error(c);
      FAIL() << "no throw";
    } catch (const KnownError& e) {
      EXPECT_EQ(e.status(), status);
      EXPECT_EQ(e.code(), code);
      EXPECT_EQ(e.message(), message);
    }
  };
  expect(CodeCheck::kNotFound, 404, "VERIFICATION_CODE_NOT_FOUND",
         "The verification code does not exist for this project.");
  expect(CodeCheck::kExpired, 400, "VERIFICATION_CODE_EXPIRED",
         "The verification code has expired.");
  expect(CodeCheck::kAlreadyUsed, 409, "VERIFICATION_CODE_ALREADY_USED",
         "The verification link has already been used.");
  expect(CodeCheck::kMaxAttemptsReached, 400, "VERIFICATION_CODE_MAX_ATTEMPTS_REACHED",
         "The verification code nonce has reached the maximum number of attempts. This code is "
         "not valid anymore.");
}

TEST(VerificationCodeEvaluation, Order) {
  store::VerificationCode row;
  row.expires_at_millis = 100;
  EXPECT_EQ(evaluate_code(std::nullopt, 0), CodeCheck::kNotFound);
  EXPECT_EQ(evaluate_code(row, 100), CodeCheck::kValid);
  row.attempt_count = 20;
  row.used_at_millis = 5;
  EXPECT_EQ(evaluate_code(row, 101), CodeCheck::kExpired);
  EXPECT_EQ(evaluate_code(row, 50), CodeCheck::kAlreadyUsed);
  row.used_at_millis.reset();
  EXPECT_EQ(evaluate_code(row, 50), CodeCheck::kMaxAttemptsReached);
  row.attempt_count = 19;
  EXPECT_EQ(evaluate_code(row, 50), CodeCheck::kValid);
}

}  // namespace
}  // namespace latchkey::core
