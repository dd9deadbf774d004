// Access tokens (ES256 JWTs, tokens.md §1–§5): per-project signing keys derived
// from STACK_SERVER_SECRET, issuing, verifying and the JWKS document.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "core/client_version.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"

namespace latchkey::core {

// The derivation of tokens.md §2, exposed for the test vector.
struct DerivedKey {
  std::string per_audience_secret;  // S_aud, base64url
  std::string kid;                  // 12 chars
  std::string d;                    // private scalar, base64url (32 bytes)
  std::string x, y;                 // public coordinates, base64url (32 bytes each)
};
DerivedKey derive_key(std::string_view server_secret, std::string_view audience);

struct AccessTokenClaims {
  std::string sub;                              // user id
  std::string branch_id;                        // "main"
  std::optional<std::string> refresh_token_id;  // session id
  std::string aud;                              // project id
  int64_t iat = 0;                              // seconds
  int64_t exp = 0;                              // seconds
};

// What an access token says about its user. SDK 2.8.41 and later refuse a
// token without these claims and build a partial user from them before any
// request, so they are read from the user at every issuance (sign-in and
// refresh alike). Views: the caller keeps the user alive while issuing.
struct TokenUser {
  std::string_view id{};
  std::optional<std::string_view> display_name{};
  std::optional<std::string_view> primary_email{};
  bool primary_email_verified = false;
  std::optional<std::string_view> selected_team_id{};
  int64_t signed_up_at_millis = 0;
  bool is_anonymous = false;
  // Stack's restricted_reason.type ("anonymous", "email_not_verified",
  // "restricted_by_administrator"); nullopt when the user is not restricted.
  std::optional<std::string_view> restricted_reason{};
  bool requires_totp_mfa = false;
};

enum class TokenFailure { kUnparsable, kExpired };
struct TokenError {
  TokenFailure failure;
  std::optional<int64_t> expired_at_millis;  // set for kExpired
};

// Parses "10min", "60s", "1.5h", "2 days" (jose time-span format, §1.3) into
// seconds; nullopt when malformed.
std::optional<int64_t> parse_time_span_seconds(std::string_view text);

class TokenService {
 public:
  // server_secret must be valid base64url (else std::invalid_argument);
  // public_url is NEXT_PUBLIC_STACK_API_URL (only scheme://host:port is used).
  TokenService(std::string server_secret, std::string public_url, int64_t lifetime_seconds,
               const Clock& clock);
  ~TokenService();

  // "<origin>/api/v1/projects/<project_id>"
  std::string issuer(std::string_view project_id) const;
  // Claims: Stack's of 2025-07 (tokens.md §1.2: sub, branchId,
  // refreshTokenId, role, iss, iat, aud, exp); for ApiShape::kSdk also the
  // snake_case set SDK 2.8.41 and later require (project_id, branch_id, refresh_token_id, name,
  // email, email_verified, selected_team_id, signed_up_at, is_anonymous, is_restricted,
  // restricted_reason, requires_totp_mfa).
  std::string issue(std::string_view project_id, const TokenUser& user, std::string_view branch_id,
                    std::optional<std::string_view> session_id, ApiShape shape) const;
  // Verifies signature (key derived from the token's aud), kid, alg, issuer,
  // then expiry (exp <= now is expired), in the order of tokens.md §4.
  std::variant<AccessTokenClaims, TokenError> verify(std::string_view token) const;
  // {"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":..,"x":..,"y":..}]}
  Json jwks(std::string_view project_id) const;
  int64_t lifetime_seconds() const { return lifetime_seconds_; }

 private:
  struct KeyPair;
  // Keys are a pure function of (secret, audience); derived once per
  // audience and cached (EC point multiplication is the expensive part).
  std::shared_ptr<const KeyPair> key_for(std::string_view audience) const;
  // The cached key only, never deriving (nullptr when absent).
  std::shared_ptr<const KeyPair> cached_key(std::string_view audience) const;
  // "<header>.<payload>.<signature>" for the JSON `payload`.
  static std::string sign(const KeyPair& key, std::string_view payload);
  std::variant<AccessTokenClaims, TokenError> verify_uncached(std::string_view token) const;

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static constexpr size_t kMaxVerifiedTokens = 200000;
  mutable std::shared_mutex verified_mutex_;
  mutable std::unordered_map<std::string, AccessTokenClaims, StringHash, std::equal_to<>> verified_;

  std::string secret_;
  std::string origin_;
  int64_t lifetime_seconds_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const KeyPair>> keys_;
};

}  // namespace latchkey::core
