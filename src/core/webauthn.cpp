#include "core/webauthn.hpp"

#include "core/cbor.hpp"
#include "core/cose.hpp"
#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/json_extent.hpp"

namespace latchkey::core::webauthn {
namespace {

// Authenticator data flags (WebAuthn §6.1).
constexpr uint8_t kFlagUserPresent = 0x01;
constexpr uint8_t kFlagUserVerified = 0x04;
constexpr uint8_t kFlagBackupEligible = 0x08;
constexpr uint8_t kFlagBackedUp = 0x10;
constexpr uint8_t kFlagAttestedData = 0x40;
constexpr uint8_t kFlagExtensions = 0x80;

constexpr size_t kRpIdHashLength = 32;
constexpr size_t kAaguidLength = 16;
// WebAuthn §5.8.3: credential IDs are at most 1023 bytes.
constexpr size_t kMaxCredentialIdLength = 1023;
// Client data is a small JSON object; anything nested deeper or wider is
// not it, and is refused before the parser sees it (core/json_extent.hpp).
constexpr int kMaxClientDataDepth = 8;
constexpr size_t kMaxClientDataMembers = 64;

struct ClientData {
  std::string type;
  std::string challenge;
  std::string origin;
};

std::optional<ClientData> parse_client_data(std::string_view json_bytes) {
  const JsonExtent extent = json_extent(json_bytes, kMaxClientDataDepth);
  if (extent.depth > kMaxClientDataDepth || extent.widest_object > kMaxClientDataMembers)
    return std::nullopt;
  Json j = Json::parse(json_bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto text = [&j](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto type = text("type"), challenge = text("challenge"), origin = text("origin");
  if (!type || !challenge || !origin) return std::nullopt;
  return ClientData{*type, *challenge, *origin};
}

struct AuthenticatorData {
  std::string rp_id_hash;
  uint8_t flags = 0;
  uint32_t sign_count = 0;
  // Attested credential data (registration only).
  bool attested = false;
  std::string credential_id;
  std::string cose_key;  // the encoded COSE_Key
};

// WebAuthn §6.1: rpIdHash, flags, signCount, then attested credential data
// and extensions as the flags announce; nothing may follow.
std::optional<AuthenticatorData> parse_authenticator_data(std::string_view data) {
  if (data.size() < kRpIdHashLength + 1 + 4) return std::nullopt;
  AuthenticatorData out;
  out.rp_id_hash = std::string(data.substr(0, kRpIdHashLength));
  out.flags = static_cast<uint8_t>(data[kRpIdHashLength]);
  for (size_t i = 0; i < 4; ++i)
    out.sign_count = (out.sign_count << 8) | static_cast<uint8_t>(data[kRpIdHashLength + 1 + i]);
  std::string_view rest = data.substr(kRpIdHashLength + 5);
  if (out.flags & kFlagAttestedData) {
    if (rest.size() < kAaguidLength + 2) return std::nullopt;
    rest.remove_prefix(kAaguidLength);
    size_t id_len = (size_t(uint8_t(rest[0])) << 8) | uint8_t(rest[1]);
    rest.remove_prefix(2);
    if (id_len == 0 || id_len > kMaxCredentialIdLength || rest.size() < id_len) return std::nullopt;
    out.credential_id = std::string(rest.substr(0, id_len));
    rest.remove_prefix(id_len);
    auto key = cbor::item_length(rest);
    if (!key) return std::nullopt;
    out.cose_key = std::string(rest.substr(0, *key));
    out.attested = true;
    rest.remove_prefix(*key);
  }
  if (out.flags & kFlagExtensions) {
    auto ext = cbor::decode_prefix(rest);
    if (!ext || !cbor::is_map(ext->item.get())) return std::nullopt;
    rest.remove_prefix(ext->length);
  }
  if (!rest.empty()) return std::nullopt;
  return out;
}

// The checks shared by both ceremonies: credential type and id, client data
// (type, challenge, origin) and the authenticator data's RP ID hash, user
// presence and backup flags.
struct Common {
  std::string credential_id;  // raw bytes of rawId
  std::string client_data_json;
};

Outcome<Common> check_common(std::string_view type, std::string_view id, std::string_view raw_id,
                             std::string_view client_data_b64, std::string_view ceremony,
                             const Expectations& expected) {
  using Out = Outcome<Common>;
  if (type != "public-key") return Out::fail(Failure::kCredentialType);
  if (id.empty() || id != raw_id) return Out::fail(Failure::kCredentialId);
  auto cred = base64url_decode(id);
  auto cdj = base64url_decode(client_data_b64);
  if (!cred || cred->empty() || !cdj) return Out::fail(Failure::kMalformed);
  auto client = parse_client_data(*cdj);
  if (!client) return Out::fail(Failure::kMalformed);
  if (client->type != ceremony) return Out::fail(Failure::kClientDataType);
  if (!constant_time_equals(client->challenge, expected.challenge))
    return Out::fail(Failure::kChallenge);
  if (client->origin != expected.origin) return Out::fail(Failure::kOrigin);
  return {Common{std::move(*cred), std::move(*cdj)}};
}

Failure check_auth_data(const AuthenticatorData& a, const Expectations& expected) {
  auto rp_hash = sha256(expected.rp_id);
  if (!constant_time_equals(
          a.rp_id_hash,
          std::string_view(reinterpret_cast<const char*>(rp_hash.data()), rp_hash.size())))
    return Failure::kRpIdHash;
  if (!(a.flags & kFlagUserPresent)) return Failure::kUserPresence;
  if ((a.flags & kFlagBackedUp) && !(a.flags & kFlagBackupEligible)) return Failure::kBackupState;
  return Failure::kNone;
}

std::string signed_data(std::string_view auth_data, std::string_view client_data_json) {
  auto hash = sha256(client_data_json);
  std::string out(auth_data);
  out.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  return out;
}

// WebAuthn §8.2 "packed": with x5c, signed by the attestation certificate's
// key (its chain is not judged: the options ask for no attestation); without,
// self attestation by the credential key itself.
Failure check_packed(const cbor_item_t* stmt, const cose::PublicKey& credential_key,
                     std::string_view message) {
  auto alg = cbor::as_int(cbor::map_get(stmt, "alg"));
  auto sig = cbor::as_bytes(cbor::map_get(stmt, "sig"));
  if (!alg || !sig) return Failure::kAttestationStatement;
  const size_t known = 2 + (cbor::map_get(stmt, "x5c") ? 1 : 0);
  if (cbor_map_size(stmt) != known) return Failure::kAttestationStatement;
  if (const cbor_item_t* x5c = cbor::map_get(stmt, "x5c")) {
    if (!cbor_isa_array(x5c) || !cbor_array_is_definite(x5c) || cbor_array_size(x5c) == 0)
      return Failure::kAttestationStatement;
    auto leaf = cbor::as_bytes(cbor_array_handle(x5c)[0]);
    if (!leaf || *alg < INT32_MIN || *alg > INT32_MAX) return Failure::kAttestationStatement;
    auto key = cose::PublicKey::from_certificate(*leaf, static_cast<int>(*alg));
    if (!key) return Failure::kAttestationStatement;
    return key->verify(message, *sig) ? Failure::kNone : Failure::kAttestationSignature;
  }
  if (*alg != credential_key.algorithm()) return Failure::kAttestationStatement;
  return credential_key.verify(message, *sig) ? Failure::kNone : Failure::kAttestationSignature;
}

}  // namespace

std::string_view failure_name(Failure f) {
  switch (f) {
    case Failure::kNone:
      return "none";
    case Failure::kMalformed:
      return "malformed response";
    case Failure::kCredentialType:
      return "credential type is not public-key";
    case Failure::kCredentialId:
      return "credential id mismatch";
    case Failure::kClientDataType:
      return "wrong client data type";
    case Failure::kChallenge:
      return "challenge mismatch";
    case Failure::kOrigin:
      return "origin mismatch";
    case Failure::kRpIdHash:
      return "RP ID hash mismatch";
    case Failure::kUserPresence:
      return "user not present";
    case Failure::kBackupState:
      return "backed up but not backup eligible";
    case Failure::kMissingCredential:
      return "no attested credential data";
    case Failure::kUnsupportedKey:
      return "unsupported public key";
    case Failure::kAttestationFormat:
      return "unsupported attestation format";
    case Failure::kAttestationStatement:
      return "invalid attestation statement";
    case Failure::kAttestationSignature:
      return "attestation signature invalid";
    case Failure::kUserHandle:
      return "user handle mismatch";
    case Failure::kSignature:
      return "assertion signature invalid";
    case Failure::kCounter:
      return "signature counter did not increase";
  }
  return "unknown";
}

Outcome<Registration> verify_registration(const RegistrationResponse& r,
                                          const Expectations& expected) {
  using Out = Outcome<Registration>;
  auto common =
      check_common(r.type, r.id, r.raw_id, r.client_data_json, "webauthn.create", expected);
  if (!common.ok()) return Out::fail(common.failure);
  const Common& c = *common.value;

  auto att_bytes = base64url_decode(r.attestation_object);
  if (!att_bytes) return Out::fail(Failure::kMalformed);
  auto att = cbor::decode_exactly(*att_bytes);
  if (!att || !cbor::is_map(att->get())) return Out::fail(Failure::kMalformed);
  auto fmt = cbor::as_text(cbor::map_get(att->get(), "fmt"));
  const cbor_item_t* stmt = cbor::map_get(att->get(), "attStmt");
  auto auth_bytes = cbor::as_bytes(cbor::map_get(att->get(), "authData"));
  if (!fmt || !cbor::is_map(stmt) || !auth_bytes) return Out::fail(Failure::kMalformed);
  auto auth = parse_authenticator_data(*auth_bytes);
  if (!auth) return Out::fail(Failure::kMalformed);
  if (auto f = check_auth_data(*auth, expected); f != Failure::kNone) return Out::fail(f);
  if (!auth->attested) return Out::fail(Failure::kMissingCredential);
  if (auth->credential_id != c.credential_id) return Out::fail(Failure::kCredentialId);
  auto key = cose::PublicKey::from_cose_bytes(auth->cose_key);
  if (!key || !cose::is_supported_algorithm(key->algorithm()))
    return Out::fail(Failure::kUnsupportedKey);

  if (*fmt == "none") {
    if (cbor_map_size(stmt) != 0) return Out::fail(Failure::kAttestationStatement);
  } else if (*fmt == "packed") {
    if (auto f = check_packed(stmt, *key, signed_data(*auth_bytes, c.client_data_json));
        f != Failure::kNone)
      return Out::fail(f);
  } else {
    return Out::fail(Failure::kAttestationFormat);
  }

  Registration out;
  out.credential_id = base64url_encode(c.credential_id);
  out.cose_public_key = auth->cose_key;
  out.algorithm = key->algorithm();
  out.counter = auth->sign_count;
  out.user_verified = auth->flags & kFlagUserVerified;
  out.backup_eligible = auth->flags & kFlagBackupEligible;
  out.backed_up = auth->flags & kFlagBackedUp;
  out.attestation_format = *fmt;
  return {out};
}

Outcome<Assertion> verify_authentication(const AuthenticationResponse& r,
                                         const Expectations& expected,
                                         const StoredCredential& credential) {
  using Out = Outcome<Assertion>;
  auto common = check_common(r.type, r.id, r.raw_id, r.client_data_json, "webauthn.get", expected);
  if (!common.ok()) return Out::fail(common.failure);
  const Common& c = *common.value;
  auto stored_id = base64url_decode(credential.credential_id);
  if (!stored_id || *stored_id != c.credential_id) return Out::fail(Failure::kCredentialId);

  auto auth_bytes = base64url_decode(r.authenticator_data);
  auto signature = base64url_decode(r.signature);
  if (!auth_bytes || !signature) return Out::fail(Failure::kMalformed);
  auto auth = parse_authenticator_data(*auth_bytes);
  if (!auth) return Out::fail(Failure::kMalformed);
  if (auto f = check_auth_data(*auth, expected); f != Failure::kNone) return Out::fail(f);

  // The credentials are discoverable and requested without allowCredentials,
  // so the user is identified only by the handle (WebAuthn §7.2 step 6).
  auto handle = r.user_handle ? base64url_decode(*r.user_handle) : std::nullopt;
  auto stored_handle = base64url_decode(credential.user_handle);
  if (expected.check_user_handle &&
      (!handle || !stored_handle || handle->empty() || *handle != *stored_handle))
    return Out::fail(Failure::kUserHandle);

  auto key = cose::PublicKey::from_cose_bytes(credential.cose_public_key);
  if (!key) return Out::fail(Failure::kUnsupportedKey);
  if (!key->verify(signed_data(*auth_bytes, c.client_data_json), *signature))
    return Out::fail(Failure::kSignature);

  // §7.2 step 21: a counter that does not grow (unless both are 0, i.e. the
  // authenticator keeps none) suggests a cloned authenticator.
  const int64_t next = auth->sign_count;
  if ((next != 0 || credential.counter != 0) && next <= credential.counter)
    return Out::fail(Failure::kCounter);

  Assertion out;
  out.new_counter = auth->sign_count;
  out.user_verified = auth->flags & kFlagUserVerified;
  out.backed_up = auth->flags & kFlagBackedUp;
  return {out};
}

std::optional<std::string> client_data_origin(std::string_view client_data_json_b64url) {
  auto bytes = base64url_decode(client_data_json_b64url);
  if (!bytes) return std::nullopt;
  auto client = parse_client_data(*bytes);
  if (!client) return std::nullopt;
  return client->origin;
}

}  // namespace latchkey::core::webauthn
