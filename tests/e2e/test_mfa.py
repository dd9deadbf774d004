"""MFA with TOTP (spec/auth-endpoints.md §0.3, §4, errors.md §3.11): enrolment
through PATCH /users/me, the MULTI_FACTOR_AUTHENTICATION_REQUIRED answer of
the sign-in paths, POST /auth/mfa/sign-in, and what Latchkey adds: a TOTP
code signs a user in only once. The server's test clock moves time.
"""
from __future__ import annotations

import base64
import uuid

from auth_helpers import (
    check_header_auth_matrix,
    set_config,
    sign_in as password_sign_in,
    signed_up,
)
from email_fixtures import (  # noqa: F401 (fixtures)
    mail_api,
    mail_project,
    mail_server,
    make_mail_project,
    smtp_sink,
)
from latchkey_e2e import (
    ANY,
    assert_json,
    assert_known_error,
    assert_schema_error,
    assert_schema_error_contains,
)
from mfa_helpers import (
    MFA_SIGN_IN,
    STEP_MS,
    current_totp,
    enroll,
    hotp,
    mfa_sign_in,
    next_step,
    settle_in_step,
)

V1 = "/api/v1"
ME = f"{V1}/users/me"
MFA_REQUIRED = "Multi-factor authentication is required for this user."
INVALID_TOTP = "The TOTP code is invalid. Please try again."
ATTEMPT_LIFETIME_MS = 5 * 60 * 1000
# RFC 6238's SHA-1 key, "12345678901234567890".
RFC_SECRET_B64 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="
OTP_CALLBACK = "http://localhost:12345/mfa-callback"


def attempt_code(r) -> str:
    body = assert_known_error(r, 400, "MULTI_FACTOR_AUTHENTICATION_REQUIRED", MFA_REQUIRED, details=ANY)
    assert list(body["details"]) == ["attempt_code"]
    code = body["details"]["attempt_code"]
    assert isinstance(code, str) and len(code) == 45
    return code


def mfa_user(api, project):
    """A signed-up user with MFA on; returns (user, secret)."""
    user = signed_up(api, project)
    return user, enroll(api, project, user)


def password_attempt(api, project, user) -> str:
    return attempt_code(password_sign_in(api, project, user["email"]))


def assert_invalid_totp(r):
    assert_known_error(r, 400, "INVALID_TOTP_CODE", INVALID_TOTP)


def assert_signed_in(api, project, r, user_id, is_new_user=False) -> dict:
    body = assert_json(r)
    assert list(body) == ["access_token", "refresh_token", "user_id", "is_new_user"]
    assert body["user_id"] == user_id and body["is_new_user"] is is_new_user
    me = assert_json(api.get(ME, headers=api.headers("client", project, access_token=body["access_token"])))
    assert me["id"] == user_id
    return body


def sessions(api, project, user_id) -> list:
    return assert_json(api.get(f"{V1}/auth/sessions", headers=api.headers("server", project),
                               params={"user_id": user_id}))["items"]


# --- the happy path ------------------------------------------------------------------------


def test_enrol_then_password_sign_in_with_totp(api, project):
    user = signed_up(api, project)
    assert assert_json(api.get(ME, headers=api.headers("client", project, access_token=user["access_token"])))[
        "requires_totp_mfa"] is False
    secret = enroll(api, project, user)
    before = sessions(api, project, user["user_id"])
    code = password_attempt(api, project, user)
    assert len(sessions(api, project, user["user_id"])) == len(before)  # no session yet
    body = assert_signed_in(api, project, mfa_sign_in(api, project, code, current_totp(api, secret)),
                            user["user_id"])
    assert len(sessions(api, project, user["user_id"])) == len(before) + 1
    # The refresh token is a real session's.
    r = api.post(f"{V1}/auth/sessions/current/refresh",
                 headers=api.headers("client", project, refresh_token=body["refresh_token"]))
    assert list(assert_json(r)) == ["access_token"]


def test_rfc_secret_and_server_access(api, project):
    user = signed_up(api, project)
    r = api.patch(f"{V1}/users/{user['user_id']}", headers=api.headers("server", project),
                  json={"totp_secret_base64": RFC_SECRET_B64})
    assert assert_json(r)["requires_totp_mfa"] is True
    code = password_attempt(api, project, user)
    totp = current_totp(api, base64.b64decode(RFC_SECRET_B64))
    assert_signed_in(api, project, mfa_sign_in(api, project, code, totp, access="server"), user["user_id"])


def test_disabling_mfa(api, project):
    user, _ = mfa_user(api, project)
    password_attempt(api, project, user)
    r = api.patch(ME, headers=api.headers("client", project, access_token=user["access_token"]),
                  json={"totp_secret_base64": None})
    assert assert_json(r)["requires_totp_mfa"] is False
    assert list(assert_json(password_sign_in(api, project, user["email"]))) == [
        "access_token", "refresh_token", "user_id"]


def test_secret_removed_during_the_attempt(api, project):
    user, secret = mfa_user(api, project)
    code = password_attempt(api, project, user)
    totp = current_totp(api, secret)
    r = api.patch(f"{V1}/users/{user['user_id']}", headers=api.headers("server", project),
                  json={"totp_secret_base64": None})
    assert r.status_code == 200, r.text
    assert_invalid_totp(mfa_sign_in(api, project, code, totp))


def otp_sign_in(api, project, sink, address):
    r = api.post(f"{V1}/auth/otp/send-sign-in-code", headers=api.headers("client", project),
                 json={"email": address, "callback_url": OTP_CALLBACK})
    nonce = assert_json(r)["nonce"]
    code = sink.last(address).otp + nonce
    return api.post(f"{V1}/auth/otp/sign-in", headers=api.headers("client", project), json={"code": code})


def test_otp_sign_in_asks_for_mfa(mail_api, mail_project, smtp_sink):  # noqa: F811
    address = f"mfa-{uuid.uuid4().hex[:12]}@example.com"
    first = assert_json(otp_sign_in(mail_api, mail_project, smtp_sink, address))
    assert first["is_new_user"] is True
    secret = enroll(mail_api, mail_project, first)
    code = attempt_code(otp_sign_in(mail_api, mail_project, smtp_sink, address))
    r = mfa_sign_in(mail_api, mail_project, code, current_totp(mail_api, secret))
    assert_signed_in(mail_api, mail_project, r, first["user_id"], is_new_user=False)


# --- wrong, reused and stale TOTP codes ----------------------------------------------------


def test_wrong_totp_does_not_consume_the_attempt(api, project):
    user, secret = mfa_user(api, project)
    code = password_attempt(api, project, user)
    right = current_totp(api, secret)
    wrong = "000000" if right != "000000" else "111111"
    for bad in (wrong, right[:5], right + "0", " " + right, f"{int(right) + 1000000}", "abcdef", ""):
        assert_invalid_totp(mfa_sign_in(api, project, code, bad))
    assert_signed_in(api, project, mfa_sign_in(api, project, code, current_totp(api, secret)), user["user_id"])


def test_only_the_current_step_is_accepted(api, project):
    user, secret = mfa_user(api, project)
    code = password_attempt(api, project, user)
    step = settle_in_step(api)
    assert_invalid_totp(mfa_sign_in(api, project, code, hotp(secret, step - 1)))
    assert_invalid_totp(mfa_sign_in(api, project, code, hotp(secret, step + 1)))
    assert_invalid_totp(mfa_sign_in(api, project, code, hotp(b"another secret", step)))
    assert_signed_in(api, project, mfa_sign_in(api, project, code, hotp(secret, step)), user["user_id"])


def test_a_code_whose_step_passed_is_refused(api, project):
    user, secret = mfa_user(api, project)
    code = password_attempt(api, project, user)
    totp = current_totp(api, secret)
    next_step(api)
    assert_invalid_totp(mfa_sign_in(api, project, code, totp))
    assert_signed_in(api, project, mfa_sign_in(api, project, code, current_totp(api, secret)), user["user_id"])


def test_a_totp_code_signs_in_only_once(api, project):
    user, secret = mfa_user(api, project)
    first = password_attempt(api, project, user)
    totp = current_totp(api, secret)
    assert_signed_in(api, project, mfa_sign_in(api, project, first, totp), user["user_id"])
    # The same code within the same step, with a new attempt: refused.
    second = password_attempt(api, project, user)
    assert_invalid_totp(mfa_sign_in(api, project, second, totp))
    # The next step's code works with that attempt.
    next_step(api)
    assert_signed_in(api, project, mfa_sign_in(api, project, second, current_totp(api, secret)), user["user_id"])


def test_totp_steps_are_per_user(api, project):
    # Two users sharing a secret (imported) do not block each other.
    secret = b"shared secret bytes!"
    a, b = signed_up(api, project), signed_up(api, project)
    enroll(api, project, a, secret)
    enroll(api, project, b, secret)
    code_a, code_b = password_attempt(api, project, a), password_attempt(api, project, b)
    totp = current_totp(api, secret)
    assert_signed_in(api, project, mfa_sign_in(api, project, code_a, totp), a["user_id"])
    assert_signed_in(api, project, mfa_sign_in(api, project, code_b, totp), b["user_id"])


# --- the attempt code ---------------------------------------------------------------------------


def test_attempt_code_is_single_use(api, project):
    user, secret = mfa_user(api, project)
    code = password_attempt(api, project, user)
    assert_signed_in(api, project, mfa_sign_in(api, project, code, current_totp(api, secret)), user["user_id"])
    next_step(api)
    assert_known_error(mfa_sign_in(api, project, code, current_totp(api, secret)), 409,
                       "VERIFICATION_CODE_ALREADY_USED", "The verification link has already been used.")


def test_attempt_code_expires_after_five_minutes(api, project):
    user, secret = mfa_user(api, project)
    code = password_attempt(api, project, user)
    api.advance_clock(ATTEMPT_LIFETIME_MS - 10_000)
    still_valid = password_attempt(api, project, user)
    api.advance_clock(11_000)
    assert_known_error(mfa_sign_in(api, project, code, current_totp(api, secret)), 400,
                       "VERIFICATION_CODE_EXPIRED", "The verification code has expired.")
    assert_signed_in(api, project, mfa_sign_in(api, project, still_valid, current_totp(api, secret)),
                     user["user_id"])


def test_attempt_code_allows_twenty_tries(api, project):
    user, secret = mfa_user(api, project)
    code = password_attempt(api, project, user)
    for _ in range(20):
        assert_invalid_totp(mfa_sign_in(api, project, code, "000000"
                                        if current_totp(api, secret) != "000000" else "111111"))
    # The 21st request fails even with the right code (§0.1 step 7).
    assert_known_error(mfa_sign_in(api, project, code, current_totp(api, secret)), 400,
                       "VERIFICATION_CODE_MAX_ATTEMPTS_REACHED",
                       "The verification code nonce has reached the maximum number of attempts. "
                       "This code is not valid anymore.")
    # A new sign-in gives a fresh attempt code.
    assert_signed_in(api, project, mfa_sign_in(api, project, password_attempt(api, project, user),
                                               current_totp(api, secret)), user["user_id"])


def test_unknown_and_foreign_codes(api, project, make_project):
    user, secret = mfa_user(api, project)
    totp = current_totp(api, secret)
    not_found = ("VERIFICATION_CODE_NOT_FOUND", "The verification code does not exist for this project.")
    assert_known_error(mfa_sign_in(api, project, "0" * 45, totp), 404, *not_found)
    # An attempt code of another project is not found here.
    other = make_project()
    other_user, _ = mfa_user(api, other)
    other_code = password_attempt(api, other, other_user)
    assert_known_error(mfa_sign_in(api, project, other_code, totp), 404, *not_found)
    # A passkey challenge code (another type) is not an attempt code.
    set_config(api, project, passkey_enabled=True)
    challenge = assert_json(api.post(f"{V1}/auth/passkey/initiate-passkey-authentication",
                                     headers=api.headers("client", project), json={}))
    assert_known_error(mfa_sign_in(api, project, challenge["code"], totp), 404, *not_found)
    # Codes are case-insensitive.
    code = password_attempt(api, project, user)
    assert_signed_in(api, project, mfa_sign_in(api, project, code.upper(), totp), user["user_id"])


def test_otp_sign_in_does_not_accept_an_attempt_code(api, project):
    user, _ = mfa_user(api, project)
    code = password_attempt(api, project, user)
    r = api.post(f"{V1}/auth/otp/sign-in", headers=api.headers("client", project), json={"code": code})
    assert_known_error(r, 404, "VERIFICATION_CODE_NOT_FOUND", ANY)


# --- bad requests --------------------------------------------------------------------------------


def test_schema_errors(api, project):
    h = api.headers("client", project)
    m, p = "POST", MFA_SIGN_IN
    assert_schema_error(api.post(p, headers=h), m, p, ["body must be defined"])
    assert_schema_error(api.post(p, headers=h, json={}), m, p, [
        "body.code must be defined", "body.type must be defined", "body.totp must be defined"])
    r = api.post(p, headers=h, json={"code": "short", "type": "sms", "totp": "123456"})
    assert_schema_error(r, m, p, ["body.code must be exactly 45 characters",
                                  "body.type must be one of the following values: totp"])
    r = api.post(p, headers=h, json={"code": "0" * 45, "type": "totp", "totp": "123456", "x": 1})
    assert_schema_error(r, m, p, ["body contains unknown properties: x"])
    r = api.post(p, headers=h, json={"code": "0" * 45, "type": "totp", "totp": {}})
    assert_schema_error_contains(r, m, p)
    r = api.post(p, headers=h, json={"code": "0" * 45, "type": "totp", "totp": None})
    assert_schema_error(r, m, p, ["body.totp cannot be null"])


def test_no_check_code_route(api, project):
    r = api.post(f"{MFA_SIGN_IN}/check-code", headers=api.headers("client", project),
                 json={"code": "0" * 45, "type": "totp", "totp": "123456"})
    assert r.status_code == 404


def test_header_auth(api, project):
    user, secret = mfa_user(api, project)
    code = password_attempt(api, project, user)
    totp = current_totp(api, secret)
    body = {"code": code, "type": "totp", "totp": totp}
    check_header_auth_matrix(api, project, lambda h: api.post(MFA_SIGN_IN, headers=h, json=body),
                             token_user=user["user_id"])
    # Requests refused by header auth never reach the code: it still works.
    assert_signed_in(api, project, mfa_sign_in(api, project, code, current_totp(api, secret)), user["user_id"])


def test_step_length_is_thirty_seconds(api, project):
    # Advancing by exactly one step changes the expected code.
    user, secret = mfa_user(api, project)
    code = password_attempt(api, project, user)
    totp = current_totp(api, secret)
    api.advance_clock(STEP_MS)
    fresh = current_totp(api, secret)
    if fresh != totp:  # (1 in a million: both steps have the same code)
        assert_invalid_totp(mfa_sign_in(api, project, code, totp))
    assert_signed_in(api, project, mfa_sign_in(api, project, code, fresh), user["user_id"])
