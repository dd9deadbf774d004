"""Passkeys (spec/auth-endpoints.md §5, errors.md §3.8) against the software
authenticator of soft_authenticator.py: registration and sign-in for each
key type, the options, the origin / RP ID rule, every tampering the relying
party must catch, challenge codes (single use, 65 s, typed), one passkey
per user, PATCH passkey_auth_enabled, and MFA after a passkey sign-in.
"""
from __future__ import annotations

import uuid

import pytest

import mfa_helpers
from auth_helpers import (
    check_header_auth_matrix,
    set_config,
    signed_up,
)
from latchkey_e2e import (
    ANY,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_schema_error,
    assert_schema_error_contains,
)
from soft_authenticator import (
    EDDSA,
    ES256,
    FLAG_AT,
    FLAG_UP,
    FLAG_UV,
    RS256,
    SoftAuthenticator,
    b64url,
    b64url_decode,
)

V1 = "/api/v1"
INIT_REG = f"{V1}/auth/passkey/initiate-passkey-registration"
REGISTER = f"{V1}/auth/passkey/register"
INIT_AUTH = f"{V1}/auth/passkey/initiate-passkey-authentication"
SIGN_IN = f"{V1}/auth/passkey/sign-in"
MFA_SIGN_IN = f"{V1}/auth/mfa/sign-in"
ME = f"{V1}/users/me"

PLACEHOLDER = "THIS_VALUE_WILL_BE_REPLACED.example.com"
NOT_ENABLED = "Passkey authentication is not enabled for this project."
REGISTRATION_INVALID = "Passkey registration failed because the verification response is invalid"
SIGNATURE_INVALID = ("The signature of the authentication response could not be verified with the "
                     "stored public key tied to this credential ID")
CHALLENGE_LIFETIME_MS = 65_000


# --- helpers ------------------------------------------------------------------------


@pytest.fixture
def pk_project(api, project):
    """A fresh project with passkeys on (allow_localhost is on by default)."""
    set_config(api, project, passkey_enabled=True)
    return project


def user_headers(api, project, user, access="client"):
    return api.headers(access, project, access_token=user["access_token"])


def initiate_registration(api, project, user) -> dict:
    body = assert_json(api.post(INIT_REG, headers=user_headers(api, project, user), json={}))
    assert list(body) == ["options_json", "code"]
    return body


def register(api, project, user, credential, code):
    return api.post(REGISTER, headers=user_headers(api, project, user),
                    json={"credential": credential, "code": code})


def registered(api, project, user, authenticator: SoftAuthenticator, **create) -> str:
    """Registers a passkey for `user`; returns the credential ID."""
    challenge = initiate_registration(api, project, user)
    credential = authenticator.create(challenge["options_json"], **create)
    body = assert_json(register(api, project, user, credential, challenge["code"]))
    assert body == {"user_handle": credential["id"]}
    return credential["id"]


def initiate_authentication(api, project, access="client") -> dict:
    body = assert_json(api.post(INIT_AUTH, headers=api.headers(access, project), json={}))
    assert list(body) == ["options_json", "code"]
    return body


def sign_in(api, project, response, code, access="client"):
    return api.post(SIGN_IN, headers=api.headers(access, project),
                    json={"authentication_response": response, "code": code})


def passkey_sign_in(api, project, authenticator, **get):
    challenge = initiate_authentication(api, project)
    return sign_in(api, project, authenticator.get(challenge["options_json"], **get), challenge["code"])


def assert_signed_in(api, project, r, user_id) -> dict:
    body = assert_json(r)
    assert list(body) == ["access_token", "refresh_token", "user_id", "is_new_user"]
    assert body["user_id"] == user_id and body["is_new_user"] is False
    me = assert_json(api.get(ME, headers=api.headers("client", project, access_token=body["access_token"])))
    assert me["id"] == user_id
    return body


def me(api, project, user) -> dict:
    return assert_json(api.get(ME, headers=user_headers(api, project, user)))


def assert_registration_failed(r):
    assert_known_error(r, 400, "PASSKEY_REGISTRATION_FAILED", REGISTRATION_INVALID)


def assert_authentication_failed(r, message=SIGNATURE_INVALID):
    assert_known_error(r, 400, "PASSKEY_AUTHENTICATION_FAILED", message)


def assert_code_not_found(r):
    assert_known_error(r, 404, "VERIFICATION_CODE_NOT_FOUND",
                       "The verification code does not exist for this project.")


def assert_code_used(r):
    assert_known_error(r, 409, "VERIFICATION_CODE_ALREADY_USED",
                       "The verification link has already been used.")


def assert_code_expired(r):
    assert_known_error(r, 400, "VERIFICATION_CODE_EXPIRED", "The verification code has expired.")


# --- success paths -------------------------------------------------------------------


@pytest.mark.parametrize("alg", [ES256, RS256, EDDSA], ids=["ES256", "RS256", "EdDSA"])
@pytest.mark.parametrize("fmt", ["none", "packed"])
def test_register_and_sign_in(api, pk_project, alg, fmt):
    user = signed_up(api, pk_project)
    assert me(api, pk_project, user)["passkey_auth_enabled"] is False
    authenticator = SoftAuthenticator(alg=alg)
    registered(api, pk_project, user, authenticator, fmt=fmt)
    assert me(api, pk_project, user)["passkey_auth_enabled"] is True
    server_view = assert_json(api.get(f"{V1}/users/{user['user_id']}", headers=api.headers("server", pk_project)))
    assert server_view["passkey_auth_enabled"] is True

    first = assert_signed_in(api, pk_project, passkey_sign_in(api, pk_project, authenticator), user["user_id"])
    second = assert_signed_in(api, pk_project, passkey_sign_in(api, pk_project, authenticator), user["user_id"])
    assert first["refresh_token"] != second["refresh_token"]
    # Each sign-in is a session of its own.
    sessions = assert_json(api.get(f"{V1}/auth/sessions", headers=api.headers("server", pk_project),
                                   params={"user_id": user["user_id"]}))["items"]
    assert len(sessions) >= 3


def test_authenticator_without_counter_signs_in_repeatedly(api, pk_project):
    # Many platform authenticators keep no counter (always 0): allowed.
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    for _ in range(2):
        assert_signed_in(api, pk_project, passkey_sign_in(api, pk_project, authenticator, counter=0),
                         user["user_id"])


def test_server_and_admin_access(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    for access in ("server", "admin"):
        r = api.post(INIT_REG, headers=user_headers(api, pk_project, user, access), json={})
        challenge = assert_json(r)
        r = api.post(REGISTER, headers=user_headers(api, pk_project, user, access),
                     json={"credential": authenticator.create(challenge["options_json"]),
                           "code": challenge["code"]})
        assert_json(r)
        challenge = initiate_authentication(api, pk_project, access)
        r = sign_in(api, pk_project, authenticator.get(challenge["options_json"]), challenge["code"], access)
        assert_signed_in(api, pk_project, r, user["user_id"])


def test_registration_options(api, pk_project):
    user = signed_up(api, pk_project)
    body = initiate_registration(api, pk_project, user)
    options, code = body["options_json"], body["code"]
    assert len(code) == 45
    assert len(b64url_decode(options["challenge"])) == 32
    assert options == {
        "challenge": options["challenge"],
        "rp": {"name": pk_project.display_name, "id": PLACEHOLDER},
        "user": {"id": b64url(user["user_id"].encode()), "name": user["email"], "displayName": user["email"]},
        "pubKeyCredParams": [{"alg": -8, "type": "public-key"}, {"alg": -7, "type": "public-key"},
                             {"alg": -257, "type": "public-key"}],
        "timeout": 60000,
        "attestation": "none",
        "excludeCredentials": [],
        "authenticatorSelection": {"residentKey": "required", "userVerification": "preferred",
                                   "requireResidentKey": True},
        "extensions": {"credProps": True},
    }
    # Fresh challenge and code each time.
    again = initiate_registration(api, pk_project, user)
    assert again["options_json"]["challenge"] != options["challenge"] and again["code"] != code

    # The name falls back to the display name first, then to a constant.
    r = api.patch(ME, headers=user_headers(api, pk_project, user), json={"display_name": "Ada"})
    assert r.status_code == 200, r.text
    named = initiate_registration(api, pk_project, user)["options_json"]["user"]
    assert named["name"] == named["displayName"] == "Ada"
    anon = assert_json(api.post(f"{V1}/users", headers=api.headers("server", pk_project), json={}), 201)
    token = assert_json(api.post(f"{V1}/auth/sessions", headers=api.headers("server", pk_project),
                                 json={"user_id": anon["id"]}))["access_token"]
    r = api.post(INIT_REG, headers=api.headers("client", pk_project, access_token=token), json={})
    assert assert_json(r)["options_json"]["user"]["name"] == "Stack Auth User"


def test_authentication_options(api, pk_project):
    body = initiate_authentication(api, pk_project)
    options = body["options_json"]
    assert options == {"rpId": PLACEHOLDER, "challenge": options["challenge"], "allowCredentials": [],
                       "timeout": 60000, "userVerification": "preferred"}
    assert list(options) == ["rpId", "challenge", "allowCredentials", "timeout", "userVerification"]
    assert len(b64url_decode(options["challenge"])) == 32 and len(body["code"]) == 45


def test_initiate_bodies_are_ignored(api, pk_project):
    user = signed_up(api, pk_project)
    for body in (None, {"anything": 1}):
        kw = {} if body is None else {"json": body}
        assert_json(api.post(INIT_REG, headers=user_headers(api, pk_project, user), **kw))
        assert_json(api.post(INIT_AUTH, headers=api.headers("client", pk_project), **kw))


def test_one_passkey_per_user_new_registration_replaces_old(api, pk_project):
    user = signed_up(api, pk_project)
    old = SoftAuthenticator()
    registered(api, pk_project, user, old)
    new = SoftAuthenticator(alg=EDDSA)
    registered(api, pk_project, user, new)
    assert_authentication_failed(passkey_sign_in(api, pk_project, old), "Passkey not found")
    assert_signed_in(api, pk_project, passkey_sign_in(api, pk_project, new), user["user_id"])


def test_patch_passkey_auth_enabled(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    r = api.patch(ME, headers=user_headers(api, pk_project, user), json={"passkey_auth_enabled": True})
    assert_plain_text(r, 400, "Cannot manually enable passkey auth, it is enabled iff there is a passkey auth method")
    assert me(api, pk_project, user)["passkey_auth_enabled"] is True
    body = assert_json(api.patch(ME, headers=user_headers(api, pk_project, user),
                                 json={"passkey_auth_enabled": False}))
    assert body["passkey_auth_enabled"] is False
    assert_authentication_failed(passkey_sign_in(api, pk_project, authenticator), "Passkey not found")
    # Server PATCH by id works the same; false without a passkey is harmless.
    body = assert_json(api.patch(f"{V1}/users/{user['user_id']}", headers=api.headers("server", pk_project),
                                 json={"passkey_auth_enabled": False}))
    assert body["passkey_auth_enabled"] is False


def test_deleting_the_user_deletes_the_passkey(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    r = api.delete(f"{V1}/users/{user['user_id']}", headers=api.headers("server", pk_project))
    assert r.status_code == 200, r.text
    assert_authentication_failed(passkey_sign_in(api, pk_project, authenticator), "Passkey not found")


def test_trusted_domain_origin(api, pk_project):
    user = signed_up(api, pk_project)  # (its callback URL is on localhost)
    set_config(api, pk_project, allow_localhost=False,
               domains=[{"domain": "https://app.example.com", "handler_path": "/handler"},
                        {"domain": "http://dev.example.com:8080", "handler_path": "/handler"}])
    for origin in ("https://app.example.com", "http://dev.example.com:8080"):
        authenticator = SoftAuthenticator(origin=origin)
        registered(api, pk_project, user, authenticator)
        assert_signed_in(api, pk_project, passkey_sign_in(api, pk_project, authenticator), user["user_id"])


def test_passkey_sign_in_asks_for_mfa(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    secret = mfa_helpers.enroll(api, pk_project, user)
    sessions_before = assert_json(api.get(f"{V1}/auth/sessions", headers=api.headers("server", pk_project),
                                          params={"user_id": user["user_id"]}))["items"]
    r = passkey_sign_in(api, pk_project, authenticator)
    body = assert_known_error(r, 400, "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
                              "Multi-factor authentication is required for this user.", details=ANY)
    attempt = body["details"]["attempt_code"]
    sessions_after = assert_json(api.get(f"{V1}/auth/sessions", headers=api.headers("server", pk_project),
                                         params={"user_id": user["user_id"]}))["items"]
    assert len(sessions_after) == len(sessions_before)
    done = assert_json(mfa_helpers.mfa_sign_in(api, pk_project, attempt, mfa_helpers.current_totp(api, secret)))
    assert done["user_id"] == user["user_id"] and done["is_new_user"] is False


# --- passkey_enabled ------------------------------------------------------------------


def test_passkeys_not_enabled(api, project):
    user = signed_up(api, project)
    r = api.post(INIT_REG, headers=user_headers(api, project, user), json={})
    assert_known_error(r, 400, "PASSKEY_AUTHENTICATION_NOT_ENABLED", NOT_ENABLED)
    assert_known_error(api.post(INIT_AUTH, headers=api.headers("client", project), json={}), 400,
                       "PASSKEY_AUTHENTICATION_NOT_ENABLED", NOT_ENABLED)

    # register / sign-in check it only after the code was used (§5): get
    # codes while enabled, then switch passkeys off.
    set_config(api, project, passkey_enabled=True)
    authenticator = SoftAuthenticator()
    registered(api, project, user, authenticator)
    reg = initiate_registration(api, project, user)
    auth = initiate_authentication(api, project)
    set_config(api, project, passkey_enabled=False)
    credential = SoftAuthenticator().create(reg["options_json"])
    assert_known_error(register(api, project, user, credential, reg["code"]), 400,
                       "PASSKEY_AUTHENTICATION_NOT_ENABLED", NOT_ENABLED)
    assertion = authenticator.get(auth["options_json"])
    assert_known_error(sign_in(api, project, assertion, auth["code"]), 400,
                       "PASSKEY_AUTHENTICATION_NOT_ENABLED", NOT_ENABLED)
    # Both codes were consumed by those attempts.
    set_config(api, project, passkey_enabled=True)
    assert_code_used(register(api, project, user, credential, reg["code"]))
    assert_code_used(sign_in(api, project, assertion, auth["code"]))
    # Invalid codes are reported before the switch.
    set_config(api, project, passkey_enabled=False)
    assert_code_not_found(register(api, project, user, credential, "nope"))
    assert_code_not_found(sign_in(api, project, assertion, "nope"))


# --- origin / RP ID -------------------------------------------------------------------


def test_localhost_origin_needs_allow_localhost(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    set_config(api, pk_project, allow_localhost=False)
    challenge = initiate_registration(api, pk_project, user)
    r = register(api, pk_project, user, SoftAuthenticator().create(challenge["options_json"]), challenge["code"])
    assert_authentication_failed(r, "Passkey registration failed because localhost is not allowed")
    r = passkey_sign_in(api, pk_project, authenticator)
    assert_authentication_failed(r, "Passkey authentication failed because localhost is not allowed")


@pytest.mark.parametrize("origin", [
    "https://evil.example.com", "http://127.0.0.1:3000", "http://app.localhost:3000",
    "https://app.example.com/", "not a url",
])
def test_untrusted_origins(api, pk_project, origin):
    set_config(api, pk_project, domains=[{"domain": "https://app.example.com", "handler_path": "/h"}])
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    challenge = initiate_registration(api, pk_project, user)
    credential = SoftAuthenticator().create(challenge["options_json"], origin=origin, rp_id="localhost")
    assert_authentication_failed(register(api, pk_project, user, credential, challenge["code"]),
                                 "Passkey registration failed because the origin is not allowed")
    r = passkey_sign_in(api, pk_project, authenticator, origin=origin)
    assert_authentication_failed(r, "Passkey authentication failed because the origin is not allowed")


# --- tampered registrations --------------------------------------------------------------


@pytest.mark.parametrize("tamper", [
    {"fmt": "packed", "break_signature": True},  # attestation signature
    {"rp_id": "example.com"},                     # RP ID hash of another RP
    {"challenge": b64url(b"another challenge!!")},
    {"type_": "webauthn.get"},
    {"flags": FLAG_UV | FLAG_AT},                 # user not present
    {"flags": FLAG_UP | FLAG_UV},                 # no attested credential
    {"fmt": "fido-u2f"},
])
def test_tampered_registration(api, pk_project, tamper):
    user = signed_up(api, pk_project)
    challenge = initiate_registration(api, pk_project, user)
    credential = SoftAuthenticator().create(challenge["options_json"], **tamper)
    assert_registration_failed(register(api, pk_project, user, credential, challenge["code"]))
    assert me(api, pk_project, user)["passkey_auth_enabled"] is False


def test_tampered_registration_fields(api, pk_project):
    user = signed_up(api, pk_project)
    cases = [
        lambda c: c.update(type="password"),
        lambda c: c.update(rawId=b64url(b"other id")),
        lambda c: c["response"].update(attestationObject="!!!"),
        lambda c: c["response"].update(attestationObject=b64url(b"\xa1")),
        lambda c: c["response"].update(clientDataJSON=b64url(b"not json")),
        lambda c: c["response"].update(clientDataJSON=b64url(b"[" * 10000 + b"]" * 10000)),
    ]
    for mutate in cases:
        challenge = initiate_registration(api, pk_project, user)
        credential = SoftAuthenticator().create(challenge["options_json"])
        mutate(credential)
        assert_registration_failed(register(api, pk_project, user, credential, challenge["code"]))


def test_registration_challenge_belongs_to_its_user(api, pk_project):
    alice = signed_up(api, pk_project)
    mallory = signed_up(api, pk_project)
    challenge = initiate_registration(api, pk_project, alice)
    credential = SoftAuthenticator().create(challenge["options_json"])
    assert_registration_failed(register(api, pk_project, mallory, credential, challenge["code"]))


def test_credential_id_of_another_user_is_refused(api, pk_project):
    alice = signed_up(api, pk_project)
    mallory = signed_up(api, pk_project)
    alice_key = SoftAuthenticator()
    alice_id = registered(api, pk_project, alice, alice_key)
    challenge = initiate_registration(api, pk_project, mallory)
    credential = SoftAuthenticator().create(challenge["options_json"], credential_id=b64url_decode(alice_id))
    assert_registration_failed(register(api, pk_project, mallory, credential, challenge["code"]))
    assert_signed_in(api, pk_project, passkey_sign_in(api, pk_project, alice_key), alice["user_id"])


# --- tampered assertions --------------------------------------------------------------------


@pytest.mark.parametrize("tamper", [
    {"break_signature": True},
    {"tamper_after_signing": True},
    {"rp_id": "example.com"},
    {"challenge": b64url(b"another challenge!!")},
    {"type_": "webauthn.create"},
    {"flags": FLAG_UV},                 # user not present
    {"user_handle": b64url(b"someone else")},
    {"user_handle": None},
])
def test_tampered_assertion(api, pk_project, tamper):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    assert_authentication_failed(passkey_sign_in(api, pk_project, authenticator, **tamper))
    # The genuine authenticator still signs in afterwards.
    assert_signed_in(api, pk_project, passkey_sign_in(api, pk_project, authenticator), user["user_id"])


def test_counter_regression_is_refused(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    assert_signed_in(api, pk_project, passkey_sign_in(api, pk_project, authenticator, counter=7), user["user_id"])
    for counter in (7, 6, 0):  # a cloned authenticator replays old counters
        assert_authentication_failed(passkey_sign_in(api, pk_project, authenticator, counter=counter))
    assert_signed_in(api, pk_project, passkey_sign_in(api, pk_project, authenticator, counter=8), user["user_id"])


def test_another_keys_signature_is_refused(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    impostor = SoftAuthenticator()
    impostor.create(initiate_registration(api, pk_project, user)["options_json"])  # never registered
    impostor.credential.credential_id = authenticator.credential.credential_id
    assert_authentication_failed(passkey_sign_in(api, pk_project, impostor))


def test_unknown_credential(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    authenticator.create(initiate_registration(api, pk_project, user)["options_json"])  # not registered
    assert_authentication_failed(passkey_sign_in(api, pk_project, authenticator), "Passkey not found")


def test_passkeys_are_per_project(api, pk_project, make_project):
    other = make_project()
    set_config(api, other, passkey_enabled=True)
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    assert_authentication_failed(passkey_sign_in(api, other, authenticator), "Passkey not found")


# --- challenge codes ---------------------------------------------------------------------------


def test_challenge_codes_are_single_use(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    challenge = initiate_registration(api, pk_project, user)
    credential = authenticator.create(challenge["options_json"])
    assert_json(register(api, pk_project, user, credential, challenge["code"]))
    assert_code_used(register(api, pk_project, user, credential, challenge["code"]))

    auth = initiate_authentication(api, pk_project)
    assertion = authenticator.get(auth["options_json"])
    assert_signed_in(api, pk_project, sign_in(api, pk_project, assertion, auth["code"]), user["user_id"])
    assert_code_used(sign_in(api, pk_project, assertion, auth["code"]))  # replayed assertion

    # A failed verification burns the code too (used before verifying, §0.1).
    auth = initiate_authentication(api, pk_project)
    assert_authentication_failed(sign_in(api, pk_project, authenticator.get(auth["options_json"],
                                                                             break_signature=True),
                                         auth["code"]))
    assert_code_used(sign_in(api, pk_project, authenticator.get(auth["options_json"]), auth["code"]))


def test_challenge_codes_expire_after_65_seconds(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    reg = initiate_registration(api, pk_project, user)
    auth = initiate_authentication(api, pk_project)
    api.advance_clock(CHALLENGE_LIFETIME_MS - 5_000)
    reg_ok = initiate_registration(api, pk_project, user)  # still fresh, for the success check below
    api.advance_clock(6_000)
    assert_code_expired(register(api, pk_project, user, SoftAuthenticator().create(reg["options_json"]),
                                 reg["code"]))
    assert_code_expired(sign_in(api, pk_project, authenticator.get(auth["options_json"]), auth["code"]))
    assert_json(register(api, pk_project, user, SoftAuthenticator().create(reg_ok["options_json"]),
                         reg_ok["code"]))


def test_challenge_codes_are_typed(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    reg = initiate_registration(api, pk_project, user)
    auth = initiate_authentication(api, pk_project)
    # A registration code is no authentication code and vice versa.
    assert_code_not_found(sign_in(api, pk_project, authenticator.get(reg["options_json"]), reg["code"]))
    assert_code_not_found(register(api, pk_project, user, SoftAuthenticator().create(reg["options_json"]),
                                   auth["code"]))
    # Codes are case-insensitive (lower-cased first, §0.1) and any length is
    # accepted by the schema: short ones are simply not found.
    assert_signed_in(api, pk_project, sign_in(api, pk_project, authenticator.get(auth["options_json"]),
                                              auth["code"].upper()), user["user_id"])
    for code in ("", "x", "0" * 45, "0" * 300):
        assert_code_not_found(sign_in(api, pk_project, authenticator.get(auth["options_json"]), code))


def test_codes_of_another_project_are_not_found(api, pk_project, make_project):
    other = make_project()
    set_config(api, other, passkey_enabled=True)
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    auth = initiate_authentication(api, other)
    assert_code_not_found(sign_in(api, pk_project, authenticator.get(auth["options_json"]), auth["code"]))


# --- bad requests -------------------------------------------------------------------------------


def test_register_requires_a_user(api, pk_project):
    user = signed_up(api, pk_project)
    challenge = initiate_registration(api, pk_project, user)
    credential = SoftAuthenticator().create(challenge["options_json"])
    h = api.headers("client", pk_project)
    assert_schema_error(api.post(INIT_REG, headers=h, json={}), "POST", INIT_REG, ["auth.user must be defined"])
    r = api.post(REGISTER, headers=h, json={"credential": credential, "code": challenge["code"]})
    assert_schema_error(r, "POST", REGISTER, ["auth.user must be defined"])
    # The code was not touched: the signed-in user can still use it.
    assert_json(register(api, pk_project, user, credential, challenge["code"]))


def test_register_schema_errors(api, pk_project):
    user = signed_up(api, pk_project)
    h = user_headers(api, pk_project, user)
    m, p = "POST", REGISTER
    assert_schema_error(api.post(p, headers=h), m, p, ["body must be defined"])
    assert_schema_error(api.post(p, headers=h, json={}), m, p,
                        ["body.credential must be defined", "body.code must be defined"])
    assert_schema_error_contains(api.post(p, headers=h, json={"credential": "x", "code": "c"}), m, p)
    assert_schema_error(api.post(p, headers=h, json={"credential": {}, "code": "c"}), m, p, [
        "body.credential.id must be defined", "body.credential.rawId must be defined",
        "body.credential.type must be defined", "body.credential.response must be defined"])
    cred = {"id": "a", "rawId": "a", "type": "public-key", "response": {"transports": [1, {}]}}
    r = api.post(p, headers=h, json={"credential": cred, "code": "c"})
    assert_schema_error_contains(r, m, p, ["body.credential.response.clientDataJSON must be defined",
                                           "body.credential.response.attestationObject must be defined"])
    assert "body.credential.response.transports[1]" in r.json()["error"]
    r = api.post(p, headers=h, json={"credential": SoftAuthenticator().create(
        initiate_registration(api, pk_project, user)["options_json"]), "code": "c", "extra": 1})
    assert_schema_error(r, m, p, ["body contains unknown properties: extra"])
    assert_schema_error_contains(api.post(p, headers=h, json={"credential": cred, "code": None}), m, p,
                                 ["body.code cannot be null"])


def test_sign_in_schema_errors(api, pk_project):
    h = api.headers("client", pk_project)
    m, p = "POST", SIGN_IN
    assert_schema_error(api.post(p, headers=h), m, p, ["body must be defined"])
    assert_schema_error(api.post(p, headers=h, json={}), m, p,
                        ["body.authentication_response must be defined", "body.code must be defined"])
    ar = {"id": "a", "rawId": "a", "type": "public-key", "response": {}}
    assert_schema_error(api.post(p, headers=h, json={"authentication_response": ar, "code": "c"}), m, p, [
        "body.authentication_response.response.clientDataJSON must be defined",
        "body.authentication_response.response.authenticatorData must be defined",
        "body.authentication_response.response.signature must be defined"])
    assert_schema_error_contains(api.post(p, headers=h, json={"authentication_response": [], "code": "c"}), m, p)
    # A null userHandle is allowed by the schema (and refused by verification).
    ar["response"] = {"clientDataJSON": "", "authenticatorData": "", "signature": "", "userHandle": None}
    assert_code_not_found(api.post(p, headers=h, json={"authentication_response": ar, "code": "c"}))


def test_header_auth(api, pk_project):
    user = signed_up(api, pk_project)
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    reg = initiate_registration(api, pk_project, user)
    auth = initiate_authentication(api, pk_project)
    credential = SoftAuthenticator().create(reg["options_json"])
    assertion = authenticator.get(auth["options_json"])
    for path, body in ((INIT_REG, {}), (INIT_AUTH, {}),
                       (REGISTER, {"credential": credential, "code": reg["code"]}),
                       (SIGN_IN, {"authentication_response": assertion, "code": auth["code"]})):
        check_header_auth_matrix(api, pk_project, lambda h, p=path, b=body: api.post(p, headers=h, json=b),
                                 token_user=user["user_id"])
    # None of those calls used the codes.
    assert_signed_in(api, pk_project, sign_in(api, pk_project, assertion, auth["code"]), user["user_id"])
    assert_json(register(api, pk_project, user, credential, reg["code"]))


def test_never_a_server_error_on_garbage(api, pk_project):
    user = signed_up(api, pk_project)
    h = user_headers(api, pk_project, user)
    garbage = ["", "A", "!!!", b64url(b"\x00" * 64), b64url(b"\xff" * 300), b64url(b"\x9f" * 5000),
               b64url(b"\x81" * 50000 + b"\x01"), b64url(b"\xbb" + b"\xff" * 8)]
    for g in garbage:
        challenge = initiate_registration(api, pk_project, user)
        cred = {"id": "AAAA", "rawId": "AAAA", "type": "public-key",
                "response": {"clientDataJSON": g, "attestationObject": g}}
        r = api.post(REGISTER, headers=h, json={"credential": cred, "code": challenge["code"]})
        assert_registration_failed(r)
        challenge = initiate_registration(api, pk_project, user)
        credential = SoftAuthenticator().create(challenge["options_json"])
        credential["response"]["attestationObject"] = g
        assert_registration_failed(register(api, pk_project, user, credential, challenge["code"]))
    authenticator = SoftAuthenticator()
    registered(api, pk_project, user, authenticator)
    for g in garbage:
        auth = initiate_authentication(api, pk_project)
        assertion = authenticator.get(auth["options_json"])
        assertion["response"]["authenticatorData"] = g
        assert_authentication_failed(sign_in(api, pk_project, assertion, auth["code"]))
        auth = initiate_authentication(api, pk_project)
        assertion = authenticator.get(auth["options_json"])
        assertion["response"]["signature"] = g
        assert_authentication_failed(sign_in(api, pk_project, assertion, auth["code"]))


def test_unique_user_handles(api, pk_project):
    # Two users' handles differ (each is the user's own id).
    a = initiate_registration(api, pk_project, signed_up(api, pk_project))["options_json"]["user"]["id"]
    b = initiate_registration(api, pk_project, signed_up(api, pk_project))["options_json"]["user"]["id"]
    assert a != b
    assert uuid.UUID(b64url_decode(a).decode())
