#include "core/tokens.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <array>
#include <boost/url.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "core/crypto.hpp"

namespace latchkey::core {
namespace {

// Audiences are project IDs; the bound only matters when someone sends tokens
// without a kid for made-up audiences, so a full cache is simply emptied.
constexpr size_t kMaxCachedKeys = 10000;

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;

std::string_view as_chars(const auto& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

[[noreturn]] void fail(const char* what) { throw std::runtime_error(what); }

// JSON.stringify of a string: standard escaping, no whitespace, UTF-8.
std::string json_string(std::string_view s) {
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Appends `s` as a JSON string: quotes, backslashes and control characters
// escaped, every other byte as it is (UTF-8 passes through).
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

void append_json_string_or_null(std::string& out, std::optional<std::string_view> s) {
  if (s)
    append_json_string(out, *s);
  else
    out.append("null");
}

// JSON.stringify([a, b]).
std::string json_pair(std::string_view a, std::string_view b) {
  return Json::array({std::string(a), std::string(b)})
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

// §2 steps 1–3: cheap (two SHA-256), so verify() can reject a wrong kid before
// paying for a point multiplication.
std::array<unsigned char, 32> per_audience_secret(std::string_view secret, std::string_view aud) {
  return sha256(json_pair(secret, aud));
}
std::string kid_of(std::string_view s_aud_b64) {
  return base64url_encode(as_chars(sha256(json_pair(s_aud_b64, "kid")))).substr(0, 12);
}

struct RawKey {
  std::string s_aud;  // base64url
  std::string kid;
  std::array<unsigned char, 32> d;
  std::array<unsigned char, 65> point;  // 0x04 || x || y
};

RawKey derive_raw(std::string_view secret, std::string_view aud) {
  if (aud == "kid") throw std::invalid_argument("audience must not be \"kid\"");
  RawKey key;
  auto s = per_audience_secret(secret, aud);
  key.s_aud = base64url_encode(as_chars(s));
  key.kid = kid_of(key.s_aud);
  key.d = sha256(as_chars(s));

  EcGroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  BignumPtr d(BN_bin2bn(key.d.data(), int(key.d.size()), nullptr));
  if (!group || !d) fail("EC setup failed");
  // A hash >= n (probability ~2^-32) is no valid private key; JOSE libraries
  // would refuse it too.
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    fail("derived scalar out of range");
  }
  EcPointPtr point(EC_POINT_new(group.get()));
  if (!point || EC_POINT_mul(group.get(), point.get(), d.get(), nullptr, nullptr, nullptr) != 1 ||
      EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, key.point.data(),
                         key.point.size(), nullptr) != key.point.size()) {
    fail("EC point multiplication failed");
  }
  return key;
}

PkeyPtr make_pkey(const RawKey& raw) {
  BignumPtr d(BN_secure_new());
  if (!d || !BN_bin2bn(raw.d.data(), int(raw.d.size()), d.get())) fail("BN failed");
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1,
                                       0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, raw.point.data(),
                                        raw.point.size()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get())) {
    fail("OSSL_PARAM_BLD failed");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    fail("EVP_PKEY_fromdata failed");
  }
  return PkeyPtr(pkey);
}

// ES256 over SHA-256(input); returns raw r || s.
std::string es256_sign(EVP_PKEY* pkey, std::string_view input) {
  auto digest = sha256(input);
  // Setting up a signing context costs OpenSSL 3 a provider look-up with
  // locks; each thread keeps one per key and signs with it again (every
  // EVP_PKEY_sign draws a fresh nonce). A context holds a reference to its
  // key, so a key's address cannot be reused while it is in this map.
  thread_local std::unordered_map<EVP_PKEY*, PkeyCtxPtr> contexts;
  auto it = contexts.find(pkey);
  if (it == contexts.end()) {
    if (contexts.size() >= 64) contexts.clear();
    PkeyCtxPtr fresh(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!fresh || EVP_PKEY_sign_init(fresh.get()) != 1) fail("ECDSA sign init failed");
    it = contexts.emplace(pkey, std::move(fresh)).first;
  }
  unsigned char der[80];  // DER of two 33-byte integers is at most 72 bytes
  size_t der_len = sizeof der;
  if (EVP_PKEY_sign(it->second.get(), der, &der_len, digest.data(), digest.size()) != 1) {
    contexts.erase(it);
    fail("ECDSA sign failed");
  }
  const unsigned char* p = der;
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, long(der_len)));
  if (!sig) fail("ECDSA signature decode failed");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32) {
    fail("ECDSA signature encode failed");
  }
  return raw;
}

bool es256_verify(EVP_PKEY* pkey, std::string_view input, std::string_view raw_sig) {
  if (raw_sig.size() != 64) return false;
  const auto* in = reinterpret_cast<const unsigned char*>(raw_sig.data());
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(in, 32, nullptr);
  BIGNUM* s = BN_bin2bn(in + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char der[80];
  unsigned char* p = der;
  int der_len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (der_len <= 0 || size_t(der_len) > sizeof der || i2d_ECDSA_SIG(sig.get(), &p) != der_len) {
    return false;
  }
  auto digest = sha256(input);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
         EVP_PKEY_verify(ctx.get(), der, size_t(der_len), digest.data(), digest.size()) == 1;
}

// The signature is 64 bytes, so exactly 86 characters whose last one carries
// 2 bits; rejecting non-zero filler bits keeps one encoding per signature.
std::optional<std::string> decode_signature(std::string_view text) {
  if (text.size() != 86) return std::nullopt;
  auto raw = base64url_decode(text);
  if (!raw || raw->size() != 64) return std::nullopt;
  if (base64url_encode(raw->substr(63))[1] != text.back()) return std::nullopt;
  return raw;
}

std::optional<Json> decode_json_object(std::string_view b64) {
  auto text = base64url_decode(b64);
  if (!text) return std::nullopt;
  Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;  // also covers parse errors (discarded)
  return j;
}

const std::string* string_member(const Json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

std::optional<int64_t> int_member(const Json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    auto v = it->get<uint64_t>();
    if (v > uint64_t(std::numeric_limits<int64_t>::max() / 1000)) return std::nullopt;
    return int64_t(v);
  }
  if (it->is_number_integer()) {
    auto v = it->get<int64_t>();
    if (v < std::numeric_limits<int64_t>::min() / 1000) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The origin part of `new URL(path, public_url)`: scheme and host lower-cased,
// default ports dropped.
std::string origin_of(std::string_view public_url) {
  auto parsed = boost::urls::parse_uri(public_url);
  if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty()) {
    throw std::invalid_argument("public URL must be absolute with a host: " +
                                std::string(public_url));
  }
  const boost::urls::url_view& url = *parsed;
  std::string scheme = lower(url.scheme());
  std::string origin = scheme + "://" + lower(url.encoded_host());
  if (url.has_port() && !url.port().empty()) {
    uint16_t port = url.port_number();
    if (port == 0 && url.port().find_first_not_of('0') != std::string_view::npos) {
      throw std::invalid_argument("public URL has an invalid port");
    }
    bool is_default = ((scheme == "http" || scheme == "ws") && port == 80) ||
                      ((scheme == "https" || scheme == "wss") && port == 443) ||
                      (scheme == "ftp" && port == 21);
    if (!is_default) {
      origin += ':';
      origin += std::to_string(port);
    }
  }
  return origin;
}

}  // namespace

struct TokenService::KeyPair {
  std::string kid;
  std::string x, y;            // base64url, 32 bytes each
  std::string encoded_header;  // base64url of {"alg":"ES256","kid":"<kid>"}
  PkeyPtr pkey;
};

std::string TokenService::sign(const KeyPair& key, std::string_view payload) {
  std::string token = key.encoded_header;
  token += '.';
  token += base64url_encode(payload);
  std::string signature = base64url_encode(es256_sign(key.pkey.get(), token));
  token += '.';
  token += signature;
  return token;
}

DerivedKey derive_key(std::string_view server_secret, std::string_view audience) {
  RawKey raw = derive_raw(server_secret, audience);
  DerivedKey out;
  out.per_audience_secret = raw.s_aud;
  out.kid = raw.kid;
  out.d = base64url_encode(as_chars(raw.d));
  out.x = base64url_encode(as_chars(raw.point).substr(1, 32));
  out.y = base64url_encode(as_chars(raw.point).substr(33, 32));
  return out;
}

std::optional<int64_t> parse_time_span_seconds(std::string_view text) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i > start;
  };
  if (!digits()) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return std::nullopt;
  }
  std::string_view number = text.substr(0, i);
  if (i < text.size() && text[i] == ' ') ++i;
  std::string unit = lower(text.substr(i));

  double factor;
  if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds") {
    factor = 1;
  } else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" ||
             unit == "minutes") {
    factor = 60;
  } else if (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" || unit == "hours") {
    factor = 3600;
  } else if (unit == "d" || unit == "day" || unit == "days") {
    factor = 86400;
  } else if (unit == "w" || unit == "week" || unit == "weeks") {
    factor = 604800;
  } else if (unit == "y" || unit == "yr" || unit == "yrs" || unit == "year" || unit == "years") {
    factor = 31557600;  // 365.25 days
  } else {
    return std::nullopt;
  }
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  double seconds = std::floor(value * factor + 0.5);  // Math.round
  if (!std::isfinite(seconds) || seconds >= 9.2e18) return std::nullopt;
  return int64_t(seconds);
}

TokenService::TokenService(std::string server_secret, std::string public_url,
                           int64_t lifetime_seconds, const Clock& clock)
    : secret_(std::move(server_secret)),
      origin_(origin_of(public_url)),
      lifetime_seconds_(lifetime_seconds),
      clock_(clock) {
  if (secret_.empty() || !base64url_decode(secret_)) {
    throw std::invalid_argument("STACK_SERVER_SECRET must be a non-empty base64url string");
  }
}

TokenService::~TokenService() = default;

std::string TokenService::issuer(std::string_view project_id) const {
  std::string out = origin_;
  out += "/api/v1/projects/";
  out += project_id;
  return out;
}

std::shared_ptr<const TokenService::KeyPair> TokenService::cached_key(
    std::string_view audience) const {
  std::lock_guard lock(mutex_);
  auto it = keys_.find(std::string(audience));
  return it == keys_.end() ? nullptr : it->second;
}

std::shared_ptr<const TokenService::KeyPair> TokenService::key_for(
    std::string_view audience) const {
  if (auto key = cached_key(audience)) return key;
  // Derive outside the lock: verifications for other projects go on meanwhile.
  RawKey raw = derive_raw(secret_, audience);
  auto key = std::make_shared<KeyPair>();
  key->kid = raw.kid;
  key->x = base64url_encode(as_chars(raw.point).substr(1, 32));
  key->y = base64url_encode(as_chars(raw.point).substr(33, 32));
  key->encoded_header = base64url_encode(R"({"alg":"ES256","kid":)" + json_string(raw.kid) + "}");
  key->pkey = make_pkey(raw);
  std::lock_guard lock(mutex_);
  if (keys_.size() >= kMaxCachedKeys) keys_.clear();
  // If another thread got there first, keep its key (both are identical).
  return keys_.emplace(std::string(audience), std::move(key)).first->second;
}

std::string TokenService::issue(std::string_view project_id, const TokenUser& user,
                                std::string_view branch_id,
                                std::optional<std::string_view> session_id, ApiShape shape) const {
  auto key = key_for(project_id);
  int64_t iat = clock_.now_seconds();
  // Written by hand into one buffer: this runs on every refresh.
  std::string payload;
  payload.reserve(640 + user.id.size() + (user.display_name ? user.display_name->size() : 0) +
                  (user.primary_email ? user.primary_email->size() : 0));
  auto member = [&payload](std::string_view name) {
    payload.push_back(payload.empty() ? '{' : ',');
    append_json_string(payload, name);
    payload.push_back(':');
  };
  auto string_member = [&](std::string_view name, std::optional<std::string_view> value) {
    member(name);
    append_json_string_or_null(payload, value);
  };
  auto bool_member = [&](std::string_view name, bool value) {
    member(name);
    payload.append(value ? "true" : "false");
  };
  auto int_member = [&](std::string_view name, int64_t value) {
    member(name);
    payload.append(std::to_string(value));
  };
  // tokens.md §1.2, in the reference's order.
  string_member("sub", user.id);
  string_member("branchId", branch_id);
  if (session_id) string_member("refreshTokenId", *session_id);
  string_member("role", "authenticated");
  string_member("iss", issuer(project_id));
  int_member("iat", iat);
  string_member("aud", project_id);
  int_member("exp", iat + lifetime_seconds_);
  if (shape == ApiShape::kReference) {
    payload.push_back('}');
    return sign(*key, payload);
  }
  // accessTokenPayloadSchema of SDK 2.8.41+ (2.8.77: is_restricted,
  // restricted_reason, requires_totp_mfa; 2.8.102: signed_up_at).
  string_member("project_id", project_id);
  string_member("branch_id", branch_id);
  if (session_id) string_member("refresh_token_id", *session_id);
  string_member("name", user.display_name);
  string_member("email", user.primary_email);
  bool_member("email_verified", user.primary_email && user.primary_email_verified);
  string_member("selected_team_id", user.selected_team_id);
  int_member("signed_up_at", user.signed_up_at_millis / 1000);  // Math.floor: never negative
  bool_member("is_anonymous", user.is_anonymous);
  bool_member("is_restricted", user.restricted_reason.has_value());
  member("restricted_reason");
  if (user.restricted_reason) {
    payload.append("{\"type\":");
    append_json_string(payload, *user.restricted_reason);
    payload.push_back('}');
  } else {
    payload.append("null");
  }
  bool_member("requires_totp_mfa", user.requires_totp_mfa);
  payload.push_back('}');
  return sign(*key, payload);
}

std::variant<AccessTokenClaims, TokenError> TokenService::verify(std::string_view token) const {
  // A verified token stays valid until its exp: its claims are kept (keyed
  // by the token itself), so the ECDSA check runs once per token, not once
  // per request. Only expiry is re-checked.
  {
    std::shared_lock lock(verified_mutex_);
    auto it = verified_.find(token);
    if (it != verified_.end()) {
      if (it->second.exp <= clock_.now_seconds())
        return TokenError{TokenFailure::kExpired, it->second.exp * 1000};
      return it->second;
    }
  }
  auto result = verify_uncached(token);
  if (auto* claims = std::get_if<AccessTokenClaims>(&result)) {
    std::unique_lock lock(verified_mutex_);
    if (verified_.size() >= kMaxVerifiedTokens) verified_.clear();
    verified_.emplace(std::string(token), *claims);
  }
  return result;
}

std::variant<AccessTokenClaims, TokenError> TokenService::verify_uncached(
    std::string_view token) const {
  const TokenError unparsable{TokenFailure::kUnparsable, std::nullopt};
  size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return unparsable;
  size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return unparsable;
  }
  std::string_view header_b64 = token.substr(0, dot1);
  std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);

  auto payload = decode_json_object(payload_b64);
  if (!payload) return unparsable;
  const std::string* aud = string_member(*payload, "aud");  // absent or array: unparsable
  if (aud == nullptr || *aud == "kid") return unparsable;

  auto key = cached_key(*aud);
  // Our own tokens carry byte-for-byte the cached header; anything else is
  // parsed and checked member by member.
  if (!key || header_b64 != key->encoded_header) {
    auto header = decode_json_object(header_b64);
    if (!header) return unparsable;
    const std::string* alg = string_member(*header, "alg");
    if (alg == nullptr || *alg != "ES256") return unparsable;
    if (header->contains("crit")) return unparsable;  // no JWS extensions are understood
    const std::string* kid = nullptr;
    if (header->contains("kid")) {
      kid = string_member(*header, "kid");
      if (kid == nullptr) return unparsable;
    }
    if (!key) {
      if (kid != nullptr &&
          *kid != kid_of(base64url_encode(as_chars(per_audience_secret(secret_, *aud))))) {
        return unparsable;
      }
      try {
        key = key_for(*aud);
      } catch (const std::exception&) {
        return unparsable;
      }
    }
    if (kid != nullptr && *kid != key->kid) return unparsable;
  }

  auto signature = decode_signature(token.substr(dot2 + 1));
  if (!signature || !es256_verify(key->pkey.get(), token.substr(0, dot2), *signature)) {
    return unparsable;
  }
  const std::string* iss = string_member(*payload, "iss");
  if (iss == nullptr || *iss != issuer(*aud)) return unparsable;

  const std::string* sub = string_member(*payload, "sub");
  const std::string* branch = string_member(*payload, "branchId");
  auto exp = int_member(*payload, "exp");
  if (sub == nullptr || branch == nullptr || !exp) return unparsable;
  AccessTokenClaims claims;
  if (payload->contains("refreshTokenId")) {
    const std::string* session = string_member(*payload, "refreshTokenId");
    if (session == nullptr) return unparsable;
    claims.refresh_token_id = *session;
  }
  if (payload->contains("iat")) {
    auto iat = int_member(*payload, "iat");
    if (!iat) return unparsable;
    claims.iat = *iat;
  }
  if (*exp <= clock_.now_seconds()) {
    return TokenError{TokenFailure::kExpired, *exp * 1000};
  }
  claims.sub = *sub;
  claims.branch_id = *branch;
  claims.aud = *aud;
  claims.exp = *exp;
  return claims;
}

Json TokenService::jwks(std::string_view project_id) const {
  auto key = key_for(project_id);
  Json jwk = Json::object();
  jwk["kty"] = "EC";
  jwk["crv"] = "P-256";
  jwk["alg"] = "ES256";
  jwk["kid"] = key->kid;
  jwk["x"] = key->x;
  jwk["y"] = key->y;
  Json keys = Json::array();
  keys.push_back(std::move(jwk));
  Json out = Json::object();
  out["keys"] = std::move(keys);
  return out;
}

}  // namespace latchkey::core
