// Stack Auth's backend environment variables (apps/backend/.env), read once
// at start with the meaning Stack gives them. A used variable with a value
// that cannot work stops start-up with a message naming it; variables that
// Latchkey has no use for are accepted and ignored.
#pragma once
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace latchkey {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// A variable with a value that cannot work; what() names the variable.
class EnvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What Stack's seed script (apps/backend/prisma/seed.ts) makes of the
// internal project, from STACK_SEED_INTERNAL_PROJECT_*. Stack's flags are on
// only when exactly "true", so every flag defaults to off.
struct InternalProjectSeed {
  bool sign_up_enabled = false;              // _SIGN_UP_ENABLED
  bool otp_enabled = false;                  // _OTP_ENABLED (magic_link_enabled)
  bool allow_localhost = false;              // _ALLOW_LOCALHOST (true when the project is created)
  std::vector<std::string> oauth_providers;  // _OAUTH_PROVIDERS: shared, at creation
  // The dashboard user, created once when (e-mail and password) or a GitHub
  // account id are given.
  std::optional<std::string> user_email, user_password, user_github_id;
  bool user_internal_access = false;  // server_metadata.managedProjectIds = ["internal"]
  std::optional<std::string> publishable_client_key, secret_server_key, super_secret_admin_key;
  // NEXT_PUBLIC_STACK_DASHBOARD_URL: a trusted domain of the internal
  // project unless its host is localhost.
  std::optional<std::string> dashboard_url;
};

struct StackEnvironment {
  std::optional<std::string> public_url;        // NEXT_PUBLIC_STACK_API_URL
  std::optional<std::string> server_secret;     // STACK_SERVER_SECRET (base64url)
  int64_t access_token_lifetime_seconds = 600;  // STACK_ACCESS_TOKEN_EXPIRATION_TIME
  bool hardcoded_passkey_challenge = false;  // STACK_ENABLE_HARDCODED_PASSKEY_CHALLENGE_FOR_TESTING
  InternalProjectSeed seed;
  // Said once at start (values that work but are probably not meant).
  std::vector<std::string> warnings;
};

// Throws EnvError. The OAuth keys (STACK_<ID>_CLIENT_ID/_SECRET,
// STACK_OAUTH_MOCK_URL) and the SMTP settings (STACK_EMAIL_*) are read by
// their own modules; here their values are only checked.
StackEnvironment read_stack_environment(const EnvLookup& env);

}  // namespace latchkey
