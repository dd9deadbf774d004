#include "core/passkeys.hpp"

#include <spdlog/spdlog.h>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/verification_codes.hpp"

namespace latchkey::core {
namespace {

// The reference's placeholder: the client puts its own hostname there.
constexpr const char* kRpIdPlaceholder = "THIS_VALUE_WILL_BE_REPLACED.example.com";
constexpr int kCeremonyTimeoutMillis = 60'000;
constexpr size_t kChallengeBytes = 32;
constexpr size_t kMaxTransports = 16;
constexpr size_t kMaxTransportLength = 64;

constexpr const char* kRegistrationInvalid =
    "Passkey registration failed because the verification response is invalid";
constexpr const char* kAssertionInvalid =
    "The signature of the authentication response could not be verified with the stored public "
    "key tied to this credential ID";

// "scheme://host[:port]" as a browser serialises an origin (default port
// left out), or nullopt when `text` is not a plain http(s) origin.
struct ParsedOrigin {
  std::string serialized;
  std::string host;
};
std::optional<ParsedOrigin> parse_origin(std::string_view text) {
  auto r = boost::urls::parse_uri(text);
  if (!r || !r->has_authority() || r->has_userinfo() || !r->encoded_path().empty() ||
      r->has_query() || r->has_fragment())
    return std::nullopt;
  boost::urls::url u(*r);
  u.normalize();
  std::string scheme(u.scheme());
  if (scheme != "http" && scheme != "https") return std::nullopt;
  ParsedOrigin o;
  o.host = std::string(u.encoded_host());
  if (o.host.empty()) return std::nullopt;
  o.serialized = scheme + "://" + o.host;
  std::string port(u.port());
  bool default_port = (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
  if (!port.empty() && !default_port) o.serialized += ":" + port;
  return o;
}

bool config_flag(const Json& config, const char* key) {
  if (!config.is_object()) return false;
  auto it = config.find(key);
  return it != config.end() && it->is_boolean() && it->get<bool>();
}

std::optional<std::string> data_string(const store::VerificationCode& row, const char* key) {
  if (!row.data.is_object()) return std::nullopt;
  auto it = row.data.find(key);
  if (it == row.data.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// Origin errors use PASSKEY_AUTHENTICATION_FAILED in both ceremonies (quirk
// kept, errors.md §3.8); only the wording names the ceremony.
webauthn::Expectations expectations_for(const store::Project& project, std::string_view origin,
                                        std::string challenge, PasskeyCeremony ceremony) {
  const char* what = ceremony == PasskeyCeremony::kRegistration ? "registration" : "authentication";
  auto decision = check_passkey_origin(project.config, origin);
  switch (decision.status) {
    case PasskeyOrigin::Status::kAllowed:
      break;
    case PasskeyOrigin::Status::kLocalhostNotAllowed:
      throw errors::passkey_authentication_failed(std::string("Passkey ") + what +
                                                  " failed because localhost is not allowed");
    case PasskeyOrigin::Status::kNotAllowed:
      throw errors::passkey_authentication_failed(std::string("Passkey ") + what +
                                                  " failed because the origin is not allowed");
  }
  return {std::move(challenge), std::string(origin), decision.rp_id};
}

std::string new_challenge(PasskeyChallengeMode mode) {
  if (mode == PasskeyChallengeMode::kHardcodedForTesting)
    return base64url_encode(kHardcodedPasskeyChallenge);
  return base64url_encode(random_bytes(kChallengeBytes));
}

PasskeyChallenge issue_challenge(store::Store& store, const Clock& clock,
                                 const store::Project& project, const std::string& branch_id,
                                 CodeType type, Json data, Json options) {
  NewCode n;
  n.type = type;
  n.data = std::move(data);
  n.lifetime_millis = kPasskeyChallengeLifetimeMillis;
  auto issued = create_code(store, clock, project.id, branch_id, n);
  return {std::move(options), issued.code};
}

}  // namespace

PasskeyOrigin check_passkey_origin(const Json& config, std::string_view origin) {
  auto parsed = parse_origin(origin);
  if (!parsed) return {PasskeyOrigin::Status::kNotAllowed, ""};
  // Only the exact host "localhost" (not 127.0.0.1, not *.localhost).
  if (parsed->host == "localhost") {
    if (!config_flag(config, "allow_localhost"))
      return {PasskeyOrigin::Status::kLocalhostNotAllowed, ""};
    return {PasskeyOrigin::Status::kAllowed, "localhost"};
  }
  if (config.is_object()) {
    auto domains = config.find("domains");
    if (domains != config.end() && domains->is_array())
      for (const auto& entry : *domains) {
        if (!entry.is_object()) continue;
        auto d = entry.find("domain");
        if (d != entry.end() && d->is_string() &&
            d->get_ref<const std::string&>() == parsed->serialized)
          return {PasskeyOrigin::Status::kAllowed, parsed->host};
      }
  }
  return {PasskeyOrigin::Status::kNotAllowed, ""};
}

void require_passkey_enabled(const store::Project& project) {
  if (!config_flag(project.config, "passkey_enabled"))
    throw errors::passkey_authentication_not_enabled();
}

PasskeyChallenge initiate_passkey_registration(store::Store& store, const Clock& clock,
                                               const store::Project& project,
                                               const std::string& branch_id,
                                               const store::User& user, PasskeyChallengeMode mode) {
  require_passkey_enabled(project);
  const std::string challenge = new_challenge(mode);
  // user.id is the user's id itself: a browser keeps one passkey per
  // (RP ID, user.id), matching the one passkey per user stored here.
  const std::string user_handle = base64url_encode(user.id);
  const std::string name = user.display_name    ? *user.display_name
                           : user.primary_email ? *user.primary_email
                                                : "Stack Auth User";
  Json params = Json::array();
  for (int alg : {-8, -7, -257}) params.push_back(Json{{"alg", alg}, {"type", "public-key"}});
  Json options{
      {"challenge", challenge},
      {"rp", Json{{"name", project.display_name}, {"id", kRpIdPlaceholder}}},
      {"user", Json{{"id", user_handle}, {"name", name}, {"displayName", name}}},
      {"pubKeyCredParams", params},
      {"timeout", kCeremonyTimeoutMillis},
      {"attestation", "none"},
      {"excludeCredentials", Json::array()},
      {"authenticatorSelection", Json{{"residentKey", "required"},
                                      {"userVerification", "preferred"},
                                      {"requireResidentKey", true}}},
      {"extensions", Json{{"credProps", true}}},
  };
  return issue_challenge(store, clock, project, branch_id, CodeType::kPasskeyRegistrationChallenge,
                         Json{{"userHandle", user_handle}, {"challenge", challenge}},
                         std::move(options));
}

std::string register_passkey(store::Store& store, const Clock& clock, const store::Project& project,
                             const std::string& branch_id, const store::User& user,
                             std::string_view code,
                             const webauthn::RegistrationResponse& credential) {
  auto row =
      use_code(store, clock, project.id, branch_id, CodeType::kPasskeyRegistrationChallenge, code);
  require_passkey_enabled(project);
  auto refuse = [](std::string_view why) {
    spdlog::info("passkey registration refused: {}", why);
    return errors::passkey_registration_failed(kRegistrationInvalid);
  };

  auto origin = webauthn::client_data_origin(credential.client_data_json);
  if (!origin) throw refuse("clientDataJSON without a readable origin");
  auto challenge = data_string(row, "challenge");
  auto user_handle = data_string(row, "userHandle");
  if (!challenge || !user_handle) throw refuse("challenge code without challenge data");
  auto expected = expectations_for(project, *origin, *challenge, PasskeyCeremony::kRegistration);
  // A challenge is good only for the user it was issued to.
  if (!constant_time_equals(*user_handle, base64url_encode(user.id)))
    throw refuse("challenge issued to another user");

  auto result = webauthn::verify_registration(credential, expected);
  if (!result.ok()) throw refuse(webauthn::failure_name(result.failure));
  const auto& reg = *result.value;

  store::Passkey p;
  p.project_id = project.id;
  p.user_id = user.id;
  p.credential_id = reg.credential_id;
  p.public_key = reg.cose_public_key;
  p.user_handle = *user_handle;
  for (const auto& t : credential.transports) {
    if (p.transports.size() >= kMaxTransports) break;
    if (!t.empty() && t.size() <= kMaxTransportLength) p.transports.push_back(t);
  }
  p.device_type = reg.backup_eligible ? "multiDevice" : "singleDevice";
  p.backed_up = reg.backed_up;
  p.counter = reg.counter;
  p.created_at_millis = clock.now_millis();
  switch (store.passkeys().save_passkey(p)) {
    case store::SavePasskeyStatus::kSaved:
      break;
    case store::SavePasskeyStatus::kUserNotFound:
      throw errors::user_not_found();
    case store::SavePasskeyStatus::kCredentialInUse:
      throw refuse("credential ID registered to another user");
  }
  return reg.credential_id;
}

PasskeyChallenge initiate_passkey_authentication(store::Store& store, const Clock& clock,
                                                 const store::Project& project,
                                                 const std::string& branch_id,
                                                 PasskeyChallengeMode mode) {
  require_passkey_enabled(project);
  const std::string challenge = new_challenge(mode);
  Json options{{"rpId", kRpIdPlaceholder},
               {"challenge", challenge},
               {"allowCredentials", Json::array()},
               {"timeout", kCeremonyTimeoutMillis},
               {"userVerification", "preferred"}};
  return issue_challenge(store, clock, project, branch_id,
                         CodeType::kPasskeyAuthenticationChallenge, Json{{"challenge", challenge}},
                         std::move(options));
}

store::User authenticate_with_passkey(store::Store& store, const Clock& clock,
                                      const store::Project& project, const std::string& branch_id,
                                      std::string_view code,
                                      const webauthn::AuthenticationResponse& response,
                                      PasskeyChallengeMode mode) {
  auto row = use_code(store, clock, project.id, branch_id,
                      CodeType::kPasskeyAuthenticationChallenge, code);
  require_passkey_enabled(project);
  auto passkey = store.passkeys().find_passkey_by_credential_id(project.id, response.id);
  if (!passkey) throw errors::passkey_authentication_failed("Passkey not found");
  auto refuse = [](std::string_view why) {
    spdlog::info("passkey sign-in refused: {}", why);
    return errors::passkey_authentication_failed(kAssertionInvalid);
  };

  auto origin = webauthn::client_data_origin(response.client_data_json);
  if (!origin) throw refuse("clientDataJSON without a readable origin");
  auto challenge = data_string(row, "challenge");
  if (!challenge) throw refuse("challenge code without challenge data");
  auto expected = expectations_for(project, *origin, *challenge, PasskeyCeremony::kAuthentication);
  expected.check_user_handle = mode == PasskeyChallengeMode::kRandom;

  webauthn::StoredCredential stored{passkey->credential_id, passkey->public_key, passkey->counter,
                                    passkey->user_handle};
  auto result = webauthn::verify_authentication(response, expected, stored);
  if (!result.ok()) throw refuse(webauthn::failure_name(result.failure));
  // Compare-and-set: of two assertions racing with the same counter, one wins.
  if (!store.passkeys().update_passkey_counter(project.id, passkey->user_id, passkey->credential_id,
                                               passkey->counter, result.value->new_counter,
                                               clock.now_millis()))
    throw refuse("passkey changed during sign-in");
  auto user = store.users().get_user(project.id, passkey->user_id);
  if (!user) throw errors::passkey_authentication_failed("Passkey not found");
  return *user;
}

}  // namespace latchkey::core
