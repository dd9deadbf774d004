// Unit tests of the users domain helpers that need no store: e-mail
// normalisation, the importable password-hash check (users.md §3.2), and
// restricted users and the fields later SDKs read (README, SDK
// compatibility).
#include "core/users.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.hpp"

namespace latchkey::core {
namespace {

constexpr const char* kBcrypt = "$2a$10$abcdefghijklmnopqrstuu8ghF75pz3E166qWsJO7qgiWIujvDbnu";

TEST(NormalizeEmail, TrimsAndLowerCases) {
  EXPECT_EQ(normalize_email("  Foo.Bar@Example.COM\t"), "foo.bar@example.com");
  EXPECT_EQ(normalize_email("a@b"), "a@b");
  EXPECT_EQ(normalize_email(""), "");
}

TEST(ImportablePasswordHash, AcceptsBcryptVariants) {
  std::string h = kBcrypt;
  EXPECT_TRUE(is_importable_password_hash(h));
  for (char v : {'b', 'y'}) {
    std::string other = h;
    other[2] = v;
    EXPECT_TRUE(is_importable_password_hash(other)) << other;
  }
  std::string cost4 = h, cost16 = h;
  cost4.replace(4, 2, "04");
  cost16.replace(4, 2, "16");
  EXPECT_TRUE(is_importable_password_hash(cost4));
  EXPECT_TRUE(is_importable_password_hash(cost16));
}

TEST(ImportablePasswordHash, RejectsEverythingElse) {
  std::string h = kBcrypt;
  auto with = [&](size_t pos, std::string_view s) {
    std::string out = h;
    out.replace(pos, s.size(), s);
    return out;
  };
  EXPECT_FALSE(is_importable_password_hash(""));
  EXPECT_FALSE(is_importable_password_hash(h.substr(0, 59)));
  EXPECT_FALSE(is_importable_password_hash(h + "A"));
  EXPECT_FALSE(is_importable_password_hash(with(4, "17")));  // cost above 16
  EXPECT_FALSE(is_importable_password_hash(with(4, "03")));  // below bcrypt's minimum
  EXPECT_FALSE(is_importable_password_hash(with(2, "x")));
  EXPECT_FALSE(is_importable_password_hash(with(1, "1")));
  EXPECT_FALSE(is_importable_password_hash(with(4, "1a")));
  EXPECT_FALSE(is_importable_password_hash(with(20, "!")));
  EXPECT_FALSE(is_importable_password_hash(with(6, "x")));
  EXPECT_FALSE(is_importable_password_hash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"));
}

TEST(RestrictedReason, StacksOrderAnonymousThenEmailThenAdministrator) {
  EXPECT_EQ(restricted_reason(false, false, false, false), std::nullopt);
  EXPECT_EQ(restricted_reason(true, true, false, false), RestrictedReason::kAnonymous);
  EXPECT_EQ(restricted_reason(true, false, true, true), RestrictedReason::kAnonymous);
  EXPECT_EQ(restricted_reason(false, false, true, true), RestrictedReason::kEmailNotVerified);
  EXPECT_EQ(restricted_reason(false, true, true, false), std::nullopt);
  EXPECT_EQ(restricted_reason(false, false, false, true),
            RestrictedReason::kRestrictedByAdministrator);
  EXPECT_EQ(restricted_reason(false, true, true, true),
            RestrictedReason::kRestrictedByAdministrator);
  EXPECT_EQ(restricted_reason_type(RestrictedReason::kAnonymous), "anonymous");
  EXPECT_EQ(restricted_reason_type(RestrictedReason::kEmailNotVerified), "email_not_verified");
  EXPECT_EQ(restricted_reason_type(RestrictedReason::kRestrictedByAdministrator),
            "restricted_by_administrator");
}

TEST(RestrictedReason, EmailVerificationIsRequiredOnlyWhenSwitchedOn) {
  EXPECT_FALSE(requires_email_verification(Json()));
  EXPECT_FALSE(requires_email_verification(Json::object()));
  EXPECT_FALSE(requires_email_verification(Json{{"require_email_verification", "true"}}));
  EXPECT_TRUE(requires_email_verification(Json{{"require_email_verification", true}}));
  store::User u;
  u.primary_email = "a@example.com";
  u.primary_email_verified = true;
  Json on{{"require_email_verification", true}};
  EXPECT_EQ(restricted_reason(u, on), std::nullopt);
  u.primary_email_verified = false;
  EXPECT_EQ(restricted_reason(u, on), RestrictedReason::kEmailNotVerified);
  EXPECT_EQ(restricted_reason(u, Json::object()), std::nullopt);
  // A verified flag without an address is no verified address.
  u.primary_email.reset();
  u.primary_email_verified = true;
  EXPECT_EQ(restricted_reason(u, on), RestrictedReason::kEmailNotVerified);
}

TEST(UserView, CarriesTheFieldsLaterSdksRead) {
  auto dir = std::filesystem::temp_directory_path() / ("latchkey-users-test-" + random_uuid());
  std::filesystem::create_directories(dir);
  {
    auto store = store::open_store((dir / "test.db").string());
    store->migrate();
    ActivityRecorder activity(*store);
    store::User u;
    u.id = "3f1c2b9e-6a4d-4e0f-9b8a-1c2d3e4f5a6b";
    u.primary_email = "a@example.com";
    Json config{{"require_email_verification", true}};
    Json server = user_view(u, true, {config, activity, ApiShape::kSdk});
    EXPECT_EQ(server["is_restricted"], true);
    EXPECT_EQ(server["restricted_reason"], (Json{{"type", "email_not_verified"}}));
    EXPECT_EQ(server["restricted_by_admin"], false);
    EXPECT_EQ(server["restricted_by_admin_reason"], nullptr);
    EXPECT_EQ(server["restricted_by_admin_private_details"], nullptr);
    EXPECT_EQ(server["country_code"], nullptr);
    EXPECT_EQ(server["risk_scores"],
              (Json{{"sign_up", Json{{"bot", 0}, {"free_trial_abuse", 0}}}}));

    // The client shape has the restriction but not the private details,
    // the country or the scores (Stack's current-user read schema).
    Json client = user_view(u, false, {Json::object(), activity, ApiShape::kSdk});
    EXPECT_EQ(client["is_restricted"], false);
    EXPECT_EQ(client["restricted_reason"], nullptr);
    EXPECT_EQ(client["restricted_by_admin"], false);
    EXPECT_TRUE(client.contains("restricted_by_admin_reason"));
    EXPECT_FALSE(client.contains("restricted_by_admin_private_details"));
    EXPECT_FALSE(client.contains("country_code"));
    EXPECT_FALSE(client.contains("risk_scores"));

    // Plain REST clients get Stack's shape of a5734defb, without them.
    Json reference = user_view(u, true, {config, activity});
    for (const char* later :
         {"is_restricted", "restricted_reason", "restricted_by_admin", "restricted_by_admin_reason",
          "restricted_by_admin_private_details", "country_code", "risk_scores"})
      EXPECT_FALSE(reference.contains(later)) << later;
    EXPECT_EQ(reference["primary_email"], "a@example.com");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace latchkey::core
