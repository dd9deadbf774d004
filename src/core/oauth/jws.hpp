// Just enough JWS for OAuth: reading ID tokens from providers and checking
// their signatures against a JWK set (RS256/384/512, ES256), and signing the
// ES256 client-secret JWT that Apple requires.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/json.hpp"

namespace latchkey::core::oauth {

struct Jwt {
  Json header;                // object
  Json claims;                // object
  std::string signing_input;  // "<header>.<payload>" as received
  std::string signature;      // raw bytes
};

// Splits and decodes a compact JWS; nullopt when it is not one (three
// base64url parts, JSON objects in the first two).
std::optional<Jwt> parse_jwt(std::string_view token);

// The key of `jwks` ({"keys": [...]}) the token names by `kid` (or the only
// key of a matching type when the token names none); nullptr if none.
const Json* find_jwk(const Json& jwks, const Jwt& jwt);

// True iff `jwt` carries a valid signature by `jwk` with the algorithm of
// its header (RS256, RS384, RS512, ES256; "none" and HMAC are refused).
bool verify_jwt_signature(const Jwt& jwt, const Json& jwk);

class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A compact ES256 JWS of `claims` with `header` members (alg is set),
// signed by a P-256 private key in PEM (PKCS#8 "BEGIN PRIVATE KEY", as Apple
// hands it out, or SEC1 "BEGIN EC PRIVATE KEY"). Throws KeyError when the
// key is unusable.
std::string sign_es256_jwt(Json header, const Json& claims, std::string_view pem_private_key);

}  // namespace latchkey::core::oauth
