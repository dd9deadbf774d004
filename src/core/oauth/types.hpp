// What every OAuth provider produces, whatever its API looks like: the
// tokens of a code exchange or refresh, the user it describes, and the ways
// a provider can fail (auth-endpoints.md §6.3 step 6).
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace latchkey::core::oauth {

// The user as a provider describes it (§6.6), in Latchkey's terms.
struct UserInfo {
  std::string account_id;  // the provider's stable id of the account
  std::optional<std::string> email;
  bool email_verified = false;  // only when the provider vouches for it
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
};

// A token endpoint's answer.
struct TokenSet {
  std::string access_token;
  std::optional<std::string> refresh_token;
  std::optional<int64_t> expires_in_seconds;
  std::optional<std::string> scope;  // space-separated, when the provider says
  std::optional<std::string> id_token;
};

enum class ProviderFailure {
  kInvalidGrant,       // the code (or refresh token) is invalid, expired or used
  kAccessDenied,       // the user (or the provider's policy) refused
  kInvalidClient,      // the project's client id/secret are wrong
  kUnauthorizedScope,  // the provider refuses a requested scope
  kMissingEmail,       // Facebook without the e-mail permission
  kFailed,             // anything else: an error answer, garbage, the network
};

class ProviderError : public std::runtime_error {
 public:
  ProviderError(ProviderFailure failure, std::string message, std::string scope = {})
      : std::runtime_error(std::move(message)), failure_(failure), scope_(std::move(scope)) {}
  ProviderFailure failure() const { return failure_; }
  // kUnauthorizedScope: the scope the provider named, if it named one.
  const std::string& scope() const { return scope_; }

 private:
  ProviderFailure failure_;
  std::string scope_;
};

// The project's provider settings cannot work (shared keys that this server
// does not have, a missing key, an unusable Apple key, a broken discovery
// document).
class ProviderConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace latchkey::core::oauth
