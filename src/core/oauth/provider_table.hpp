// The standard providers' endpoints, base scopes and quirks
// (auth-endpoints.md §6.6), one row each. The generic `oidc` provider has no
// row: its endpoints come from its discovery document.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::core::oauth {

enum class ClientAuth { kBasic, kPost };  // client_secret_basic / client_secret_post

struct ProviderSpec {
  const char* id = nullptr;
  const char* authorize = nullptr;
  const char* token = nullptr;
  // Where the user is read; nullptr when it comes from elsewhere (Apple:
  // the ID token).
  const char* userinfo = nullptr;
  const char* emails = nullptr;  // a second call for the verified address
  const char* jwks = nullptr;    // keys of the ID tokens that are read
  const char* issuer = nullptr;
  const char* scope = nullptr;
  ClientAuth auth = ClientAuth::kBasic;
  bool pkce = true;
  bool form_post = false;           // the callback arrives as a POST form
  int64_t lifetime_seconds = 3600;  // when the token answer has no expires_in
  std::vector<std::pair<std::string, std::string>> extra = {};  // authorize parameters
};

const std::vector<ProviderSpec>& provider_specs();
// nullptr for unknown ids (and for `oidc`).
const ProviderSpec* find_provider_spec(std::string_view id);

}  // namespace latchkey::core::oauth
