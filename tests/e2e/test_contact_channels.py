"""Contact channels (spec/contact-channels.md): CRUD, verification e-mails
through a real SMTP sink, verify / check-code, the legacy endpoint and the
sign-up verification e-mail.
"""
from __future__ import annotations

import email.utils
from concurrent.futures import ThreadPoolExecutor
import uuid

import pytest

from auth_helpers import (
    assert_error,
    check_header_auth_matrix,
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
    assert_plain_text,
    assert_schema_error,
    assert_schema_error_contains,
)

V1 = "/api/v1"
CC = f"{V1}/contact-channels"
VERIFY = f"{CC}/verify"
CHECK = f"{CC}/verify/check-code"
LEGACY_SEND = f"{CC}/send-verification-code"
OTP_SEND = f"{V1}/auth/otp/send-sign-in-code"
OTP_SIGN_IN = f"{V1}/auth/otp/sign-in"
CALLBACK = "http://localhost:12345/verify"
SIGN_UP_CALLBACK = "http://localhost:3000/verify-email"
CANNOT_GET_OWN = "You have specified 'me' as a userId, but did not provide authentication for a user."
KEYS = ["id", "user_id", "type", "value", "is_primary", "is_verified", "used_for_auth"]


def new_email(prefix="cc") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def otp_user(api, project, sink, address=None) -> dict:
    """A user signed up by OTP (verified primary e-mail); returns the sign-in
    body plus `email`."""
    address = address or new_email("otp")
    r = api.post(OTP_SEND, headers=api.headers("client", project),
                 json={"email": address, "callback_url": CALLBACK})
    assert r.status_code == 200, r.text
    r = api.post(OTP_SIGN_IN, headers=api.headers("client", project),
                 json={"code": sink.last(address).link_code(CALLBACK)})
    assert r.status_code == 200, r.text
    body = r.json()
    body["email"] = address
    return body


def client(api, project, user) -> dict:
    return api.headers("client", project, access_token=user["access_token"])


def create(api, headers, **body):
    return api.post(CC, headers=headers, json=body)


def channel_path(user_id, channel_id, suffix=""):
    return f"{CC}/{user_id}/{channel_id}{suffix}"


def list_channels(api, headers, **params) -> list:
    body = assert_json(api.get(CC, headers=headers, params=params))
    assert list(body) == ["items", "is_paginated"] and body["is_paginated"] is False
    for item in body["items"]:
        assert list(item) == KEYS
    return body["items"]


def get_user(api, project, user_id) -> dict:
    return assert_json(api.get(f"{V1}/users/{user_id}", headers=api.headers("server", project)))


def send_code(api, headers, user_id, channel_id, callback=CALLBACK):
    return api.post(channel_path(user_id, channel_id, "/send-verification-code"), headers=headers,
                    json={"callback_url": callback})


def verify(api, project, code, access="client"):
    return api.post(VERIFY, headers=api.headers(access, project), json={"code": code})


def verification_mails(sink, address):
    return [m for m in sink.to(address) if m.subject.startswith("Verify your email")]


def assert_used(r):
    assert_known_error(r, 409, "VERIFICATION_CODE_ALREADY_USED",
                       "The verification link has already been used.")


def assert_not_found(r):
    assert_known_error(r, 404, "VERIFICATION_CODE_NOT_FOUND",
                       "The verification code does not exist for this project.")


def assert_already_verified(r):
    assert_known_error(r, 409, "EMAIL_ALREADY_VERIFIED", "The e-mail is already verified.")


def assert_cannot_get_own(r):
    assert_known_error(r, 400, "CANNOT_GET_OWN_USER_WITHOUT_USER", CANNOT_GET_OWN)


# --- CRUD ------------------------------------------------------------------------


def test_otp_user_has_a_verified_primary_channel(mail_api, mail_project, smtp_sink):
    user = otp_user(mail_api, mail_project, smtp_sink)
    items = list_channels(mail_api, client(mail_api, mail_project, user), user_id="me")
    assert len(items) == 1
    c = items[0]
    assert c["user_id"] == user["user_id"] and c["type"] == "email" and c["value"] == user["email"]
    assert c["is_primary"] is True and c["is_verified"] is True and c["used_for_auth"] is True
    # The same object by id, for every access type.
    for access in ("client", "server", "admin"):
        h = mail_api.headers(access, mail_project, access_token=user["access_token"])
        assert assert_json(mail_api.get(channel_path("me", c["id"]), headers=h)) == c
        assert assert_json(mail_api.get(channel_path(user["user_id"], c["id"]), headers=h)) == c


def test_create_second_address_and_sign_in_with_it(mail_api, mail_project, smtp_sink):
    user = otp_user(mail_api, mail_project, smtp_sink)
    h = client(mail_api, mail_project, user)
    second = new_email("second")
    c = assert_json(create(mail_api, h, user_id="me", type="email", value=second, used_for_auth=True), 201)
    assert list(c) == KEYS
    assert (c["is_primary"], c["is_verified"], c["used_for_auth"]) == (False, False, True)
    items = list_channels(mail_api, h, user_id=user["user_id"])
    assert [i["value"] for i in items] == [user["email"], second]  # oldest first

    # Unverified sign-in address: OTP refuses it.
    r = mail_api.post(OTP_SEND, headers=mail_api.headers("client", mail_project),
                      json={"email": second, "callback_url": CALLBACK})
    assert_known_error(r, 409, "USER_EMAIL_ALREADY_EXISTS", f'A user with email "{second}" already exists.',
                       {"email": second})

    # Verify it through the e-mail; then OTP signs in to the same account.
    assert assert_json(send_code(mail_api, h, "me", c["id"])) == {"success": True}
    mail = verification_mails(smtp_sink, second)[-1]
    assert mail.rcpt_tos == [second]
    assert email.utils.parseaddr(mail.from_header) == (mail_project.display_name, SENDER)
    assert mail.subject == f"Verify your email at {mail_project.display_name}"
    assert "Hi! Please click on the following button to verify your email." in mail.text
    assert assert_json(verify(mail_api, mail_project, mail.link_code(CALLBACK))) == {"success": True}
    again = otp_user(mail_api, mail_project, smtp_sink, second)
    assert again["user_id"] == user["user_id"] and again["is_new_user"] is False


def test_address_not_used_for_auth_is_not_an_identity(mail_api, mail_project, smtp_sink):
    user = otp_user(mail_api, mail_project, smtp_sink)
    h = client(mail_api, mail_project, user)
    extra = new_email("extra")
    assert_json(create(mail_api, h, user_id="me", type="email", value=extra, used_for_auth=False), 201)
    other = otp_user(mail_api, mail_project, smtp_sink, extra)
    assert other["user_id"] != user["user_id"] and other["is_new_user"] is True


def test_create_rules(mail_api, mail_project, smtp_sink):
    a = otp_user(mail_api, mail_project, smtp_sink)
    b = otp_user(mail_api, mail_project, smtp_sink)
    ha, hb = client(mail_api, mail_project, a), client(mail_api, mail_project, b)
    # Same (type, value) twice for one user.
    assert_plain_text(create(mail_api, ha, user_id="me", type="email", value=a["email"], used_for_auth=False),
                      400, "Contact channel already exists")
    # Someone else signs in with it.
    r = create(mail_api, hb, user_id="me", type="email", value=a["email"].upper(), used_for_auth=True)
    assert_known_error(r, 409, "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE",
                       f"The email ({a['email']}) is already used for authentication by another account.",
                       {"type": "email", "contact_channel_value": a["email"]})
    # Not for auth: any number of users may hold it (stored normalised).
    c = assert_json(create(mail_api, hb, user_id="me", type="email", value=f"  {a['email'].upper()} ",
                           used_for_auth=False), 201)
    assert c["value"] == a["email"]
    # A client creates only for itself.
    assert_plain_text(create(mail_api, hb, user_id=a["user_id"], type="email", value=new_email(),
                             used_for_auth=False),
                      403, "Client can only create contact channels for their own user.")
    # Server: any user, is_verified allowed; unknown user → USER_NOT_FOUND.
    hs = mail_api.headers("server", mail_project)
    c = assert_json(create(mail_api, hs, user_id=a["user_id"], type="email", value=new_email(),
                           used_for_auth=False, is_verified=True, is_primary=True), 201)
    assert c["is_verified"] is True and c["is_primary"] is True
    assert get_user(mail_api, mail_project, a["user_id"])["primary_email"] == c["value"]
    r = create(mail_api, hs, user_id=str(uuid.uuid4()), type="email", value=new_email(), used_for_auth=False)
    assert_known_error(r, 404, "USER_NOT_FOUND", "User not found.")
    # Server with "me" and no user.
    assert_cannot_get_own(create(mail_api, hs, user_id="me", type="email", value=new_email(),
                                 used_for_auth=False))


def test_create_bad_input(mail_api, mail_project, smtp_sink):
    user = otp_user(mail_api, mail_project, smtp_sink)
    h = client(mail_api, mail_project, user)
    assert_schema_error(create(mail_api, h), "POST", CC, [
        "body.user_id must be defined", "body.type must be defined", "body.value must be defined",
        "body.used_for_auth must be defined"])
    r = create(mail_api, h, user_id="me", type="phone", value="123", used_for_auth=True)
    assert_schema_error_contains(r, "POST", CC, ["body.type must be one of the following values: email"])
    r = create(mail_api, h, user_id="me", type="email", value="not-an-email", used_for_auth=True)
    assert_schema_error(r, "POST", CC, ["body.value must be a valid email"])
    # Clients may not set is_verified.
    r = create(mail_api, h, user_id="me", type="email", value=new_email(), used_for_auth=True, is_verified=True)
    assert_schema_error(r, "POST", CC, ["body contains unknown properties: is_verified"])
    r = create(mail_api, h, user_id="nope", type="email", value=new_email(), used_for_auth="maybe")
    msg = assert_schema_error_contains(r, "POST", CC, ["body.user_id must be a valid UUID"])
    assert "body.used_for_auth must be a `boolean` type" in msg
    # Client without a user.
    r = create(mail_api, mail_api.headers("client", mail_project), user_id="me", type="email",
               value=new_email(), used_for_auth=True)
    assert_cannot_get_own(r)


def test_list_rules(mail_api, mail_project, smtp_sink):
    a = otp_user(mail_api, mail_project, smtp_sink)
    b = otp_user(mail_api, mail_project, smtp_sink)
    ha = client(mail_api, mail_project, a)
    for params in ({}, {"user_id": b["user_id"]}):
        r = mail_api.get(CC, headers=ha, params=params)
        assert_plain_text(r, 403, "Client can only list contact channels for their own user.")
    assert_cannot_get_own(mail_api.get(CC, headers=mail_api.headers("client", mail_project),
                                       params={"user_id": "me"}))
    hs = mail_api.headers("server", mail_project)
    everything = list_channels(mail_api, hs)
    assert {a["user_id"], b["user_id"]} <= {c["user_id"] for c in everything}
    only_b = list_channels(mail_api, hs, user_id=b["user_id"])
    assert [c["value"] for c in only_b] == [b["email"]]
    assert list_channels(mail_api, hs, contact_channel_id=only_b[0]["id"]) == only_b
    assert list_channels(mail_api, hs, user_id=a["user_id"], contact_channel_id=only_b[0]["id"]) == []
    r = mail_api.get(CC, headers=hs, params={"user_id": "x", "contact_channel_id": "y", "z": "1"})
    msg = assert_schema_error_contains(r, "GET", CC, ["query.user_id must be a valid UUID",
                                                      "query.contact_channel_id must be a valid UUID"])
    assert "query contains unknown properties: z" in msg


def test_get_rules(mail_api, mail_project, smtp_sink):
    a = otp_user(mail_api, mail_project, smtp_sink)
    b = otp_user(mail_api, mail_project, smtp_sink)
    cid = list_channels(mail_api, client(mail_api, mail_project, a), user_id="me")[0]["id"]
    assert_plain_text(mail_api.get(channel_path(a["user_id"], cid), headers=client(mail_api, mail_project, b)),
                      403, "Client can only read contact channels for their own user.")
    hs = mail_api.headers("server", mail_project)
    assert_plain_text(mail_api.get(channel_path(b["user_id"], cid), headers=hs), 404,
                      "Contact channel not found.")
    assert_plain_text(mail_api.get(channel_path(a["user_id"], str(uuid.uuid4())), headers=hs), 404,
                      "Contact channel not found.")
    r = mail_api.get(channel_path("bad", "worse"), headers=hs)
    assert_schema_error(r, "GET", f"{CC}/bad/worse", ["params.user_id must be a valid UUID",
                                                      "params.contact_channel_id must be a valid UUID"])
    assert_cannot_get_own(mail_api.get(channel_path("me", cid), headers=hs))


def test_update_rules(mail_api, mail_project, smtp_sink):
    a = otp_user(mail_api, mail_project, smtp_sink)
    b = otp_user(mail_api, mail_project, smtp_sink)
    ha = client(mail_api, mail_project, a)
    primary = list_channels(mail_api, ha, user_id="me")[0]
    second = assert_json(create(mail_api, ha, user_id="me", type="email", value=new_email(), used_for_auth=False), 201)

    # Making the second one primary moves primary_email (and its verified flag).
    r = mail_api.patch(channel_path("me", second["id"]), headers=ha, json={"is_primary": True})
    assert assert_json(r)["is_primary"] is True
    user = get_user(mail_api, mail_project, a["user_id"])
    assert user["primary_email"] == second["value"] and user["primary_email_verified"] is False
    assert assert_json(mail_api.get(channel_path("me", primary["id"]), headers=ha))["is_primary"] is False

    # A new value un-verifies; server may set is_verified.
    hs = mail_api.headers("server", mail_project)
    r = mail_api.patch(channel_path(a["user_id"], primary["id"]), headers=hs,
                       json={"value": new_email().upper(), "type": "email"})
    changed = assert_json(r)
    assert changed["is_verified"] is False and changed["value"] == changed["value"].lower()
    r = mail_api.patch(channel_path(a["user_id"], primary["id"]), headers=hs, json={"is_verified": True})
    assert assert_json(r)["is_verified"] is True

    # Used for auth by someone else (no value in the message).
    r = mail_api.patch(channel_path("me", second["id"]), headers=ha, json={"value": b["email"], "used_for_auth": True})
    assert_known_error(r, 409, "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE",
                       "This email is already used for authentication by another account.",
                       {"type": "email", "contact_channel_value": None})
    # The user's own other address.
    r = mail_api.patch(channel_path("me", second["id"]), headers=ha, json={"value": changed["value"]})
    assert_plain_text(r, 400, "Contact channel already exists")

    assert_plain_text(mail_api.patch(channel_path(a["user_id"], second["id"]), headers=client(mail_api, mail_project, b),
                                     json={"is_primary": True}),
                      403, "Client can only update contact channels for their own user.")
    assert_plain_text(mail_api.patch(channel_path("me", str(uuid.uuid4())), headers=ha, json={}),
                      400, "Contact channel not found")
    r = mail_api.patch(channel_path("me", second["id"]), headers=ha, json={"is_verified": True})
    assert_schema_error(r, "PATCH", channel_path("me", second["id"]), ["body contains unknown properties: is_verified"])
    r = mail_api.patch(channel_path("me", second["id"]), headers=ha, json={"value": "bad", "type": "sms"})
    assert_schema_error_contains(r, "PATCH", channel_path("me", second["id"]), ["body.value must be a valid email"])

    # Un-primary the primary: primary_email becomes null.
    r = mail_api.patch(channel_path("me", second["id"]), headers=ha, json={"is_primary": False})
    assert assert_json(r)["is_primary"] is False
    assert get_user(mail_api, mail_project, a["user_id"])["primary_email"] is None


def test_delete_rules(mail_api, mail_project, smtp_sink):
    a = otp_user(mail_api, mail_project, smtp_sink)
    b = otp_user(mail_api, mail_project, smtp_sink)
    ha = client(mail_api, mail_project, a)
    cid = list_channels(mail_api, ha, user_id="me")[0]["id"]
    assert_plain_text(mail_api.delete(channel_path(a["user_id"], cid), headers=client(mail_api, mail_project, b)),
                      403, "Client can only delete contact channels for their own user.")
    assert assert_json(mail_api.delete(channel_path("me", cid), headers=ha)) == {"success": True}
    assert_plain_text(mail_api.delete(channel_path("me", cid), headers=ha), 400, "Contact channel not found")
    user = get_user(mail_api, mail_project, a["user_id"])
    assert user["primary_email"] is None and user["otp_auth_enabled"] is True
    assert list_channels(mail_api, ha, user_id="me") == []


# --- verification ----------------------------------------------------------------


def test_three_outstanding_codes_each_verify_once(mail_api, mail_project, smtp_sink):
    user = otp_user(mail_api, mail_project, smtp_sink)
    h = client(mail_api, mail_project, user)
    c = assert_json(create(mail_api, h, user_id="me", type="email", value=new_email(), used_for_auth=False), 201)
    for _ in range(3):
        assert assert_json(send_code(mail_api, h, user["user_id"], c["id"])) == {"success": True}
    codes = [m.link_code(CALLBACK) for m in verification_mails(smtp_sink, c["value"])]
    assert len(set(codes)) == 3
    assert assert_json(mail_api.post(CHECK, headers=mail_api.headers("client", mail_project),
                                     json={"code": codes[0]})) == {"is_code_valid": True}
    for code in codes:
        assert assert_json(verify(mail_api, mail_project, code, access="server")) == {"success": True}
    for code in codes:
        assert_used(verify(mail_api, mail_project, code))
    assert assert_json(mail_api.get(channel_path("me", c["id"]), headers=h))["is_verified"] is True
    # Verified now: no more codes.
    assert_already_verified(send_code(mail_api, h, "me", c["id"]))


def test_send_verification_code_rules(mail_api, mail_project, smtp_sink):
    a = otp_user(mail_api, mail_project, smtp_sink)
    b = otp_user(mail_api, mail_project, smtp_sink)
    ha = client(mail_api, mail_project, a)
    primary = list_channels(mail_api, ha, user_id="me")[0]
    # OTP accounts are verified from the start.
    assert_already_verified(send_code(mail_api, ha, "me", primary["id"]))
    c = assert_json(create(mail_api, ha, user_id="me", type="email", value=new_email(), used_for_auth=False), 201)
    assert_plain_text(send_code(mail_api, client(mail_api, mail_project, b), a["user_id"], c["id"]), 400,
                      "Can only send verification code for your own user")
    assert_cannot_get_own(send_code(mail_api, mail_api.headers("client", mail_project), "me", c["id"]))
    hs = mail_api.headers("server", mail_project)
    unknown = str(uuid.uuid4())
    assert_known_error(send_code(mail_api, hs, unknown, c["id"]), 400, "USER_ID_DOES_NOT_EXIST",
                       f"The given user with the ID {unknown} does not exist.", {"user_id": unknown})
    assert_plain_text(send_code(mail_api, hs, b["user_id"], c["id"]), 404, "Contact channel not found")
    assert_error(send_code(mail_api, ha, "me", c["id"], "https://evil.example.com/v"), "REDIRECT_URL_NOT_WHITELISTED")
    assert verification_mails(smtp_sink, c["value"]) == []
    # Server: any user; the user's display name is in the greeting.
    r = mail_api.patch(f"{V1}/users/{a['user_id']}", headers=hs, json={"display_name": "Grace"})
    assert r.status_code == 200, r.text
    assert assert_json(send_code(mail_api, hs, a["user_id"], c["id"])) == {"success": True}
    assert "Hi, Grace! Please click" in verification_mails(smtp_sink, c["value"])[-1].text
    path = channel_path("me", c["id"], "/send-verification-code")
    assert_schema_error(mail_api.post(path, headers=ha, json={}), "POST", path,
                        ["body.callback_url must be defined"])
    r = mail_api.post(path, headers=ha, json={"callback_url": CALLBACK, "email": "x@y.z"})
    assert_schema_error(r, "POST", path, ["body contains unknown properties: email"])


def test_verify_after_the_channel_was_deleted(mail_api, mail_project, smtp_sink):
    user = otp_user(mail_api, mail_project, smtp_sink)
    h = client(mail_api, mail_project, user)
    c = assert_json(create(mail_api, h, user_id="me", type="email", value=new_email(), used_for_auth=False), 201)
    assert_json(send_code(mail_api, h, "me", c["id"]))
    code = verification_mails(smtp_sink, c["value"])[-1].link_code(CALLBACK)
    assert_json(mail_api.delete(channel_path("me", c["id"]), headers=h))
    assert_plain_text(verify(mail_api, mail_project, code), 400,
                      "Contact channel not found. Was your contact channel deleted?")
    assert_used(verify(mail_api, mail_project, code))


def test_verify_code_errors(mail_api, mail_project, smtp_sink):
    user = otp_user(mail_api, mail_project, smtp_sink)
    h = client(mail_api, mail_project, user)
    c = assert_json(create(mail_api, h, user_id="me", type="email", value=new_email(), used_for_auth=False), 201)
    assert_json(send_code(mail_api, h, "me", c["id"]))
    code = verification_mails(smtp_sink, c["value"])[-1].link_code(CALLBACK)
    # A sign-in code is not a verification code.
    r = mail_api.post(OTP_SEND, headers=mail_api.headers("client", mail_project),
                      json={"email": user["email"], "callback_url": CALLBACK})
    assert r.status_code == 200
    assert_not_found(verify(mail_api, mail_project, smtp_sink.last(user["email"]).link_code(CALLBACK)))
    # Attempts: 20 wrong guesses at this nonce, then the right code fails.
    wrong = ("0" if code[0] != "0" else "1") + code[1:]
    for i in range(20):
        r = (verify(mail_api, mail_project, wrong) if i % 2 else
             mail_api.post(CHECK, headers=mail_api.headers("client", mail_project), json={"code": wrong}))
        assert_not_found(r)
    assert_known_error(verify(mail_api, mail_project, code), 400, "VERIFICATION_CODE_MAX_ATTEMPTS_REACHED",
                       "The verification code nonce has reached the maximum number of attempts. This code "
                       "is not valid anymore.")
    # Expiry.
    assert_json(send_code(mail_api, h, "me", c["id"]))
    code = verification_mails(smtp_sink, c["value"])[-1].link_code(CALLBACK)
    mail_api.advance_clock(7 * 24 * 3600 * 1000 + 1000)
    assert_known_error(verify(mail_api, mail_project, code), 400, "VERIFICATION_CODE_EXPIRED",
                       "The verification code has expired.")


@pytest.mark.parametrize("path", [VERIFY, CHECK])
def test_verify_bad_input(mail_api, mail_project, path):
    h = mail_api.headers("client", mail_project)
    assert_schema_error(mail_api.post(path, headers=h, json={}), "POST", path, ["body.code must be defined"])
    assert_schema_error(mail_api.post(path, headers=h, json={"code": "abc"}), "POST", path,
                        ["body.code must be exactly 45 characters"])
    assert_schema_error(mail_api.post(path, headers=h, json={"code": "a" * 45, "x": 1}), "POST", path,
                        ["body contains unknown properties: x"])
    assert_not_found(mail_api.post(path, headers=h, json={"code": "a" * 45}))


# --- the sign-up e-mail and the legacy endpoint --------------------------------


def test_sign_up_sends_a_verification_email(mail_api, mail_project, smtp_sink):
    address = new_email("signup")
    r = sign_up(mail_api, mail_project, address)
    assert r.status_code == 200, r.text
    user_id = r.json()["user_id"]
    mail = smtp_sink.wait_for(address)[0]
    assert mail.subject == f"Verify your email at {mail_project.display_name}"
    assert email.utils.parseaddr(mail.from_header) == (mail_project.display_name, SENDER)
    code = mail.link_code(SIGN_UP_CALLBACK)
    assert get_user(mail_api, mail_project, user_id)["primary_email_verified"] is False
    assert assert_json(verify(mail_api, mail_project, code)) == {"success": True}
    assert get_user(mail_api, mail_project, user_id)["primary_email_verified"] is True


def test_sign_up_email_arrives_before_mail_asked_for_next(mail_api, mail_project, smtp_sink):
    # The sign-up answers once its (background) e-mail is handed over, so a
    # code asked for right after it cannot overtake it (Stack's suite reads
    # the mailbox in order). Several at once, as clients do.
    def sign_up_then_ask_again() -> str:
        address = new_email("order")
        r = sign_up(mail_api, mail_project, address)
        assert r.status_code == 200, r.text
        h = mail_api.headers("client", mail_project, access_token=r.json()["access_token"])
        r = mail_api.post(LEGACY_SEND, headers=h, json={"email": address, "callback_url": CALLBACK})
        assert assert_json(r) == {"success": True}
        return address

    with ThreadPoolExecutor(4) as pool:
        addresses = list(pool.map(lambda _: sign_up_then_ask_again(), range(8)))
    for address in addresses:
        first, second = smtp_sink.wait_for(address, 2)
        assert SIGN_UP_CALLBACK in first.text and CALLBACK in second.text and \
            SIGN_UP_CALLBACK not in second.text, (first.text, second.text)


def test_sign_up_with_untrusted_callback_sends_nothing(mail_api, mail_project, smtp_sink):
    address = new_email("signup")
    r = sign_up(mail_api, mail_project, address, callback="https://evil.example.com/verify")
    assert_error(r, "REDIRECT_URL_NOT_WHITELISTED")
    assert smtp_sink.to(address) == []


def test_legacy_send_verification_code(mail_api, mail_project, smtp_sink):
    address = new_email("legacy")
    r = sign_up(mail_api, mail_project, address)
    assert r.status_code == 200, r.text
    tokens = r.json()
    smtp_sink.wait_for(address)
    h = mail_api.headers("client", mail_project, access_token=tokens["access_token"])
    other = new_email()
    r = mail_api.post(LEGACY_SEND, headers=h, json={"email": other, "callback_url": CALLBACK})
    assert_known_error(r, 400, "EMAIL_IS_NOT_PRIMARY_EMAIL",
                       f"The given e-mail ({other}) must equal the user's primary e-mail ({address}).",
                       {"email": other, "primary_email": address})
    r = mail_api.post(LEGACY_SEND, headers=h, json={"email": address, "callback_url": "https://evil.example.com"})
    assert_error(r, "REDIRECT_URL_NOT_WHITELISTED")
    r = mail_api.post(LEGACY_SEND, headers=h, json={"email": address, "callback_url": CALLBACK})
    assert assert_json(r) == {"success": True}
    mails = smtp_sink.wait_for(address, 2)
    assert assert_json(verify(mail_api, mail_project, mails[-1].link_code(CALLBACK))) == {"success": True}
    r = mail_api.post(LEGACY_SEND, headers=h, json={"email": address, "callback_url": CALLBACK})
    assert_already_verified(r)
    # No user.
    r = mail_api.post(LEGACY_SEND, headers=mail_api.headers("client", mail_project),
                      json={"email": address, "callback_url": CALLBACK})
    assert_schema_error(r, "POST", LEGACY_SEND, ["auth.user must be defined"])
    r = mail_api.post(LEGACY_SEND, headers=h, json={"email": "a@localhost", "callback_url": CALLBACK})
    assert_schema_error_contains(r, "POST", LEGACY_SEND)


# --- header auth -----------------------------------------------------------------


def test_header_auth(mail_api, mail_project, smtp_sink):
    user = otp_user(mail_api, mail_project, smtp_sink)
    cid = list_channels(mail_api, client(mail_api, mail_project, user), user_id="me")[0]["id"]
    uid = user["user_id"]
    calls = [
        lambda h: mail_api.get(CC, headers=h, params={"user_id": uid}),
        lambda h: mail_api.post(CC, headers=h, json={"user_id": uid, "type": "email", "value": new_email(),
                                                     "used_for_auth": False}),
        lambda h: mail_api.get(channel_path(uid, cid), headers=h),
        lambda h: mail_api.patch(channel_path(uid, cid), headers=h, json={}),
        lambda h: mail_api.delete(channel_path(uid, str(uuid.uuid4())), headers=h),
        lambda h: send_code(mail_api, h, uid, cid),
        lambda h: mail_api.post(VERIFY, headers=h, json={"code": "a" * 45}),
        lambda h: mail_api.post(CHECK, headers=h, json={"code": "a" * 45}),
        lambda h: mail_api.post(LEGACY_SEND, headers=h, json={"email": user["email"], "callback_url": CALLBACK}),
    ]
    for call in calls:
        check_header_auth_matrix(mail_api, mail_project, call, token_user=uid)
