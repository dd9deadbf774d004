// The passkey origin rule (auth-endpoints.md §5.2): which clientDataJSON
// origins a project accepts, and the RP ID each implies.
#include "core/passkeys.hpp"

#include <gtest/gtest.h>

namespace latchkey::core {
namespace {

using Status = PasskeyOrigin::Status;

Json config(bool allow_localhost, std::vector<std::string> domains = {}) {
  Json d = Json::array();
  for (auto& x : domains) d.push_back(Json{{"domain", x}, {"handler_path", "/handler"}});
  return Json{{"allow_localhost", allow_localhost}, {"domains", d}};
}

TEST(PasskeyOrigin, LocalhostNeedsAllowLocalhost) {
  auto ok = check_passkey_origin(config(true), "http://localhost:3000");
  EXPECT_EQ(ok.status, Status::kAllowed);
  EXPECT_EQ(ok.rp_id, "localhost");
  EXPECT_EQ(check_passkey_origin(config(true), "https://LOCALHOST").rp_id, "localhost");
  EXPECT_EQ(check_passkey_origin(config(false), "http://localhost:3000").status,
            Status::kLocalhostNotAllowed);
  // Only the host "localhost" itself counts as localhost here.
  EXPECT_EQ(check_passkey_origin(config(true), "http://127.0.0.1:3000").status,
            Status::kNotAllowed);
  EXPECT_EQ(check_passkey_origin(config(true), "http://app.localhost").status, Status::kNotAllowed);
  EXPECT_EQ(check_passkey_origin(Json::object(), "http://localhost").status,
            Status::kLocalhostNotAllowed);
}

TEST(PasskeyOrigin, OtherOriginsMustEqualATrustedDomain) {
  auto c = config(true, {"https://app.example.com", "http://dev.example.com:8080",
                         "https://slash.example.com/", "https://path.example.com/app"});
  auto ok = check_passkey_origin(c, "https://app.example.com");
  EXPECT_EQ(ok.status, Status::kAllowed);
  EXPECT_EQ(ok.rp_id, "app.example.com");
  // Serialised like a browser: case and default ports do not matter.
  EXPECT_EQ(check_passkey_origin(c, "https://APP.example.com:443").status, Status::kAllowed);
  EXPECT_EQ(check_passkey_origin(c, "http://dev.example.com:8080").rp_id, "dev.example.com");
  EXPECT_EQ(check_passkey_origin(c, "http://dev.example.com").status, Status::kNotAllowed);
  EXPECT_EQ(check_passkey_origin(c, "http://app.example.com").status, Status::kNotAllowed);
  EXPECT_EQ(check_passkey_origin(c, "https://evil.example.com").status, Status::kNotAllowed);
  EXPECT_EQ(check_passkey_origin(c, "https://sub.app.example.com").status, Status::kNotAllowed);
  // A domain stored with a path or trailing slash is no origin: never equal.
  EXPECT_EQ(check_passkey_origin(c, "https://slash.example.com").status, Status::kNotAllowed);
  EXPECT_EQ(check_passkey_origin(c, "https://path.example.com").status, Status::kNotAllowed);
}

TEST(PasskeyOrigin, NonOriginsAreRefused) {
  auto c = config(true, {"https://app.example.com"});
  for (const char* bad :
       {"", "app.example.com", "https://app.example.com/", "https://app.example.com/x",
        "https://app.example.com?q", "https://app.example.com#f", "https://u@app.example.com",
        "ftp://app.example.com", "android:apk-key-hash:abc", "https://", "null"})
    EXPECT_EQ(check_passkey_origin(c, bad).status, Status::kNotAllowed) << bad;
}

}  // namespace
}  // namespace latchkey::core
