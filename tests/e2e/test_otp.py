"""OTP / magic-link sign-in (spec/auth-endpoints.md §0.1, §0.2, §2) against a
server that delivers to a real SMTP sink (email_fixtures.py), including the
Python docs' send_otp_code / verify_otp_code exactly as written in the seed.
"""
from __future__ import annotations

import email.utils
import re
import uuid

import pytest
import requests

from auth_helpers import (
    STRICT_EMAIL_LINE,
    assert_email_exists,
    assert_error,
    check_header_auth_matrix,
    sign_in as password_sign_in,
    sign_up as password_sign_up,
)
from email_fixtures import (  # noqa: F401 (fixtures)
    SENDER,
    mail_api,
    mail_project,
    mail_server,
    make_mail_project,
    set_config,
    smtp_sink,
)
from latchkey_e2e import (
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_schema_error,
    assert_schema_error_contains,
)

V1 = "/api/v1"
SEND = f"{V1}/auth/otp/send-sign-in-code"
SIGN_IN = f"{V1}/auth/otp/sign-in"
CHECK = f"{V1}/auth/otp/sign-in/check-code"
ME = f"{V1}/users/me"
CALLBACK = "http://localhost:12345/some-callback-url"
SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000
CODE_RE = re.compile(r"^[0-9a-hjkmnp-tv-z]{45}$")


def new_email() -> str:
    return f"otp-{uuid.uuid4().hex[:12]}@example.com"


def send(api, project, address, callback=CALLBACK, access="client", **headers):
    return api.post(SEND, headers=api.headers(access, project, **headers),
                    json={"email": address, "callback_url": callback})


def sent_code(api, project, sink, address, callback=CALLBACK) -> tuple:
    """Sends a sign-in code; returns (nonce, mail)."""
    r = send(api, project, address, callback)
    body = assert_json(r)
    assert list(body) == ["nonce"]
    mails = sink.to(address)
    assert mails, f"no e-mail to {address}"
    return body["nonce"], mails[-1]


def sign_in(api, project, code, access="client"):
    return api.post(SIGN_IN, headers=api.headers(access, project), json={"code": code})


def check(api, project, code, access="client"):
    return api.post(CHECK, headers=api.headers(access, project), json={"code": code})


def signed_in(api, project, code) -> dict:
    body = assert_json(sign_in(api, project, code))
    assert list(body) == ["access_token", "refresh_token", "user_id", "is_new_user"]
    return body


def me(api, project, access_token) -> dict:
    return assert_json(api.get(ME, headers=api.headers("server", project, access_token=access_token)))


def wrong_otp(code: str) -> str:
    otp = "000000" if code[:6] != "000000" else "111111"
    return otp + code[6:]


def assert_not_found(r):
    assert_known_error(r, 404, "VERIFICATION_CODE_NOT_FOUND",
                       "The verification code does not exist for this project.")


def assert_used(r):
    assert_known_error(r, 409, "VERIFICATION_CODE_ALREADY_USED",
                       "The verification link has already been used.")


# --- the flow ------------------------------------------------------------------


def test_send_code_mail_and_sign_up(mail_api, mail_project, smtp_sink):
    address = new_email()
    nonce, mail = sent_code(mail_api, mail_project, smtp_sink, address)
    assert len(nonce) == 39 and re.match(r"^[0-9a-hjkmnp-tv-z]{39}$", nonce)

    # Envelope and headers (emails.md §3).
    assert mail.rcpt_tos == [address]
    assert mail.mail_from == SENDER
    assert email.utils.parseaddr(mail.from_header) == (mail_project.display_name, SENDER)
    assert email.utils.parseaddr(mail.to_header) == ("", address)
    otp = mail.otp
    assert re.match(r"^[0-9A-HJKMNP-TV-Z]{6}$", otp)
    assert mail.subject == f"Sign in to {mail_project.display_name}: Your code is {otp}"

    # The link carries the whole code; OTP + nonce is the same code.
    code = mail.link_code(CALLBACK)
    assert CODE_RE.match(code)
    assert code[:6].upper() == otp and code[6:] == nonce
    assert f"\n{otp}\n" in mail.text
    assert "This is your one-time-password for signing in:" in mail.text
    assert "If you were not expecting this email, you can safely ignore it." in mail.text
    assert code in mail.html and otp in mail.html

    body = signed_in(mail_api, mail_project, code)
    assert body["is_new_user"] is True
    user = me(mail_api, mail_project, body["access_token"])
    assert user["id"] == body["user_id"]
    assert user["primary_email"] == address
    assert user["primary_email_verified"] is True
    assert user["primary_email_auth_enabled"] is True
    assert user["otp_auth_enabled"] is True
    assert user["auth_with_email"] is True
    assert user["has_password"] is False

    # Single use.
    assert_used(sign_in(mail_api, mail_project, code))


def test_otp_plus_nonce_and_two_outstanding_codes(mail_api, mail_project, smtp_sink):
    address = new_email()
    nonce1, mail1 = sent_code(mail_api, mail_project, smtp_sink, address)
    nonce2, mail2 = sent_code(mail_api, mail_project, smtp_sink, address)
    assert nonce1 != nonce2
    # Sending a new code does not invalidate the first; the typed OTP is
    # case-insensitive.
    first = signed_in(mail_api, mail_project, mail1.otp.lower() + nonce1)
    second = signed_in(mail_api, mail_project, mail2.otp + nonce2)
    assert first["is_new_user"] is True
    assert second["is_new_user"] is False
    assert first["user_id"] == second["user_id"]
    assert first["refresh_token"] != second["refresh_token"]


def test_check_code_does_not_consume(mail_api, mail_project, smtp_sink):
    _, mail = sent_code(mail_api, mail_project, smtp_sink, new_email())
    code = mail.link_code(CALLBACK)
    for _ in range(2):
        assert assert_json(check(mail_api, mail_project, code)) == {"is_code_valid": True}
    signed_in(mail_api, mail_project, code)
    assert_used(check(mail_api, mail_project, code))


def test_server_and_admin_access(mail_api, mail_project, smtp_sink):
    address = new_email()
    assert_json(send(mail_api, mail_project, address, access="server"))
    assert_json(send(mail_api, mail_project, address, access="admin"))
    mails = smtp_sink.to(address)
    assert len(mails) == 2
    assert signed_in(mail_api, mail_project, mails[0].link_code(CALLBACK))["is_new_user"] is True
    r = sign_in(mail_api, mail_project, mails[1].link_code(CALLBACK), access="admin")
    assert assert_json(r)["is_new_user"] is False


# --- the Python docs' functions, exactly as the seed has them ----------------


def test_seed_send_otp_code_and_verify_otp_code(mail_api, make_mail_project, smtp_sink):
    # The docs' example callback is https://yourapp.com/verify-otp: trust it.
    project = make_mail_project(
        magic_link_enabled=True,
        domains=[{"domain": "https://yourapp.com", "handler_path": "/handler"}])
    stack_project_id = project.id
    stack_publishable_client_key = project.keys["client"]
    stack_secret_server_key = project.keys["server"]
    base_url = mail_api.base_url

    # The seed's helper, with only the base URL changed.
    def stack_auth_request(method, endpoint, **kwargs):
        res = requests.request(
            method,
            f'{base_url}/{endpoint}',
            headers={
                'x-stack-access-type': 'server',  # or 'client' if you're only accessing the client API
                'x-stack-project-id': stack_project_id,
                'x-stack-publishable-client-key': stack_publishable_client_key,
                'x-stack-secret-server-key': stack_secret_server_key,  # not necessary if access type is 'client'
                **kwargs.pop('headers', {}),
            },
            **kwargs,
        )
        if res.status_code >= 400:
            raise Exception(f"Stack Auth API request failed with {res.status_code}: {res.text}")
        return res.json()

    # --- verbatim from the seed ---
    def send_otp_code(email, callback_url):
        """
        Send an OTP code to the user's email
        Returns a nonce that must be stored for verification
        """
        response = stack_auth_request('POST', 'api/v1/auth/otp/send-sign-in-code', json={
            'email': email,
            'callback_url': callback_url  # URL where user will complete sign-in
        })

        return response['nonce']

    def verify_otp_code(nonce, six_digit_code):
        """
        Verify the OTP code and complete sign-in
        The code parameter should be the 6-digit code + nonce concatenated
        Returns access_token, refresh_token, and user_id
        """
        # The verification code is the 6-digit code followed by the nonce
        verification_code = six_digit_code + nonce

        response = stack_auth_request('POST', 'api/v1/auth/otp/sign-in', json={
            'code': verification_code
        })

        return {
            'access_token': response['access_token'],
            'refresh_token': response['refresh_token'],
            'user_id': response['user_id'],
            'is_new_user': response['is_new_user']  # True if this was a sign-up
        }
    # --- end of the seed ---

    user_email = f"user-{uuid.uuid4().hex[:8]}@example.com"
    nonce = send_otp_code(user_email, "https://yourapp.com/verify-otp")
    mail = smtp_sink.last(user_email)
    assert mail.link_code("https://yourapp.com/verify-otp")[6:] == nonce
    first = verify_otp_code(nonce, mail.otp)
    assert first["is_new_user"] is True

    nonce = send_otp_code(user_email, "https://yourapp.com/verify-otp")
    second = verify_otp_code(nonce, smtp_sink.last(user_email).otp)
    assert second["is_new_user"] is False
    assert second["user_id"] == first["user_id"]

    # A wrong code raises as the docs' helper expects.
    with pytest.raises(Exception, match="VERIFICATION_CODE_NOT_FOUND"):
        verify_otp_code(send_otp_code(user_email, "https://yourapp.com/verify-otp"), "000000")


# --- code errors ---------------------------------------------------------------


def test_expired_code(mail_api, mail_project, smtp_sink):
    _, mail = sent_code(mail_api, mail_project, smtp_sink, new_email())
    code = mail.link_code(CALLBACK)
    mail_api.advance_clock(SEVEN_DAYS_MS + 60_000)
    assert_known_error(check(mail_api, mail_project, code), 400, "VERIFICATION_CODE_EXPIRED",
                       "The verification code has expired.")
    assert_known_error(sign_in(mail_api, mail_project, code), 400, "VERIFICATION_CODE_EXPIRED",
                       "The verification code has expired.")


def test_code_still_valid_just_before_expiry(mail_api, mail_project, smtp_sink):
    _, mail = sent_code(mail_api, mail_project, smtp_sink, new_email())
    mail_api.advance_clock(SEVEN_DAYS_MS - 60_000)
    assert signed_in(mail_api, mail_project, mail.link_code(CALLBACK))["is_new_user"] is True


def test_wrong_codes_up_to_the_attempt_limit(mail_api, mail_project, smtp_sink):
    nonce, mail = sent_code(mail_api, mail_project, smtp_sink, new_email())
    code = mail.link_code(CALLBACK)
    # 20 wrong OTPs for this nonce (both variants count) ...
    for i in range(20):
        call = check if i % 2 else sign_in
        assert_not_found(call(mail_api, mail_project, wrong_otp(code)))
    # ... and the right code no longer works.
    assert_known_error(
        sign_in(mail_api, mail_project, code), 400, "VERIFICATION_CODE_MAX_ATTEMPTS_REACHED",
        "The verification code nonce has reached the maximum number of attempts. This code is "
        "not valid anymore.")


def test_nineteen_wrong_codes_still_allow_the_right_one(mail_api, mail_project, smtp_sink):
    _, mail = sent_code(mail_api, mail_project, smtp_sink, new_email())
    code = mail.link_code(CALLBACK)
    for _ in range(19):
        assert_not_found(sign_in(mail_api, mail_project, wrong_otp(code)))
    assert signed_in(mail_api, mail_project, code)["is_new_user"] is True


def test_code_of_another_project_or_kind_is_not_found(mail_api, mail_project, make_mail_project,
                                                      smtp_sink):
    _, mail = sent_code(mail_api, mail_project, smtp_sink, new_email())
    other = make_mail_project(magic_link_enabled=True)
    assert_not_found(sign_in(mail_api, other, mail.link_code(CALLBACK)))
    assert_not_found(sign_in(mail_api, mail_project, "a" * 45))
    # A reset code is not a sign-in code.
    address = new_email()
    assert password_sign_up(mail_api, mail_project, address).status_code == 200
    r = mail_api.post(f"{V1}/auth/password/send-reset-code", headers=mail_api.headers("client", mail_project),
                      json={"email": address, "callback_url": CALLBACK})
    assert r.status_code == 200, r.text
    reset_code = [m for m in smtp_sink.to(address) if m.subject.startswith("Reset")][-1].link_code(CALLBACK)
    assert_not_found(sign_in(mail_api, mail_project, reset_code))


# --- sign-up and account rules -----------------------------------------------


def test_magic_link_disabled(mail_api, make_mail_project, smtp_sink):
    project = make_mail_project()  # magic_link_enabled defaults to false
    address = new_email()
    assert_plain_text(send(mail_api, project, address), 403,
                      "Magic link is not enabled for this project")
    assert smtp_sink.to(address) == []


def test_sign_up_disabled(mail_api, mail_project, smtp_sink):
    # An existing (verified) OTP user can still sign in.
    existing = new_email()
    _, mail = sent_code(mail_api, mail_project, smtp_sink, existing)
    signed_in(mail_api, mail_project, mail.link_code(CALLBACK))
    set_config(mail_api, mail_project, sign_up_enabled=False)
    address = new_email()
    assert_error(send(mail_api, mail_project, address), "SIGN_UP_NOT_ENABLED")
    assert smtp_sink.to(address) == []
    _, mail = sent_code(mail_api, mail_project, smtp_sink, existing)
    assert signed_in(mail_api, mail_project, mail.link_code(CALLBACK))["is_new_user"] is False


def test_sign_in_rechecks_sign_up(mail_api, mail_project, smtp_sink):
    _, mail = sent_code(mail_api, mail_project, smtp_sink, new_email())
    set_config(mail_api, mail_project, sign_up_enabled=False)
    code = mail.link_code(CALLBACK)
    assert_error(sign_in(mail_api, mail_project, code), "SIGN_UP_NOT_ENABLED")
    # The code was consumed before the account checks (§0.1 step 9).
    set_config(mail_api, mail_project, sign_up_enabled=True)
    assert_used(sign_in(mail_api, mail_project, code))


def test_unverified_password_account_blocks_otp(mail_api, mail_project, smtp_sink):
    address = new_email()
    assert password_sign_up(mail_api, mail_project, address).status_code == 200
    smtp_sink.wait_for(address)  # the sign-up verification e-mail
    assert_email_exists(send(mail_api, mail_project, address), address)
    assert [m.subject for m in smtp_sink.to(address) if m.subject.startswith("Sign in")] == []


def test_verified_password_account_gains_otp(mail_api, mail_project, smtp_sink):
    address = new_email()
    r = password_sign_up(mail_api, mail_project, address)
    assert r.status_code == 200, r.text
    user_id = r.json()["user_id"]
    verification = smtp_sink.wait_for(address)[0]
    assert verification.subject == f"Verify your email at {mail_project.display_name}"
    code = verification.link_code("http://localhost:3000/verify-email")
    r = mail_api.post(f"{V1}/contact-channels/verify", headers=mail_api.headers("client", mail_project),
                      json={"code": code})
    assert assert_json(r) == {"success": True}

    _, mail = sent_code(mail_api, mail_project, smtp_sink, address)
    body = signed_in(mail_api, mail_project, mail.link_code(CALLBACK))
    assert body["user_id"] == user_id and body["is_new_user"] is False
    user = me(mail_api, mail_project, body["access_token"])
    assert user["otp_auth_enabled"] is True and user["has_password"] is True
    # The password still works too.
    assert password_sign_in(mail_api, mail_project, address).status_code == 200


def test_mixed_case_address_is_the_same_account(mail_api, mail_project, smtp_sink):
    local = f"Otp-{uuid.uuid4().hex[:8]}"
    lower = f"{local.lower()}@example.com"
    assert_json(send(mail_api, mail_project, f"{local}@Example.com"))
    mail = smtp_sink.last(lower)
    assert mail.rcpt_tos == [lower]
    first = signed_in(mail_api, mail_project, mail.link_code(CALLBACK))
    _, mail = sent_code(mail_api, mail_project, smtp_sink, lower)
    second = signed_in(mail_api, mail_project, mail.link_code(CALLBACK))
    assert second["user_id"] == first["user_id"] and second["is_new_user"] is False


def test_legacy_client_gets_the_button_mail(mail_api, mail_project, smtp_sink):
    address = new_email()
    r = send(mail_api, mail_project, address, client_version="js @stackframe/stack@2.5.37")
    assert_json(r)
    mail = smtp_sink.last(address)
    assert mail.subject.startswith(f"Sign in to {mail_project.display_name}: Your code is ")
    assert "Please click on the following button to sign in." in mail.text
    assert "one-time-password" not in mail.text
    signed_in(mail_api, mail_project, mail.link_code(CALLBACK))

    address = new_email()
    assert_json(send(mail_api, mail_project, address, client_version="js @stackframe/stack@2.5.38"))
    assert "one-time-password" in smtp_sink.last(address).text


def test_mfa_attempt_code_is_not_a_sign_in_code(mail_api, mail_project, smtp_sink):
    # An MFA attempt code shares the one-time-password type but names no
    # e-mail: otp/sign-in must not accept it.
    address = new_email()
    r = password_sign_up(mail_api, mail_project, address)
    assert r.status_code == 200, r.text
    user_id = r.json()["user_id"]
    r = mail_api.patch(f"{V1}/users/{user_id}", headers=mail_api.headers("server", mail_project),
                       json={"totp_secret_base64": "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="})
    assert r.status_code == 200, r.text
    r = password_sign_in(mail_api, mail_project, address)
    if r.headers.get("x-stack-known-error") != "MULTI_FACTOR_AUTHENTICATION_REQUIRED":
        pytest.skip(f"MFA sign-in not available yet: {r.status_code} {r.text[:80]!r}")
    attempt_code = r.json()["details"]["attempt_code"]
    assert_not_found(check(mail_api, mail_project, attempt_code))
    assert_not_found(sign_in(mail_api, mail_project, attempt_code))


# --- callback URLs (§0.2) ------------------------------------------------------


def test_untrusted_callback_urls(mail_api, make_mail_project, smtp_sink):
    project = make_mail_project(magic_link_enabled=True)
    address = new_email()
    for url in ("https://evil.example.com/cb", "http://localhost.evil.com/cb", "http://10.0.0.1/cb"):
        assert_error(send(mail_api, project, address, url), "REDIRECT_URL_NOT_WHITELISTED")
    assert smtp_sink.to(address) == []

    for url in ("http://localhost/cb", "https://app.localhost:8443/x", "http://127.0.0.2:9/cb"):
        assert_json(send(mail_api, project, address, url))

    set_config(mail_api, project, allow_localhost=False,
               domains=[{"domain": "https://app.example.com/auth", "handler_path": "/handler"}])
    assert_error(send(mail_api, project, address, CALLBACK), "REDIRECT_URL_NOT_WHITELISTED")
    assert_error(send(mail_api, project, address, "http://app.example.com/auth/cb"),
                 "REDIRECT_URL_NOT_WHITELISTED")
    assert_error(send(mail_api, project, address, "https://app.example.com/other"),
                 "REDIRECT_URL_NOT_WHITELISTED")
    before = len(smtp_sink.to(address))
    assert_json(send(mail_api, project, address, "https://app.example.com:444/auth/cb?x=1&code=old"))
    mail = smtp_sink.last(address)
    assert len(smtp_sink.to(address)) == before + 1
    # The link keeps the other parameters and replaces the old code.
    m = re.search(r"https://app\.example\.com:444/auth/cb\?x=1&code=([0-9a-z]{45})(\s|$)", mail.text)
    assert m, mail.text
    assert "code=old" not in mail.text


# --- bad input -----------------------------------------------------------------


def test_send_bad_input(mail_api, mail_project):
    h = mail_api.headers("client", mail_project)
    assert_schema_error_contains(mail_api.post(SEND, headers=h), "POST", SEND, ["body must be defined"])
    assert_schema_error(mail_api.post(SEND, headers=h, json={}), "POST", SEND,
                        ["body.email must be defined", "body.callback_url must be defined"])
    r = mail_api.post(SEND, headers=h, json={"email": "not-an-email", "callback_url": CALLBACK})
    assert_schema_error(r, "POST", SEND, ["body.email must be a valid email"])
    r = mail_api.post(SEND, headers=h, json={"email": "a@localhost", "callback_url": CALLBACK})
    assert_schema_error(r, "POST", SEND, [f"body.email {STRICT_EMAIL_LINE}"])
    r = mail_api.post(SEND, headers=h, json={"email": new_email(), "callback_url": "not a url"})
    assert_schema_error_contains(r, "POST", SEND, ["body.callback_url contains spaces"])
    r = mail_api.post(SEND, headers=h, json={"email": new_email(), "callback_url": "/relative"})
    assert_schema_error(r, "POST", SEND, ["body.callback_url is not a valid URL"])
    r = mail_api.post(SEND, headers=h, json={"email": ["x"], "callback_url": CALLBACK, "extra": 1})
    msg = assert_schema_error_contains(r, "POST", SEND, ["body contains unknown properties: extra"])
    assert "body.email must be a `string` type" in msg
    r = mail_api.post(SEND, headers={**h, "content-type": "application/json"}, data="{")
    assert_known_error(r, 400, "BODY_PARSING_ERROR", "Invalid JSON in request body")


@pytest.mark.parametrize("path", [SIGN_IN, CHECK])
def test_code_bad_input(mail_api, mail_project, path):
    h = mail_api.headers("client", mail_project)
    assert_schema_error(mail_api.post(path, headers=h, json={}), "POST", path,
                        ["body.code must be defined"])
    for bad in ("short", "a" * 44, "a" * 46, ""):
        assert_schema_error(mail_api.post(path, headers=h, json={"code": bad}), "POST", path,
                            ["body.code must be exactly 45 characters"])
    r = mail_api.post(path, headers=h, json={"code": {"x": 1}})
    assert_schema_error_contains(r, "POST", path)
    r = mail_api.post(path, headers=h, json={"code": "a" * 45, "password": "x"})
    assert_schema_error(r, "POST", path, ["body contains unknown properties: password"])
    r = mail_api.post(path, headers=h, json={"code": None})
    assert_schema_error(r, "POST", path, ["body.code cannot be null"])


@pytest.mark.parametrize("path", [SEND, SIGN_IN, CHECK])
def test_header_auth(mail_api, mail_project, path):
    body = {"email": new_email(), "callback_url": CALLBACK} if path == SEND else {"code": "a" * 45}
    check_header_auth_matrix(mail_api, mail_project,
                             lambda headers: mail_api.post(path, headers=headers, json=body))


# --- log-only default ------------------------------------------------------------


def test_log_only_without_smtp(api, server, make_project):
    """The suite's default server has no STACK_EMAIL_HOST: mail goes to its log."""
    project = make_project()
    r = api.patch(f"{V1}/internal/projects/current", headers=api.headers("admin", project),
                  json={"config": {"magic_link_enabled": True}})
    assert r.status_code == 200, r.text
    address = new_email()
    r = send(api, project, address)
    nonce = assert_json(r)["nonce"]
    logs = server.stdout_path.read_text(errors="replace")
    assert "no SMTP server configured" in logs
    assert f"To: {address}" in logs
    m = re.search(re.escape(CALLBACK) + r"\?code=([0-9a-z]{45})", logs[logs.index(f"To: {address}"):])
    assert m and m.group(1)[6:] == nonce
    assert signed_in(api, project, m.group(1))["is_new_user"] is True
    # Logged in the sent-e-mail log too, as a successful attempt.
    items = assert_json(api.get(f"{V1}/internal/emails", headers=api.headers("admin", project)))["items"]
    assert len(items) == 1 and items[0]["to"] == [address] and items[0]["error"] is None
    assert items[0]["sender_config"]["type"] == "shared"
