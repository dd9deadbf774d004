"""Password authentication: spec/auth-endpoints.md §1.1 sign-up, §1.2
sign-in, §1.6 update, §1.7 set, with §0.2 (trusted callback URLs), §0.3
(MFA trigger) and §0.5 (e-mails are normalised on write *and* look-up — the
deliberate deviation from the reference's quirk).
"""
from __future__ import annotations

import os
import re
import signal
import uuid
from pathlib import Path

import pytest

from auth_helpers import (
    CALLBACK,
    PASSWORD,
    SET,
    SIGN_IN,
    SIGN_UP,
    STRICT_EMAIL_LINE,
    UPDATE,
    assert_email_exists,
    assert_error,
    assert_never_5xx,
    assert_password_too_short,
    assert_refresh_token_error,
    assert_schema_line_prefix,
    assert_schema_lines,
    check_header_auth_matrix,
    decode_claims,
    list_sessions,
    new_email,
    refresh,
    set_config,
    sign_in,
    sign_up,
    signed_up,
)
from latchkey_e2e import (
    ANY,
    INTERNAL_PROJECT,
    UUID_RE,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_schema_error,
    MSG,
)

REFRESH_TOKEN_RE = re.compile(r"^[0-9a-hjkmnp-tv-z]{45}$")
# bcrypt of "hunter22" at cost 10 (an imported Stack Auth hash).
BCRYPT_HUNTER22 = "$2a$10$abcdefghijklmnopqrstuu8ghF75pz3E166qWsJO7qgiWIujvDbnu"


def assert_variant_a(r, project_id: str) -> dict:
    body = assert_json(r, 200)
    assert list(body.keys()) == ["access_token", "refresh_token", "user_id"], body
    assert UUID_RE.match(body["user_id"]), body
    assert REFRESH_TOKEN_RE.match(body["refresh_token"]), body
    claims = decode_claims(body["access_token"])
    assert claims["sub"] == body["user_id"]
    assert claims["aud"] == project_id
    assert claims["branchId"] == "main"
    assert claims["role"] == "authenticated"
    assert UUID_RE.match(claims["refreshTokenId"])
    return body


def server_user(api, project, user_id: str) -> dict:
    return assert_json(api.get(f"/api/v1/users/{user_id}", headers=api.headers("server", project)))


def create_user(api, project, **body) -> dict:
    return assert_json(api.post("/api/v1/users", headers=api.headers("server", project), json=body), 201)


# --------------------------------------------------------------------------
# §1.1 sign-up
# --------------------------------------------------------------------------


def test_sign_up_creates_user_and_session(api):
    email = new_email("signup")
    body = assert_variant_a(sign_up(api, email=email), "internal")
    user = server_user(api, INTERNAL_PROJECT, body["user_id"])
    assert user["primary_email"] == email
    assert user["primary_email_verified"] is False
    assert user["primary_email_auth_enabled"] is True
    assert user["has_password"] is True
    assert user["auth_with_email"] is True
    # The session exists and is the access token's current one.
    sessions = assert_json(list_sessions(api, INTERNAL_PROJECT, body["access_token"]))["items"]
    assert [s["id"] for s in sessions] == [decode_claims(body["access_token"])["refreshTokenId"]]
    assert sessions[0]["is_current_session"] is True
    # The refresh token works.
    assert assert_json(refresh(api, INTERNAL_PROJECT, body["refresh_token"])).keys() == {"access_token"}


@pytest.mark.parametrize("access", ["client", "server", "admin"])
def test_sign_up_any_access_type(api, project, access):
    assert_variant_a(sign_up(api, project, access=access), project.id)


def test_sign_up_normalises_email_and_sign_in_matches_any_case(api, project):
    mixed = f"MiXeD-{uuid.uuid4().hex[:8]}@Example.COM"
    lower = mixed.lower()
    body = assert_variant_a(sign_up(api, project, email=mixed), project.id)
    assert server_user(api, project, body["user_id"])["primary_email"] == lower
    # §0.5: Latchkey also normalises on look-up (the reference would fail here).
    for typed in [mixed, lower, mixed.upper()]:
        assert assert_variant_a(sign_in(api, project, typed), project.id)["user_id"] == body["user_id"]
    assert_email_exists(sign_up(api, project, email=lower), lower)
    assert_email_exists(sign_up(api, project, email=mixed.upper()), lower)


def test_sign_up_existing_email_conflicts(api, project):
    email = new_email()
    assert_variant_a(sign_up(api, project, email=email), project.id)
    assert_email_exists(sign_up(api, project, email=email, password="another password"), email)
    assert_email_exists(sign_up(api, project, email=email, access="server"), email)


def test_sign_up_check_order(api, project):
    """credential_enabled → callback URL → password length → sign_up_enabled
    → e-mail in use (§1.1)."""
    taken = signed_up(api, project)["email"]
    set_config(api, project, credential_enabled=False, sign_up_enabled=False, allow_localhost=True)
    r = sign_up(api, project, email=taken, password="short", callback="http://invalid-domain.com")
    assert_error(r, "PASSWORD_AUTHENTICATION_NOT_ENABLED")
    set_config(api, project, credential_enabled=True, sign_up_enabled=False, allow_localhost=True)
    r = sign_up(api, project, email=taken, password="short", callback="http://invalid-domain.com")
    assert_error(r, "REDIRECT_URL_NOT_WHITELISTED")
    assert_password_too_short(sign_up(api, project, email=taken, password="short"))
    assert_password_too_short(sign_up(api, project, email=taken, password=""))
    assert_password_too_short(sign_up(api, project, email=taken, password="1234567"))
    assert_error(sign_up(api, project, email=taken), "SIGN_UP_NOT_ENABLED")
    # Enforced for server and admin too.
    assert_error(sign_up(api, project, access="server"), "SIGN_UP_NOT_ENABLED")
    assert_error(sign_up(api, project, access="admin"), "SIGN_UP_NOT_ENABLED")
    set_config(api, project, credential_enabled=True, sign_up_enabled=True, allow_localhost=True)
    assert_email_exists(sign_up(api, project, email=taken), taken)
    assert_variant_a(sign_up(api, project, password="12345678"), project.id)


def test_sign_up_rejected_callback_creates_no_user(api, project):
    email = new_email()
    assert_error(sign_up(api, project, email=email, callback="https://yourapp.com/verify-email"),
                 "REDIRECT_URL_NOT_WHITELISTED")
    assert_error(sign_in(api, project, email), "EMAIL_PASSWORD_MISMATCH")
    assert_variant_a(sign_up(api, project, email=email), project.id)


def test_sign_up_trusted_domains(api, project):
    set_config(api, project, allow_localhost=False,
               domains=[{"domain": "https://app.example.com/base", "handler_path": "/handler"}])
    for url in ["https://app.example.com/base", "https://app.example.com/base/verify?x=1",
                "https://app.example.com:8443/base/v", "https://APP.example.com/basement"]:
        assert_variant_a(sign_up(api, project, callback=url), project.id)
    for url in ["http://localhost:3000/verify", "http://127.0.0.1/x", "http://app.example.com/base",
                "https://app.example.com/", "https://app.example.com/other/base",
                "https://app.example.com/base/../admin", "https://evil.com/https://app.example.com/base",
                "https://app.example.com.evil.com/base", "https://app.example.com@evil.com/base"]:
        assert_error(sign_up(api, project, callback=url), "REDIRECT_URL_NOT_WHITELISTED")
    set_config(api, project, allow_localhost=True, domains=[])
    for url in ["http://localhost:3000/verify", "https://127.0.0.1/x", "http://dev.localhost/"]:
        assert_variant_a(sign_up(api, project, callback=url), project.id)


def test_sign_up_schema_errors(api, project):
    h = api.headers("client", project)
    m, p = "POST", SIGN_UP
    assert_schema_error(api.post(SIGN_UP, headers=h), m, p, ["body must be defined"])
    assert_schema_error(api.post(SIGN_UP, headers=h, json={}), m, p, [
        "body.email must be defined", "body.password must be defined",
        "body.verification_callback_url must be defined"])
    good = {"email": new_email(), "password": PASSWORD, "verification_callback_url": CALLBACK}

    def post(**changes):
        body = {**good, **changes}
        return api.post(SIGN_UP, headers=h, json={k: v for k, v in body.items() if v is not ...})

    for bad in ["not-an-email", "a b@example.com", "@example.com", ""]:
        assert_schema_error(post(email=bad), m, p, ["body.email must be a valid email"])
    for bad in ["a@localhost", "test.@example.com", "a..b@example.com", ".a@example.com", "a@example.c"]:
        assert_schema_error(post(email=bad), m, p, [f"body.email {STRICT_EMAIL_LINE}"])
    assert_schema_error(post(password="x" * 71), m, p, ["body.password must be at most 70 characters"])
    # 70 characters is fine; lengths are UTF-16 code units (an emoji counts 2).
    assert_variant_a(post(email=new_email(), password="x" * 70), project.id)
    assert_schema_error(post(password="\U0001F600" * 36), m, p, ["body.password must be at most 70 characters"])
    assert_schema_error(post(verification_callback_url="not a url"), m, p, [
        "body.verification_callback_url contains spaces", "body.verification_callback_url is not a valid URL"])
    assert_schema_error(post(verification_callback_url="/relative"), m, p,
                        ["body.verification_callback_url is not a valid URL"])
    assert_schema_error(post(extra=1), m, p, ["body contains unknown properties: extra"])
    assert_schema_error(post(email=None), m, p, ["body.email cannot be null"])
    assert_schema_line_prefix(post(password={"a": 1}), m, p, "body.password must be a `string` type")
    assert_schema_line_prefix(post(email=["a@example.com"]), m, p, "body.email must be a `string` type")
    assert_schema_line_prefix(api.post(SIGN_UP, headers=h, json=[good]), m, p, "body must be a `object` type")
    # A number is cast to its decimal string (yup), then checked.
    assert_password_too_short(post(email=new_email(), password=1234))
    r = api.post(SIGN_UP, headers={**h, "content-type": "application/json"}, data="{not json")
    assert_known_error(r, 400, "BODY_PARSING_ERROR", MSG["BODY_PARSING_INVALID_JSON"])
    r = api.post(SIGN_UP, headers=h, data={"email": good["email"], "password": PASSWORD,
                                           "verification_callback_url": CALLBACK})
    assert_variant_a(r, project.id)  # form bodies are objects of strings


def test_sign_up_header_auth(api, project):
    def call(headers):
        return api.post(SIGN_UP, headers=headers,
                        json={"email": new_email(), "password": PASSWORD, "verification_callback_url": CALLBACK})
    check_header_auth_matrix(api, project, call)


def test_sign_up_with_a_valid_access_token_still_signs_up(api, project):
    other = signed_up(api, project)
    r = sign_up(api, project, access_token=other["access_token"])
    assert assert_variant_a(r, project.id)["user_id"] != other["user_id"]


# --------------------------------------------------------------------------
# §1.2 sign-in
# --------------------------------------------------------------------------


def test_sign_in_creates_a_new_session_each_time(api, project):
    user = signed_up(api, project)
    first = assert_variant_a(sign_in(api, project, user["email"]), project.id)
    second = assert_variant_a(sign_in(api, project, user["email"], access="server"), project.id)
    assert first["user_id"] == second["user_id"] == user["user_id"]
    assert first["refresh_token"] != second["refresh_token"]
    items = assert_json(list_sessions(api, project, second["access_token"]))["items"]
    assert len(items) == 3


def test_sign_in_wrong_password_unknown_email_and_passwordless_user(api, project):
    user = signed_up(api, project)
    passwordless = create_user(api, project, primary_email=new_email(), primary_email_auth_enabled=True)
    no_auth_channel = new_email()
    create_user(api, project, primary_email=no_auth_channel, password=PASSWORD,
                primary_email_auth_enabled=False)
    for email, password in [(user["email"], "wrong password"), (user["email"], PASSWORD + " "),
                            (user["email"], ""), (new_email(), PASSWORD),
                            (passwordless["primary_email"], PASSWORD), (no_auth_channel, PASSWORD)]:
        assert_error(sign_in(api, project, email, password), "EMAIL_PASSWORD_MISMATCH")
    # The same address in another project is another account.
    assert_error(sign_in(api, INTERNAL_PROJECT, user["email"]), "EMAIL_PASSWORD_MISMATCH")


def test_sign_in_ignores_sign_up_enabled_but_not_credential_enabled(api, project):
    user = signed_up(api, project)
    set_config(api, project, sign_up_enabled=False, allow_localhost=True)
    assert_variant_a(sign_in(api, project, user["email"]), project.id)
    set_config(api, project, credential_enabled=False, allow_localhost=True)
    assert_error(sign_in(api, project, user["email"]), "PASSWORD_AUTHENTICATION_NOT_ENABLED")
    assert_error(sign_in(api, project, user["email"], "wrong"), "PASSWORD_AUTHENTICATION_NOT_ENABLED")


def test_sign_in_imported_bcrypt_hash(api, project):
    """Imported Stack Auth (bcrypt) hashes verify, and keep verifying after
    the server upgrades them to argon2id on the first sign-in."""
    email = new_email("bcrypt")
    r = api.post("/api/v1/users", headers=api.headers("server", project),
                 json={"primary_email": email, "primary_email_auth_enabled": True,
                       "password_hash": BCRYPT_HUNTER22})
    if r.status_code == 400 and "password_hash" in r.text:
        pytest.skip("POST /users does not accept password_hash yet")
    assert r.status_code == 201, r.text
    assert_error(sign_in(api, project, email, "hunter23"), "EMAIL_PASSWORD_MISMATCH")
    first = assert_variant_a(sign_in(api, project, email, "hunter22"), project.id)
    second = assert_variant_a(sign_in(api, project, email, "hunter22"), project.id)
    assert first["user_id"] == second["user_id"]
    assert_error(sign_in(api, project, email, "hunter23"), "EMAIL_PASSWORD_MISMATCH")


def test_sign_in_with_mfa_returns_attempt_code_and_no_session(api, project):
    user = signed_up(api, project)
    r = api.patch(f"/api/v1/users/{user['user_id']}", headers=api.headers("server", project),
                  json={"totp_secret_base64": "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="})
    assert r.status_code == 200, r.text
    assert r.json()["requires_totp_mfa"] is True
    before = assert_json(list_sessions(api, project, None, access="server",
                                       params={"user_id": user["user_id"]}))["items"]
    r = sign_in(api, project, user["email"])
    body = assert_known_error(r, 400, "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
                              "Multi-factor authentication is required for this user.", details=ANY)
    assert list(body["details"].keys()) == ["attempt_code"]
    assert REFRESH_TOKEN_RE.match(body["details"]["attempt_code"])
    after = assert_json(list_sessions(api, project, None, access="server",
                                      params={"user_id": user["user_id"]}))["items"]
    assert [s["id"] for s in after] == [s["id"] for s in before]
    # A wrong password is still just a mismatch (no attempt code leaks).
    assert_error(sign_in(api, project, user["email"], "wrong password"), "EMAIL_PASSWORD_MISMATCH")


def test_sign_in_schema_errors(api, project):
    h = api.headers("client", project)
    m, p = "POST", SIGN_IN
    assert_schema_error(api.post(SIGN_IN, headers=h, json={}), m, p,
                        ["body.email must be defined", "body.password must be defined"])
    assert_schema_error(api.post(SIGN_IN, headers=h), m, p, ["body must be defined"])
    assert_schema_error(api.post(SIGN_IN, headers=h, json={"email": "nope", "password": "x"}), m, p,
                        ["body.email must be a valid email"])
    assert_schema_error(api.post(SIGN_IN, headers=h, json={"email": "a@b.co", "password": "x" * 71}), m, p,
                        ["body.password must be at most 70 characters"])
    assert_schema_error(api.post(SIGN_IN, headers=h, json={"email": "a@b.co", "password": "x", "code": "1"}),
                        m, p, ["body contains unknown properties: code"])
    # The lenient rule: no TLD needed, then simply no such account.
    assert_error(api.post(SIGN_IN, headers=h, json={"email": "a@localhost", "password": "x"}),
                 "EMAIL_PASSWORD_MISMATCH")
    assert_schema_line_prefix(api.post(SIGN_IN, headers=h, json={"email": "a@b.co", "password": True}),
                              m, p, "body.password must be a `string` type")


def test_sign_in_header_auth(api, project):
    user = signed_up(api, project)
    check_header_auth_matrix(api, project, lambda h: api.post(
        SIGN_IN, headers=h, json={"email": user["email"], "password": PASSWORD}))


# --------------------------------------------------------------------------
# §1.6 update
# --------------------------------------------------------------------------


def update(api, project, access_token, old, new, access="client", **headers):
    return api.post(UPDATE, headers=api.headers(access, project, access_token=access_token, **headers),
                    json={"old_password": old, "new_password": new})


def test_update_changes_password_and_keeps_only_the_named_session(api, project):
    user = signed_up(api, project)
    keep = assert_variant_a(sign_in(api, project, user["email"]), project.id)
    other = assert_variant_a(sign_in(api, project, user["email"]), project.id)
    r = update(api, project, keep["access_token"], PASSWORD, "brand new password",
               refresh_token=keep["refresh_token"])
    assert assert_json(r) == {"success": True}
    assert_json(refresh(api, project, keep["refresh_token"]))
    assert_refresh_token_error(refresh(api, project, other["refresh_token"]))
    assert_refresh_token_error(refresh(api, project, user["refresh_token"]))
    assert_error(sign_in(api, project, user["email"]), "EMAIL_PASSWORD_MISMATCH")
    assert_variant_a(sign_in(api, project, user["email"], "brand new password"), project.id)


def test_update_without_refresh_token_ends_every_session(api, project):
    user = signed_up(api, project)
    r = update(api, project, user["access_token"], PASSWORD, "brand new password", access="server")
    assert assert_json(r) == {"success": True}
    assert_refresh_token_error(refresh(api, project, user["refresh_token"]))
    # A refresh token of someone else in the header keeps nothing of theirs.
    other = signed_up(api, project)
    again = assert_variant_a(sign_in(api, project, user["email"], "brand new password"), project.id)
    r = update(api, project, again["access_token"], "brand new password", "third password!",
               refresh_token=other["refresh_token"])
    assert assert_json(r) == {"success": True}
    assert_refresh_token_error(refresh(api, project, again["refresh_token"]))
    assert_json(refresh(api, project, other["refresh_token"]))


def test_update_check_order(api, project):
    user = signed_up(api, project)
    token = user["access_token"]
    assert_password_too_short(update(api, project, token, "wrong password", "short"))
    assert_error(update(api, project, token, "wrong password", "long enough"), "PASSWORD_CONFIRMATION_MISMATCH")
    # Nothing changed.
    assert_variant_a(sign_in(api, project, user["email"]), project.id)
    anon = assert_json(api.post("/api/v1/users", headers=api.headers("server", project), json={}), 201)
    anon_token = api.mint(project.id, sub=anon["id"])
    assert_error(update(api, project, anon_token, "whatever", "long enough"), "USER_DOES_NOT_HAVE_PASSWORD")
    assert_password_too_short(update(api, project, anon_token, "whatever", "short"))
    set_config(api, project, credential_enabled=False, allow_localhost=True)
    assert_error(update(api, project, token, PASSWORD, "short"), "PASSWORD_AUTHENTICATION_NOT_ENABLED")


def test_update_schema_and_auth_errors(api, project):
    user = signed_up(api, project)
    m, p = "POST", UPDATE
    h = api.headers("client", project)
    r = api.post(UPDATE, headers=h, json={"old_password": PASSWORD, "new_password": "long enough"})
    assert_schema_error(r, m, p, ["auth.user must be defined"])
    assert_schema_error(api.post(UPDATE, headers=h, json={}), m, p, [
        "auth.user must be defined", "body.old_password must be defined", "body.new_password must be defined"])
    h = api.headers("client", project, access_token=user["access_token"])
    assert_schema_error(api.post(UPDATE, headers=h, json={"old_password": PASSWORD}), m, p,
                        ["body.new_password must be defined"])
    assert_schema_error(api.post(UPDATE, headers=h, json={"old_password": "x" * 71, "new_password": "y" * 71}),
                        m, p, ["body.old_password must be at most 70 characters",
                               "body.new_password must be at most 70 characters"])
    assert_schema_error(api.post(UPDATE, headers=h, json={"old_password": "a", "new_password": "b", "x": 1}),
                        m, p, ["body contains unknown properties: x"])
    # A token whose user was deleted: signed out.
    gone = signed_up(api, project)
    assert api.delete(f"/api/v1/users/{gone['user_id']}", headers=api.headers("server", project)).status_code == 200
    r = update(api, project, gone["access_token"], PASSWORD, "long enough")
    assert_schema_error(r, m, p, ["auth.user must be defined"])
    check_header_auth_matrix(api, project, lambda hh: api.post(
        UPDATE, headers=hh, json={"old_password": PASSWORD, "new_password": "long enough"}),
        token_user=user["user_id"])


# --------------------------------------------------------------------------
# §1.7 set
# --------------------------------------------------------------------------


def test_set_password_for_a_user_without_one(api, project):
    email = new_email("set")
    u = create_user(api, project, primary_email=email, primary_email_auth_enabled=True)
    token = api.mint(project.id, sub=u["id"])
    h = api.headers("client", project, access_token=token)
    assert_password_too_short(api.post(SET, headers=h, json={"password": "short"}))
    assert assert_json(api.post(SET, headers=h, json={"password": "my first password"})) == {"success": True}
    assert server_user(api, project, u["id"])["has_password"] is True
    assert_variant_a(sign_in(api, project, email, "my first password"), project.id)
    assert_plain_text(api.post(SET, headers=h, json={"password": "another password"}), 400,
                      "User already has a password set.")
    # The first password still holds.
    assert_variant_a(sign_in(api, project, email, "my first password"), project.id)


def test_set_errors(api, project):
    user = signed_up(api, project)
    m, p = "POST", SET
    h = api.headers("client", project, access_token=user["access_token"])
    assert_plain_text(api.post(SET, headers=h, json={"password": "long enough"}), 400,
                      "User already has a password set.")
    assert_schema_error(api.post(SET, headers=h, json={}), m, p, ["body.password must be defined"])
    assert_schema_error(api.post(SET, headers=h, json={"password": "p" * 71}), m, p,
                        ["body.password must be at most 70 characters"])
    assert_schema_error(api.post(SET, headers=api.headers("server", project), json={"password": "long enough"}),
                        m, p, ["auth.user must be defined"])
    set_config(api, project, credential_enabled=False, allow_localhost=True)
    assert_error(api.post(SET, headers=h, json={"password": "x"}), "PASSWORD_AUTHENTICATION_NOT_ENABLED")
    set_config(api, project, credential_enabled=True, allow_localhost=True)
    check_header_auth_matrix(api, project, lambda hh: api.post(SET, headers=hh, json={"password": "long enough"}),
                             token_user=user["user_id"])


def test_password_endpoints_never_answer_5xx(api, project):
    """A sweep of odd bodies over the four endpoints: always a clean 4xx."""
    user = signed_up(api, project)
    h = api.headers("client", project, access_token=user["access_token"])
    odd = [None, [], "text", 0, {"email": {}}, {"password": None}, {"email": "a@b.co", "password": "\x00" * 8},
           {"email": "a@b.co" * 1000, "password": "x"}, {"old_password": [], "new_password": {}},
           {"email": "\ud83d@b.co", "password": "12345678"}]
    for path in [SIGN_UP, SIGN_IN, UPDATE, SET]:
        for body in odd:
            r = api.post(path, headers=h, json=body)
            assert_never_5xx(r)
            assert 400 <= r.status_code < 500, (path, body, r.status_code, r.text)
        r = api.post(path, headers={**h, "content-type": "application/json"}, data=b"\xff\xfe{")
        assert_never_5xx(r)
        r = api.post(path, headers={**h, "content-type": "multipart/form-data"}, data=b"x")
        assert_known_error(r, 400, "BODY_PARSING_ERROR", "Unknown content type in request body: multipart/form-data")


def _hash_worker_pids(server_pid: int) -> set[int]:
    """The server's `latchkey hash-worker` children (argon2id helpers)."""
    pids = set()
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for pid in map(int, children):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"hash-worker" in cmdline:
                pids.add(pid)
    return pids


def test_sign_in_survives_killed_hashing_processes(server, api, project):
    # argon2id runs in helper processes (one per hashing thread). Killing them
    # costs no request: the next hash starts a fresh helper and is retried.
    user = signed_up(api, project)
    before = _hash_worker_pids(server.process.pid)
    assert before, "the server runs no hash-worker processes"
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    for _ in range(4):  # enough sign-ins to reach every hashing thread
        assert_variant_a(sign_in(api, project, user["email"]), project.id)
    assert_error(sign_in(api, project, user["email"], password="not-the-password"),
                 "EMAIL_PASSWORD_MISMATCH")
    after = _hash_worker_pids(server.process.pid)
    assert after and not (after & before)
