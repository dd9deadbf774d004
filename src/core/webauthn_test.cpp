// WebAuthn verification against a software authenticator written here with
// OpenSSL (ES256, RS256, Ed25519 keys; "none" and "packed" self
// attestation), plus tampered variants of each ceremony and the bounded
// CBOR reader they rely on.
#include "core/webauthn.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "core/cbor.hpp"
#include "core/cose.hpp"
#include "core/crypto.hpp"
#include "core/json.hpp"

namespace latchkey::core::webauthn {
namespace {

// --- a minimal canonical CBOR encoder ---------------------------------------

std::string head(int major, uint64_t n) {
  std::string out;
  auto put = [&](int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  };
  const char m = static_cast<char>(major << 5);
  if (n < 24) {
    out.push_back(static_cast<char>(m | n));
  } else if (n <= 0xff) {
    out.push_back(static_cast<char>(m | 24));
    put(1);
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(m | 25));
    put(2);
  } else if (n <= 0xffffffffULL) {
    out.push_back(static_cast<char>(m | 26));
    put(4);
  } else {
    out.push_back(static_cast<char>(m | 27));
    put(8);
  }
  return out;
}
std::string cbor_int(int64_t v) {
  return v >= 0 ? head(0, uint64_t(v)) : head(1, uint64_t(-1 - v));
}
std::string cbor_bytes(std::string_view b) { return head(2, b.size()) + std::string(b); }
std::string cbor_text(std::string_view t) { return head(3, t.size()) + std::string(t); }
// Entries already encoded as key+value pairs.
std::string cbor_map(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = head(5, entries.size());
  for (const auto& [k, v] : entries) out += k + v;
  return out;
}

// --- keys ----------------------------------------------------------------------

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Pkey generate(int alg) {
  EVP_PKEY* raw = nullptr;
  if (alg == cose::kEs256)
    raw = EVP_EC_gen("P-256");
  else if (alg == cose::kRs256)
    raw = EVP_RSA_gen(2048);
  else
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  return Pkey(raw, EVP_PKEY_free);
}

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

std::string cose_key(EVP_PKEY* key, int alg) {
  if (alg == cose::kEs256) {
    unsigned char point[65];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
    std::string p(reinterpret_cast<char*>(point), len);
    return cbor_map({{cbor_int(1), cbor_int(2)},
                     {cbor_int(3), cbor_int(-7)},
                     {cbor_int(-1), cbor_int(1)},
                     {cbor_int(-2), cbor_bytes(p.substr(1, 32))},
                     {cbor_int(-3), cbor_bytes(p.substr(33, 32))}});
  }
  if (alg == cose::kRs256)
    return cbor_map({{cbor_int(1), cbor_int(3)},
                     {cbor_int(3), cbor_int(-257)},
                     {cbor_int(-1), cbor_bytes(bn_param(key, OSSL_PKEY_PARAM_RSA_N))},
                     {cbor_int(-2), cbor_bytes(bn_param(key, OSSL_PKEY_PARAM_RSA_E))}});
  unsigned char x[32];
  size_t len = sizeof x;
  EVP_PKEY_get_raw_public_key(key, x, &len);
  return cbor_map({{cbor_int(1), cbor_int(1)},
                   {cbor_int(3), cbor_int(-8)},
                   {cbor_int(-1), cbor_int(6)},
                   {cbor_int(-2), cbor_bytes(std::string(reinterpret_cast<char*>(x), len))}});
}

std::string sign(EVP_PKEY* key, int alg, std::string_view message) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestSignInit(md, nullptr, alg == cose::kEdDsa ? nullptr : EVP_sha256(), nullptr, key);
  size_t len = 0;
  auto msg = reinterpret_cast<const unsigned char*>(message.data());
  EVP_DigestSign(md, nullptr, &len, msg, message.size());
  std::string sig(len, '\0');
  EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len, msg, message.size());
  EVP_MD_CTX_free(md);
  sig.resize(len);
  return sig;
}

std::string hash(std::string_view s) {
  auto h = sha256(s);
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// --- the authenticator ---------------------------------------------------------

constexpr const char* kOrigin = "https://app.example.com";
constexpr const char* kRpId = "app.example.com";
constexpr uint8_t kUp = 0x01, kUv = 0x04, kBe = 0x08, kBs = 0x10, kAt = 0x40;

struct SoftAuthenticator {
  int alg;
  Pkey key;
  std::string credential_id = random_bytes(16);
  std::string user_handle = base64url_encode("user-1234");
  uint32_t counter = 0;

  explicit SoftAuthenticator(int a) : alg(a), key(generate(a)) {}
  std::string cose() const { return cose_key(key.get(), alg); }
  std::string id() const { return base64url_encode(credential_id); }
};

std::string client_data(std::string_view type, std::string_view challenge,
                        std::string_view origin) {
  // The order and form browsers use (WebAuthn §5.8.1.1).
  return latchkey::Json{
      {"type", type}, {"challenge", challenge}, {"origin", origin}, {"crossOrigin", false}}
      .dump();
}

// Knobs for producing well-formed and tampered registrations.
struct MakeCredential {
  std::string challenge = base64url_encode(random_bytes(32));
  std::string origin = kOrigin;
  std::string rp_id = kRpId;
  std::string type = "webauthn.create";
  uint8_t flags = kUp | kUv | kAt;
  std::string fmt = "none";
  bool self_sign = false;  // packed: sign with the credential key
  int packed_alg = 0;      // packed attStmt alg (0: the key's)
  bool break_sig = false;  // flip a bit of the attestation signature
  std::string trailing;    // bytes appended to authData
  std::optional<std::string> cose_override;
  std::optional<std::string> attested_id_override;
  // packed with x5c: this key signs, this certificate is sent.
  EVP_PKEY* attestation_key = nullptr;
  std::string attestation_cert;
};

std::string auth_data_for_registration(SoftAuthenticator& a, const MakeCredential& m) {
  std::string id = m.attested_id_override.value_or(a.credential_id);
  std::string out = hash(m.rp_id) + std::string(1, static_cast<char>(m.flags)) + be32(a.counter);
  if (m.flags & kAt) {
    out += std::string(16, '\0');  // AAGUID
    out += std::string{static_cast<char>(id.size() >> 8), static_cast<char>(id.size() & 0xff)};
    out += id + m.cose_override.value_or(a.cose());
  }
  return out + m.trailing;
}

RegistrationResponse make_credential(SoftAuthenticator& a, const MakeCredential& m) {
  std::string cdj = client_data(m.type, m.challenge, m.origin);
  std::string auth = auth_data_for_registration(a, m);
  std::string stmt = cbor_map({});
  if (m.fmt == "packed" && m.attestation_key) {
    std::string sig = sign(m.attestation_key, cose::kEs256, auth + hash(cdj));
    if (m.break_sig) sig[sig.size() / 2] ^= 0x01;
    stmt = cbor_map({{cbor_text("alg"), cbor_int(m.packed_alg ? m.packed_alg : cose::kEs256)},
                     {cbor_text("sig"), cbor_bytes(sig)},
                     {cbor_text("x5c"), head(4, 1) + cbor_bytes(m.attestation_cert)}});
  } else if (m.fmt == "packed") {
    std::string sig = sign(a.key.get(), a.alg, auth + hash(cdj));
    if (m.break_sig) sig[sig.size() / 2] ^= 0x01;
    stmt = cbor_map({{cbor_text("alg"), cbor_int(m.packed_alg ? m.packed_alg : a.alg)},
                     {cbor_text("sig"), cbor_bytes(sig)}});
  }
  std::string att = cbor_map({{cbor_text("fmt"), cbor_text(m.fmt)},
                              {cbor_text("attStmt"), stmt},
                              {cbor_text("authData"), cbor_bytes(auth)}});
  RegistrationResponse r;
  r.id = r.raw_id = a.id();
  r.type = "public-key";
  r.client_data_json = base64url_encode(cdj);
  r.attestation_object = base64url_encode(att);
  r.transports = {"internal"};
  return r;
}

Expectations expect(std::string challenge) { return {std::move(challenge), kOrigin, kRpId}; }

struct GetAssertion {
  std::string challenge = base64url_encode(random_bytes(32));
  std::string origin = kOrigin;
  std::string rp_id = kRpId;
  std::string type = "webauthn.get";
  uint8_t flags = kUp | kUv;
  bool increment = true;
  bool break_sig = false;
  bool tamper_after_signing = false;                      // change authData once signed
  std::optional<std::optional<std::string>> user_handle;  // unset: the real one
};

AuthenticationResponse get_assertion(SoftAuthenticator& a, const GetAssertion& g) {
  if (g.increment) ++a.counter;
  std::string cdj = client_data(g.type, g.challenge, g.origin);
  std::string auth = hash(g.rp_id) + std::string(1, static_cast<char>(g.flags)) + be32(a.counter);
  std::string sig = sign(a.key.get(), a.alg, auth + hash(cdj));
  if (g.break_sig) sig[sig.size() / 2] ^= 0x01;
  if (g.tamper_after_signing) auth[33] ^= 0x01;  // the counter's high byte
  AuthenticationResponse r;
  r.id = r.raw_id = a.id();
  r.type = "public-key";
  r.client_data_json = base64url_encode(cdj);
  r.authenticator_data = base64url_encode(auth);
  r.signature = base64url_encode(sig);
  r.user_handle = g.user_handle ? *g.user_handle : std::optional(a.user_handle);
  return r;
}

StoredCredential stored(const SoftAuthenticator& a, const Registration& reg) {
  return {reg.credential_id, reg.cose_public_key, reg.counter, a.user_handle};
}

class Ceremonies : public ::testing::TestWithParam<int> {};

TEST_P(Ceremonies, RegisterWithNoneAttestationThenSignIn) {
  SoftAuthenticator a(GetParam());
  MakeCredential m;
  auto reg = verify_registration(make_credential(a, m), expect(m.challenge));
  ASSERT_TRUE(reg.ok()) << failure_name(reg.failure);
  EXPECT_EQ(reg.value->credential_id, a.id());
  EXPECT_EQ(reg.value->algorithm, GetParam());
  EXPECT_EQ(reg.value->counter, 0u);
  EXPECT_EQ(reg.value->attestation_format, "none");
  EXPECT_TRUE(reg.value->user_verified);
  EXPECT_FALSE(reg.value->backup_eligible);

  StoredCredential cred = stored(a, *reg.value);
  for (int i = 0; i < 3; ++i) {
    GetAssertion g;
    auto res = verify_authentication(get_assertion(a, g), expect(g.challenge), cred);
    ASSERT_TRUE(res.ok()) << failure_name(res.failure);
    EXPECT_EQ(res.value->new_counter, a.counter);
    cred.counter = res.value->new_counter;
  }
}

TEST_P(Ceremonies, PackedSelfAttestation) {
  SoftAuthenticator a(GetParam());
  MakeCredential m;
  m.fmt = "packed";
  auto reg = verify_registration(make_credential(a, m), expect(m.challenge));
  ASSERT_TRUE(reg.ok()) << failure_name(reg.failure);
  EXPECT_EQ(reg.value->attestation_format, "packed");

  m.break_sig = true;
  EXPECT_EQ(verify_registration(make_credential(a, m), expect(m.challenge)).failure,
            Failure::kAttestationSignature);
  m.break_sig = false;
  m.packed_alg = GetParam() == cose::kEs256 ? cose::kRs256 : cose::kEs256;
  EXPECT_EQ(verify_registration(make_credential(a, m), expect(m.challenge)).failure,
            Failure::kAttestationStatement);
}

TEST_P(Ceremonies, TamperedAssertionsAreRefused) {
  SoftAuthenticator a(GetParam());
  MakeCredential m;
  auto reg = verify_registration(make_credential(a, m), expect(m.challenge));
  ASSERT_TRUE(reg.ok());
  const StoredCredential cred = stored(a, *reg.value);
  auto failure = [&](GetAssertion g, std::optional<std::string> expected_challenge = {}) {
    auto r = get_assertion(a, g);
    return verify_authentication(r, expect(expected_challenge.value_or(g.challenge)), cred).failure;
  };
  GetAssertion g;
  g.break_sig = true;
  EXPECT_EQ(failure(g), Failure::kSignature);
  g = {};
  g.tamper_after_signing = true;
  EXPECT_EQ(failure(g), Failure::kSignature);
  g = {};
  EXPECT_EQ(failure(g, base64url_encode(random_bytes(32))), Failure::kChallenge);
  g = {};
  g.origin = "https://evil.example.com";
  EXPECT_EQ(failure(g), Failure::kOrigin);
  g = {};
  g.rp_id = "evil.example.com";
  EXPECT_EQ(failure(g), Failure::kRpIdHash);
  g = {};
  g.type = "webauthn.create";
  EXPECT_EQ(failure(g), Failure::kClientDataType);
  g = {};
  g.flags = kUv;  // user verified but not present
  EXPECT_EQ(failure(g), Failure::kUserPresence);
  g = {};
  g.flags = kUp | kBs;
  EXPECT_EQ(failure(g), Failure::kBackupState);
  g = {};
  g.user_handle = std::optional<std::string>(base64url_encode("someone-else"));
  EXPECT_EQ(failure(g), Failure::kUserHandle);
  g = {};
  g.user_handle = std::optional<std::string>();
  EXPECT_EQ(failure(g), Failure::kUserHandle);
  // Replaying recorded responses (the fixed test challenge): the unsigned
  // handle is not compared, the signature still is.
  g = {};
  g.user_handle = std::optional<std::string>(base64url_encode("someone-else"));
  auto replay = expect(g.challenge);
  replay.check_user_handle = false;
  EXPECT_EQ(verify_authentication(get_assertion(a, g), replay, cred).failure, Failure::kNone);
  g.break_sig = true;
  EXPECT_EQ(verify_authentication(get_assertion(a, g), replay, cred).failure, Failure::kSignature);

  // Another credential's assertion under this credential's stored key.
  SoftAuthenticator other(GetParam());
  other.user_handle = a.user_handle;
  GetAssertion og;
  auto r = get_assertion(other, og);
  r.id = r.raw_id = a.id();
  EXPECT_EQ(verify_authentication(r, expect(og.challenge), cred).failure, Failure::kSignature);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, Ceremonies,
                         ::testing::Values(cose::kEs256, cose::kRs256, cose::kEdDsa));

TEST(Registration, TamperedRegistrationsAreRefused) {
  SoftAuthenticator a(cose::kEs256);
  auto failure = [&](const MakeCredential& m, std::optional<std::string> expected = {}) {
    return verify_registration(make_credential(a, m), expect(expected.value_or(m.challenge)))
        .failure;
  };
  MakeCredential m;
  EXPECT_EQ(failure(m, base64url_encode(random_bytes(32))), Failure::kChallenge);
  m = {};
  m.origin = "https://app.example.com:8443";
  EXPECT_EQ(failure(m), Failure::kOrigin);
  m = {};
  m.rp_id = "example.com";
  EXPECT_EQ(failure(m), Failure::kRpIdHash);
  m = {};
  m.type = "webauthn.get";
  EXPECT_EQ(failure(m), Failure::kClientDataType);
  m = {};
  m.flags = kAt;
  EXPECT_EQ(failure(m), Failure::kUserPresence);
  m = {};
  m.flags = kUp;
  EXPECT_EQ(failure(m), Failure::kMissingCredential);
  m = {};
  m.fmt = "fido-u2f";
  EXPECT_EQ(failure(m), Failure::kAttestationFormat);
  m = {};
  m.trailing = "x";
  EXPECT_EQ(failure(m), Failure::kMalformed);
  m = {};
  m.attested_id_override = std::string("another credential");
  EXPECT_EQ(failure(m), Failure::kCredentialId);
  m = {};
  // ES384 on P-384: not one of the offered algorithms.
  m.cose_override = cbor_map({{cbor_int(1), cbor_int(2)},
                              {cbor_int(3), cbor_int(-35)},
                              {cbor_int(-1), cbor_int(2)},
                              {cbor_int(-2), cbor_bytes(std::string(48, 'x'))},
                              {cbor_int(-3), cbor_bytes(std::string(48, 'y'))}});
  EXPECT_EQ(failure(m), Failure::kUnsupportedKey);
  m = {};
  // A point that is not on P-256.
  m.cose_override = cbor_map({{cbor_int(1), cbor_int(2)},
                              {cbor_int(3), cbor_int(-7)},
                              {cbor_int(-1), cbor_int(1)},
                              {cbor_int(-2), cbor_bytes(std::string(32, '\x01'))},
                              {cbor_int(-3), cbor_bytes(std::string(32, '\x02'))}});
  EXPECT_EQ(failure(m), Failure::kUnsupportedKey);

  m = {};
  auto r = make_credential(a, m);
  r.type = "password";
  EXPECT_EQ(verify_registration(r, expect(m.challenge)).failure, Failure::kCredentialType);
  r = make_credential(a, m);
  r.raw_id = base64url_encode("different");
  EXPECT_EQ(verify_registration(r, expect(m.challenge)).failure, Failure::kCredentialId);
  r = make_credential(a, m);
  r.attestation_object = "not base64url!";
  EXPECT_EQ(verify_registration(r, expect(m.challenge)).failure, Failure::kMalformed);
  r.attestation_object = base64url_encode(
      "\xa1\x63"
      "fmt");  // truncated CBOR
  EXPECT_EQ(verify_registration(r, expect(m.challenge)).failure, Failure::kMalformed);
  r = make_credential(a, m);
  r.client_data_json = base64url_encode("[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]");
  EXPECT_EQ(verify_registration(r, expect(m.challenge)).failure, Failure::kMalformed);
  r.client_data_json = base64url_encode(R"({"type":"webauthn.create"})");
  EXPECT_EQ(verify_registration(r, expect(m.challenge)).failure, Failure::kMalformed);
}

TEST(Registration, NoneAttestationWithStatementIsRefused) {
  SoftAuthenticator a(cose::kEs256);
  MakeCredential m;
  auto r = make_credential(a, m);
  // Re-encode with a non-empty attStmt under fmt "none".
  std::string cdj = client_data(m.type, m.challenge, m.origin);
  std::string auth = auth_data_for_registration(a, m);
  r.attestation_object = base64url_encode(
      cbor_map({{cbor_text("fmt"), cbor_text("none")},
                {cbor_text("attStmt"), cbor_map({{cbor_text("alg"), cbor_int(-7)}})},
                {cbor_text("authData"), cbor_bytes(auth)}}));
  EXPECT_EQ(verify_registration(r, expect(m.challenge)).failure, Failure::kAttestationStatement);
}

// A self-signed certificate for `key` (DER), as an attestation CA would issue.
std::string certificate_der(EVP_PKEY* key) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Test Attestation"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_sign(x, key, EVP_sha256());
  std::string der(static_cast<size_t>(i2d_X509(x, nullptr)), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(x, &p);
  X509_free(x);
  return der;
}

TEST(Registration, PackedWithCertificate) {
  SoftAuthenticator a(cose::kEdDsa);  // the credential key differs from the attestation key
  Pkey attestation = generate(cose::kEs256);
  MakeCredential m;
  m.fmt = "packed";
  m.attestation_key = attestation.get();
  m.attestation_cert = certificate_der(attestation.get());
  auto reg = verify_registration(make_credential(a, m), expect(m.challenge));
  ASSERT_TRUE(reg.ok()) << failure_name(reg.failure);
  EXPECT_EQ(reg.value->algorithm, cose::kEdDsa);

  m.break_sig = true;
  EXPECT_EQ(verify_registration(make_credential(a, m), expect(m.challenge)).failure,
            Failure::kAttestationSignature);
  m.break_sig = false;
  // The certificate's key must be the one that signed.
  Pkey stranger = generate(cose::kEs256);
  m.attestation_cert = certificate_der(stranger.get());
  EXPECT_EQ(verify_registration(make_credential(a, m), expect(m.challenge)).failure,
            Failure::kAttestationSignature);
  // An alg that does not fit the certificate's key, or a broken certificate.
  m.attestation_cert = certificate_der(attestation.get());
  m.packed_alg = cose::kRs256;
  EXPECT_EQ(verify_registration(make_credential(a, m), expect(m.challenge)).failure,
            Failure::kAttestationStatement);
  m.packed_alg = 0;
  m.attestation_cert = "not DER";
  EXPECT_EQ(verify_registration(make_credential(a, m), expect(m.challenge)).failure,
            Failure::kAttestationStatement);
}

TEST(Registration, BackupFlagsGiveTheDeviceType) {
  SoftAuthenticator a(cose::kEdDsa);
  MakeCredential m;
  m.flags = kUp | kAt | kBe | kBs;
  auto reg = verify_registration(make_credential(a, m), expect(m.challenge));
  ASSERT_TRUE(reg.ok()) << failure_name(reg.failure);
  EXPECT_TRUE(reg.value->backup_eligible);
  EXPECT_TRUE(reg.value->backed_up);
  EXPECT_FALSE(reg.value->user_verified);  // UV is not required
}

TEST(Authentication, CounterRules) {
  SoftAuthenticator a(cose::kEs256);
  MakeCredential m;
  auto reg = verify_registration(make_credential(a, m), expect(m.challenge));
  ASSERT_TRUE(reg.ok());
  StoredCredential cred = stored(a, *reg.value);

  // An authenticator without a counter (always 0) is accepted every time.
  for (int i = 0; i < 2; ++i) {
    GetAssertion g;
    g.increment = false;
    EXPECT_TRUE(verify_authentication(get_assertion(a, g), expect(g.challenge), cred).ok());
  }
  // Once counting, the counter must grow: equal or lower is a clone.
  a.counter = 5;
  cred.counter = 5;
  GetAssertion g;
  g.increment = false;
  EXPECT_EQ(verify_authentication(get_assertion(a, g), expect(g.challenge), cred).failure,
            Failure::kCounter);
  a.counter = 3;
  EXPECT_EQ(verify_authentication(get_assertion(a, g), expect(g.challenge), cred).failure,
            Failure::kCounter);
  a.counter = 0;
  EXPECT_EQ(verify_authentication(get_assertion(a, g), expect(g.challenge), cred).failure,
            Failure::kCounter);
  g.increment = true;
  a.counter = 5;
  auto ok = verify_authentication(get_assertion(a, g), expect(g.challenge), cred);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value->new_counter, 6u);
}

TEST(Authentication, WrongCredentialIdIsRefused) {
  SoftAuthenticator a(cose::kEs256);
  MakeCredential m;
  auto reg = verify_registration(make_credential(a, m), expect(m.challenge));
  ASSERT_TRUE(reg.ok());
  StoredCredential cred = stored(a, *reg.value);
  cred.credential_id = base64url_encode("some other id");
  GetAssertion g;
  EXPECT_EQ(verify_authentication(get_assertion(a, g), expect(g.challenge), cred).failure,
            Failure::kCredentialId);
}

TEST(ClientDataOrigin, ReadsTheOrigin) {
  EXPECT_EQ(client_data_origin(base64url_encode(client_data("webauthn.get", "x", kOrigin))),
            kOrigin);
  EXPECT_EQ(client_data_origin("!!!"), std::nullopt);
  EXPECT_EQ(client_data_origin(base64url_encode("{\"origin\": 5}")), std::nullopt);
}

// Client data wider than any browser's is refused before it is parsed (a
// wide object costs its parser quadratic time, core/json_extent.hpp).
TEST(ClientDataOrigin, RefusesClientDataWithTooManyMembers) {
  auto with_extra = [](int extra) {
    std::string json = R"({"type":"webauthn.get","challenge":"x","origin":"https://a.test")";
    for (int k = 0; k < extra; ++k) json += ",\"m" + std::to_string(k) + "\":0";
    return base64url_encode(json + "}");
  };
  EXPECT_EQ(client_data_origin(with_extra(61)), "https://a.test");
  EXPECT_EQ(client_data_origin(with_extra(62)), std::nullopt);
}

// --- the bounded CBOR reader ------------------------------------------------------

TEST(Cbor, ItemLengthAndLimits) {
  std::string item = cbor_map({{cbor_text("a"), cbor_bytes("xyz")}});
  EXPECT_EQ(cbor::item_length(item + "trailing"), item.size());
  EXPECT_EQ(cbor::item_length(item.substr(0, item.size() - 1)), std::nullopt);
  EXPECT_EQ(cbor::item_length(""), std::nullopt);
  // Indefinite lengths and tags are refused.
  EXPECT_EQ(cbor::item_length("\x9f\x01\xff"), std::nullopt);
  EXPECT_EQ(cbor::item_length("\xc1\x01"), std::nullopt);
  // A declared length beyond the input is refused before anything is built.
  EXPECT_EQ(cbor::item_length(head(4, 1ULL << 40) + "\x01"), std::nullopt);
  EXPECT_EQ(cbor::item_length(head(5, 1ULL << 62)), std::nullopt);
  // Nesting deeper than kMaxDepth is refused; the limit itself passes.
  std::string ok_depth(cbor::kMaxDepth, '\x81');
  EXPECT_EQ(cbor::item_length(ok_depth + "\x01"), ok_depth.size() + 1);
  std::string deep(100000, '\x81');
  EXPECT_EQ(cbor::item_length(deep + "\x01"), std::nullopt);
  // Empty containers are complete items.
  EXPECT_EQ(cbor::item_length("\x80"), 1u);
  EXPECT_EQ(cbor::item_length(std::string("\xa0", 1)), 1u);
}

TEST(Cbor, MapLookups) {
  auto item = cbor::decode_exactly(
      cbor_map({{cbor_int(1), cbor_int(-7)}, {cbor_text("k"), cbor_text("v")}}));
  ASSERT_TRUE(item);
  EXPECT_EQ(cbor::as_int(cbor::map_get(item->get(), 1)), -7);
  EXPECT_EQ(cbor::as_text(cbor::map_get(item->get(), "k")), "v");
  EXPECT_EQ(cbor::map_get(item->get(), 2), nullptr);
  // Duplicate keys make a lookup fail rather than pick one.
  auto dup =
      cbor::decode_exactly(cbor_map({{cbor_int(1), cbor_int(1)}, {cbor_int(1), cbor_int(2)}}));
  ASSERT_TRUE(dup);
  EXPECT_EQ(cbor::map_get(dup->get(), 1), nullptr);
  EXPECT_FALSE(cbor::decode_exactly(cbor_int(1) + "x"));
  // Integers beyond int64 are not read as integers.
  EXPECT_EQ(cbor::as_int(cbor::decode_exactly("\x3b\xff\xff\xff\xff\xff\xff\xff\xff")->get()),
            std::nullopt);
}

}  // namespace
}  // namespace latchkey::core::webauthn
