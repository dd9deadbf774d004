// Passkeys: /auth/passkey/initiate-passkey-registration, register,
// initiate-passkey-authentication and sign-in (auth-endpoints.md §5). The
// WebAuthn response objects are read into typed structs here; everything
// else happens in core/passkeys.
#include "api/routes.hpp"
#include "core/passkeys.hpp"
#include "core/sessions.hpp"

namespace latchkey::api {

namespace {

// An array of strings under `f` (absent is fine); bad items are reported.
std::vector<std::string> read_strings(Field f, SchemaErrors& errors) {
  std::vector<std::string> out;
  auto arr = f.array(false);
  if (!arr) return out;
  for (size_t i = 0; i < arr->size(); ++i) {
    Field item(f.path() + "[" + std::to_string(i) + "]", &(*arr)[i], errors);
    if (auto s = item.string(true)) out.push_back(std::move(*s));
  }
  return out;
}

// What the handlers below read (route_spec.hpp). The credentials are
// WebAuthn's PublicKeyCredential JSON, whose nested readers check these
// declarations too (other members allowed).
const ObjectSpec kRegistrationResponse{
    .fields = {string_field("clientDataJSON").required(),
               string_field("attestationObject").required(), array_field("transports")},
    .open = true};
const ObjectSpec kAuthenticationResponse{
    .fields = {string_field("clientDataJSON").required(),
               string_field("authenticatorData").required(), string_field("signature").required(),
               string_field("userHandle").nullable()},
    .open = true};
ObjectSpec credential(const ObjectSpec& response) {
  return ObjectSpec{
      .fields = {string_field("id").required(), string_field("rawId").required(),
                 string_field("type").required(), object_field("response").required().of(response)},
      .open = true};
}
const ObjectSpec kRegistrationCredential = credential(kRegistrationResponse);
const ObjectSpec kAuthenticationCredential = credential(kAuthenticationResponse);
const ObjectSpec kRegisterBody{{
    object_field("credential").required().of(kRegistrationCredential),
    string_field("code").required().describe("The code of initiate-passkey-registration."),
}};
const ObjectSpec kSignInBody{{
    object_field("authentication_response").required().of(kAuthenticationCredential),
    string_field("code").required().describe("The code of initiate-passkey-authentication."),
}};

// A PublicKeyCredential JSON object (body.credential or
// body.authentication_response): the members both kinds have, and a reader
// for its `response` object. Other members (authenticatorAttachment,
// clientExtensionResults, …) are allowed and ignored, as browsers and SDKs
// add them.
class CredentialJson {
 public:
  // `spec`: the credential's declaration, with its response's.
  CredentialJson(Field f, SchemaErrors& errors, const ObjectSpec& spec)
      : errors_(errors),
        path_(f.path() + ".response"),
        response_spec_(spec.find("response")->properties) {
    auto obj = f.object(true);
    if (!obj) return;
    credential_ = std::move(*obj);
    ObjectReader c(f.path(), &credential_, errors, true, &spec);
    id = c.field("id").string(true);
    raw_id = c.field("rawId").string(true);
    type = c.field("type").string(true);
    if (auto r = c.field("response").object(true)) {
      response_ = std::move(*r);
      has_response_ = true;
    }
  }
  // Readers point into this object.
  CredentialJson(const CredentialJson&) = delete;
  CredentialJson& operator=(const CredentialJson&) = delete;

  // nullopt when there is no response object (a problem already recorded).
  std::optional<ObjectReader> response() {
    if (!has_response_) return std::nullopt;
    return ObjectReader(path_, &response_, errors_, true, response_spec_);
  }

  std::optional<std::string> id, raw_id, type;

 private:
  SchemaErrors& errors_;
  std::string path_;
  const ObjectSpec* response_spec_;
  Json credential_, response_;
  bool has_response_ = false;
};

core::PasskeyChallengeMode challenge_mode(const RequestContext& ctx) {
  return ctx.app.config.hardcoded_passkey_challenge
             ? core::PasskeyChallengeMode::kHardcodedForTesting
             : core::PasskeyChallengeMode::kRandom;
}

Response challenge_response(const core::PasskeyChallenge& c) {
  return Response::json(200, Json{{"options_json", c.options_json}, {"code", c.code}});
}

// §5.1
Response initiate_registration(RequestContext& ctx) {
  ctx.require_user_schema();
  ctx.validate();
  return challenge_response(
      core::initiate_passkey_registration(*ctx.app.store, *ctx.app.clock, ctx.require_project(),
                                          ctx.branch_id, *ctx.user, challenge_mode(ctx)));
}

// §5.2
Response register_passkey(RequestContext& ctx) {
  ctx.require_user_schema();
  auto body = ctx.body_reader();
  if (!body.valid()) ctx.validate();  // yup: no field checks inside a missing body
  CredentialJson reader(body.field("credential"), ctx.schema, kRegistrationCredential);
  core::webauthn::RegistrationResponse cred;
  if (auto response = reader.response()) {
    auto cdj = response->field("clientDataJSON").string(true);
    auto att = response->field("attestationObject").string(true);
    cred.transports = read_strings(response->field("transports"), ctx.schema);
    if (cdj) cred.client_data_json = *cdj;
    if (att) cred.attestation_object = *att;
  }
  auto code = body.field("code").string(true);
  body.reject_unknown();
  ctx.validate();
  cred.id = *reader.id;
  cred.raw_id = *reader.raw_id;
  cred.type = *reader.type;

  auto credential_id = core::register_passkey(*ctx.app.store, *ctx.app.clock, ctx.require_project(),
                                              ctx.branch_id, *ctx.user, *code, cred);
  return Response::json(200, Json{{"user_handle", credential_id}});
}

// §5.3
Response initiate_authentication(RequestContext& ctx) {
  ctx.validate();
  return challenge_response(core::initiate_passkey_authentication(
      *ctx.app.store, *ctx.app.clock, ctx.require_project(), ctx.branch_id, challenge_mode(ctx)));
}

// §5.4
Response sign_in(RequestContext& ctx) {
  auto body = ctx.body_reader();
  if (!body.valid()) ctx.validate();  // yup: no field checks inside a missing body
  CredentialJson reader(body.field("authentication_response"), ctx.schema,
                        kAuthenticationCredential);
  core::webauthn::AuthenticationResponse auth;
  if (auto response = reader.response()) {
    auto cdj = response->field("clientDataJSON").string(true);
    auto data = response->field("authenticatorData").string(true);
    auto sig = response->field("signature").string(true);
    auto handle = response->field("userHandle").nullable_string();
    if (cdj) auth.client_data_json = *cdj;
    if (data) auth.authenticator_data = *data;
    if (sig) auth.signature = *sig;
    auth.user_handle = handle.value;
  }
  auto code = body.field("code").string(true);
  body.reject_unknown();
  ctx.validate();
  auth.id = *reader.id;
  auth.raw_id = *reader.raw_id;
  auth.type = *reader.type;

  const auto& project = ctx.require_project();
  store::User user = core::authenticate_with_passkey(
      *ctx.app.store, *ctx.app.clock, project, ctx.branch_id, *code, auth, challenge_mode(ctx));
  auto session =
      core::sign_in({*ctx.app.store, *ctx.app.tokens, *ctx.app.clock, *ctx.app.activity,
                     ctx.app.token_claims.get()},
                    project.id, ctx.branch_id, user, ctx.client(), /*is_new_user=*/false);
  return Response::json(200, Json{{"access_token", session.access_token},
                                  {"refresh_token", session.refresh_token},
                                  {"user_id", user.id},
                                  {"is_new_user", false}});
}

}  // namespace

void register_passkey_routes(Router& r) {
  r.add(Method::kPost, "/auth/passkey/initiate-passkey-registration", Access::client_plus(),
        initiate_registration, Runs::kDatabase,
        {.summary = "Start registering a passkey for the signed-in user: WebAuthn options and a "
                    "code.",
         .errors = {"PASSKEY_AUTHENTICATION_NOT_ENABLED"},
         .response = &shapes::passkey_challenge()});
  r.add(Method::kPost, "/auth/passkey/register", Access::client_plus(), register_passkey,
        Runs::kDatabase,
        {.summary = "Register the passkey the authenticator created.",
         .body = &kRegisterBody,
         .errors = {"PASSKEY_REGISTRATION_FAILED", "PASSKEY_AUTHENTICATION_NOT_ENABLED"},
         .response = &shapes::passkey_registered()});
  r.add(Method::kPost, "/auth/passkey/initiate-passkey-authentication", Access::client_plus(),
        initiate_authentication, Runs::kDatabase,
        {.summary = "Start a passkey sign-in: WebAuthn options and a code.",
         .errors = {"PASSKEY_AUTHENTICATION_NOT_ENABLED"},
         .response = &shapes::passkey_challenge()});
  r.add(Method::kPost, "/auth/passkey/sign-in", Access::client_plus(), sign_in, Runs::kDatabase,
        {.summary = "Sign in with a passkey.",
         .body = &kSignInBody,
         .errors = {"PASSKEY_AUTHENTICATION_FAILED", "PASSKEY_AUTHENTICATION_NOT_ENABLED",
                    "MULTI_FACTOR_AUTHENTICATION_REQUIRED", "USER_NOT_FOUND"},
         .response = &shapes::sign_in()});
}

}  // namespace latchkey::api
