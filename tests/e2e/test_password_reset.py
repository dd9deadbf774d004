"""Password reset by e-mail (spec/auth-endpoints.md §1.3–§1.5) against a
server that delivers to a real SMTP sink (email_fixtures.py).
"""
from __future__ import annotations

import email.utils
import time
import uuid

import pytest

from auth_helpers import (
    PASSWORD,
    assert_error,
    assert_password_too_short,
    assert_refresh_token_error,
    check_header_auth_matrix,
    refresh,
    sign_in,
    sign_up,
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
    assert_schema_error,
    assert_schema_error_contains,
)

V1 = "/api/v1"
SEND = f"{V1}/auth/password/send-reset-code"
RESET = f"{V1}/auth/password/reset"
CHECK = f"{V1}/auth/password/reset/check-code"
CALLBACK = "http://localhost:12345/reset-password"
MAYBE = {"success": "maybe, only if user with e-mail exists"}
NEW_PASSWORD = "a brand new password"
SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000


def new_email() -> str:
    return f"reset-{uuid.uuid4().hex[:12]}@example.com"


def send(api, project, address, callback=CALLBACK, access="client"):
    return api.post(SEND, headers=api.headers(access, project),
                    json={"email": address, "callback_url": callback})


def reset(api, project, code, password=NEW_PASSWORD, access="client"):
    return api.post(RESET, headers=api.headers(access, project),
                    json={"code": code, "password": password})


def check(api, project, code, access="client"):
    return api.post(CHECK, headers=api.headers(access, project), json={"code": code})


def user_with_password(api, project, sink) -> dict:
    address = new_email()
    r = sign_up(api, project, address)
    assert r.status_code == 200, r.text
    sink.wait_for(address)  # the sign-up verification e-mail, so later counts are stable
    body = r.json()
    body["email"] = address
    return body


def reset_mails(sink, address):
    return [m for m in sink.to(address) if m.subject.startswith("Reset")]


def reset_mail(api, project, sink, address, callback=CALLBACK):
    before = len(reset_mails(sink, address))
    assert assert_json(send(api, project, address, callback)) == MAYBE
    # Sent in the background; a quick mail server has it by the answer.
    deadline = time.monotonic() + 10
    while len(reset_mails(sink, address)) <= before and time.monotonic() < deadline:
        time.sleep(0.02)
    mails = reset_mails(sink, address)
    assert len(mails) > before, f"no reset e-mail to {address}"
    return mails[-1]


def assert_used(r):
    assert_known_error(r, 409, "VERIFICATION_CODE_ALREADY_USED",
                       "The verification link has already been used.")


def assert_not_found(r):
    assert_known_error(r, 404, "VERIFICATION_CODE_NOT_FOUND",
                       "The verification code does not exist for this project.")


# --- the flow ------------------------------------------------------------------


def test_reset_flow(mail_api, mail_project, smtp_sink):
    user = user_with_password(mail_api, mail_project, smtp_sink)
    # Name the user, so the e-mail greets them.
    r = mail_api.patch(f"{V1}/users/{user['user_id']}", headers=mail_api.headers("server", mail_project),
                       json={"display_name": "Ada Lovelace"})
    assert r.status_code == 200, r.text

    mail = reset_mail(mail_api, mail_project, smtp_sink, user["email"])
    assert mail.rcpt_tos == [user["email"]]
    assert mail.mail_from == SENDER
    assert email.utils.parseaddr(mail.from_header) == (mail_project.display_name, SENDER)
    assert email.utils.parseaddr(mail.to_header) == ("", user["email"])
    assert mail.subject == f"Reset your password at {mail_project.display_name}"
    assert "Hi, Ada Lovelace! Please click on the following button to start the password reset process." in mail.text
    code = mail.link_code(CALLBACK)
    assert len(code) == 45 and code in mail.html

    assert assert_json(check(mail_api, mail_project, code)) == {"is_code_valid": True}
    assert assert_json(check(mail_api, mail_project, code)) == {"is_code_valid": True}
    assert assert_json(reset(mail_api, mail_project, code)) == {"success": True}
    assert_used(reset(mail_api, mail_project, code, "another password 1"))
    assert_used(check(mail_api, mail_project, code))

    # Every session ended; the new password signs in, the old one does not.
    assert_refresh_token_error(refresh(mail_api, mail_project, user["refresh_token"]))
    assert_error(sign_in(mail_api, mail_project, user["email"], PASSWORD), "EMAIL_PASSWORD_MISMATCH")
    assert sign_in(mail_api, mail_project, user["email"], NEW_PASSWORD).status_code == 200


def test_unknown_email_answers_the_same_and_sends_nothing(mail_api, mail_project, smtp_sink):
    address = new_email()
    assert assert_json(send(mail_api, mail_project, address)) == MAYBE
    assert smtp_sink.to(address) == []


def _answer(r):
    # Everything but the per-request id and timing headers.
    headers = {k.lower(): v for k, v in r.headers.items()
               if k.lower() not in ("x-stack-request-id", "date")}
    return r.status_code, r.text, headers


def test_known_and_unknown_addresses_get_the_same_answer(mail_api, mail_project, smtp_sink):
    # Issue 19: no account oracle. Same status, body and headers for an
    # address with an account and one without, with a trusted callback URL
    # and with an untrusted one (checked before the address is looked up).
    user = user_with_password(mail_api, mail_project, smtp_sink)
    unknown = new_email()
    for callback in (CALLBACK, "https://evil.example.com/x"):
        known_answer = _answer(send(mail_api, mail_project, user["email"], callback))
        unknown_answer = _answer(send(mail_api, mail_project, unknown, callback))
        assert known_answer == unknown_answer, callback
    assert known_answer[0] == 400 and "REDIRECT_URL_NOT_WHITELISTED" in known_answer[1]
    assert smtp_sink.to(unknown) == []
    # Only the trusted callback mailed the account: one reset e-mail.
    time.sleep(0.5)
    assert len(reset_mails(smtp_sink, user["email"])) == 1


def test_known_email_with_untrusted_callback(mail_api, mail_project, smtp_sink):
    user = user_with_password(mail_api, mail_project, smtp_sink)
    assert_error(send(mail_api, mail_project, user["email"], "https://evil.example.com/x"),
                 "REDIRECT_URL_NOT_WHITELISTED")
    assert reset_mails(smtp_sink, user["email"]) == []


def test_otp_only_user_gets_a_password(mail_api, mail_project, smtp_sink):
    address = new_email()
    r = mail_api.post(f"{V1}/auth/otp/send-sign-in-code", headers=mail_api.headers("client", mail_project),
                      json={"email": address, "callback_url": CALLBACK})
    assert r.status_code == 200, r.text
    r = mail_api.post(f"{V1}/auth/otp/sign-in", headers=mail_api.headers("client", mail_project),
                      json={"code": smtp_sink.last(address).link_code(CALLBACK)})
    assert r.status_code == 200, r.text
    code = reset_mail(mail_api, mail_project, smtp_sink, address).link_code(CALLBACK)
    assert assert_json(reset(mail_api, mail_project, code)) == {"success": True}
    assert sign_in(mail_api, mail_project, address, NEW_PASSWORD).status_code == 200


def test_code_consumed_before_password_checks(mail_api, mail_project, smtp_sink):
    user = user_with_password(mail_api, mail_project, smtp_sink)
    code = reset_mail(mail_api, mail_project, smtp_sink, user["email"]).link_code(CALLBACK)
    assert_password_too_short(reset(mail_api, mail_project, code, "short"))
    # Quirk kept (§0.1 step 9): the rejected reset burned the code.
    assert_used(reset(mail_api, mail_project, code))
    assert sign_in(mail_api, mail_project, user["email"], PASSWORD).status_code == 200


def test_credential_auth_disabled(mail_api, mail_project, smtp_sink):
    user = user_with_password(mail_api, mail_project, smtp_sink)
    code = reset_mail(mail_api, mail_project, smtp_sink, user["email"]).link_code(CALLBACK)
    set_config(mail_api, mail_project, credential_enabled=False)
    assert_error(send(mail_api, mail_project, user["email"]), "PASSWORD_AUTHENTICATION_NOT_ENABLED")
    # check-code does not look at the setting; reset consumes, then refuses.
    assert assert_json(check(mail_api, mail_project, code)) == {"is_code_valid": True}
    assert_error(reset(mail_api, mail_project, code), "PASSWORD_AUTHENTICATION_NOT_ENABLED")
    set_config(mail_api, mail_project, credential_enabled=True)
    assert_used(reset(mail_api, mail_project, code))


def test_expired_code(mail_api, mail_project, smtp_sink):
    user = user_with_password(mail_api, mail_project, smtp_sink)
    code = reset_mail(mail_api, mail_project, smtp_sink, user["email"]).link_code(CALLBACK)
    mail_api.advance_clock(SEVEN_DAYS_MS + 1000)
    for r in (check(mail_api, mail_project, code), reset(mail_api, mail_project, code)):
        assert_known_error(r, 400, "VERIFICATION_CODE_EXPIRED", "The verification code has expired.")


def test_attempt_limit(mail_api, mail_project, smtp_sink):
    user = user_with_password(mail_api, mail_project, smtp_sink)
    code = reset_mail(mail_api, mail_project, smtp_sink, user["email"]).link_code(CALLBACK)
    wrong = ("0" if code[0] != "0" else "1") + code[1:]
    for i in range(20):
        assert_not_found((check if i % 2 else reset)(mail_api, mail_project, wrong))
    assert_known_error(
        reset(mail_api, mail_project, code), 400, "VERIFICATION_CODE_MAX_ATTEMPTS_REACHED",
        "The verification code nonce has reached the maximum number of attempts. This code is "
        "not valid anymore.")


def test_codes_of_other_kinds_or_projects(mail_api, mail_project, make_mail_project, smtp_sink):
    user = user_with_password(mail_api, mail_project, smtp_sink)
    verification = smtp_sink.to(user["email"])[0].link_code("http://localhost:3000/verify-email")
    assert_not_found(reset(mail_api, mail_project, verification))
    code = reset_mail(mail_api, mail_project, smtp_sink, user["email"]).link_code(CALLBACK)
    other = make_mail_project()
    assert_not_found(check(mail_api, other, code))
    assert assert_json(check(mail_api, mail_project, code)) == {"is_code_valid": True}


def test_deleted_user(mail_api, mail_project, smtp_sink):
    user = user_with_password(mail_api, mail_project, smtp_sink)
    code = reset_mail(mail_api, mail_project, smtp_sink, user["email"]).link_code(CALLBACK)
    r = mail_api.delete(f"{V1}/users/{user['user_id']}", headers=mail_api.headers("server", mail_project))
    assert r.status_code == 200, r.text
    assert_known_error(reset(mail_api, mail_project, code), 404, "USER_NOT_FOUND", "User not found.")


# --- bad input -----------------------------------------------------------------


def test_send_bad_input(mail_api, mail_project):
    h = mail_api.headers("client", mail_project)
    assert_schema_error(mail_api.post(SEND, headers=h, json={}), "POST", SEND,
                        ["body.email must be defined", "body.callback_url must be defined"])
    r = mail_api.post(SEND, headers=h, json={"email": "nope", "callback_url": CALLBACK})
    assert_schema_error(r, "POST", SEND, ["body.email must be a valid email"])
    # The lenient e-mail rule: no TLD needed.
    assert assert_json(mail_api.post(SEND, headers=h, json={"email": "a@localhost", "callback_url": CALLBACK})) == MAYBE
    r = mail_api.post(SEND, headers=h, json={"email": new_email(), "callback_url": "nope"})
    assert_schema_error(r, "POST", SEND, ["body.callback_url is not a valid URL"])
    r = mail_api.post(SEND, headers=h, json={"email": new_email(), "callback_url": CALLBACK, "x": 1})
    assert_schema_error(r, "POST", SEND, ["body contains unknown properties: x"])
    r = mail_api.post(SEND, headers=h, json={"email": True, "callback_url": CALLBACK})
    assert_schema_error_contains(r, "POST", SEND)


def test_reset_bad_input(mail_api, mail_project):
    h = mail_api.headers("client", mail_project)
    assert_schema_error(mail_api.post(RESET, headers=h, json={}), "POST", RESET,
                        ["body.code must be defined", "body.password must be defined"])
    r = mail_api.post(RESET, headers=h, json={"code": "x" * 44, "password": NEW_PASSWORD})
    assert_schema_error(r, "POST", RESET, ["body.code must be exactly 45 characters"])
    r = mail_api.post(RESET, headers=h, json={"code": "x" * 45, "password": "p" * 71})
    assert_schema_error(r, "POST", RESET, ["body.password must be at most 70 characters"])
    r = mail_api.post(RESET, headers=h, json={"code": "x" * 45, "password": None})
    assert_schema_error(r, "POST", RESET, ["body.password cannot be null"])
    # A well-formed unknown code.
    assert_not_found(mail_api.post(RESET, headers=h, json={"code": "x" * 45, "password": NEW_PASSWORD}))


def test_check_bad_input(mail_api, mail_project):
    h = mail_api.headers("client", mail_project)
    r = mail_api.post(CHECK, headers=h, json={"code": "x" * 45, "password": NEW_PASSWORD})
    assert_schema_error(r, "POST", CHECK, ["body contains unknown properties: password"])
    assert_schema_error(mail_api.post(CHECK, headers=h, json={"code": 12345}), "POST", CHECK,
                        ["body.code must be exactly 45 characters"])
    assert_not_found(mail_api.post(CHECK, headers=h, json={"code": "x" * 45}))


@pytest.mark.parametrize("path", [SEND, RESET, CHECK])
def test_header_auth(mail_api, mail_project, path):
    body = {SEND: {"email": new_email(), "callback_url": CALLBACK},
            RESET: {"code": "x" * 45, "password": NEW_PASSWORD},
            CHECK: {"code": "x" * 45}}[path]
    check_header_auth_matrix(mail_api, mail_project,
                             lambda headers: mail_api.post(path, headers=headers, json=body))
