"""Helpers for the password, session and refresh e2e tests: the calls, the
exact error messages of errors.md §3 they need, and a bad-header matrix that
every C+ endpoint must answer with the header-auth errors of overview.md §3.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Callable, Optional

import requests

from latchkey_e2e import (
    ANY,
    INTERNAL_PROJECT,
    Project,
    assert_access_token_expired,
    assert_auth_required,
    assert_invalid_key,
    assert_known_error,
    assert_schema_error_contains,
    assert_unparsable_token,
    invalid_access_type_message,
    MSG,
)

V1 = "/api/v1"
SIGN_UP = f"{V1}/auth/password/sign-up"
SIGN_IN = f"{V1}/auth/password/sign-in"
UPDATE = f"{V1}/auth/password/update"
SET = f"{V1}/auth/password/set"
SESSIONS = f"{V1}/auth/sessions"
CURRENT = f"{V1}/auth/sessions/current"
REFRESH = f"{V1}/auth/sessions/current/refresh"
OAUTH_TOKEN = f"{V1}/auth/oauth/token"
ANON_SIGN_UP = f"{V1}/auth/anonymous/sign-up"
ME = f"{V1}/users/me"
ADMIN_PROJECT = f"{V1}/internal/projects/current"

CALLBACK = "http://localhost:3000/verify-email"
PASSWORD = "correct horse 123"

MESSAGES = {
    "PASSWORD_AUTHENTICATION_NOT_ENABLED": "Password authentication is not enabled for this project.",
    "REDIRECT_URL_NOT_WHITELISTED": (
        "Redirect URL not whitelisted. Did you forget to add this domain to the trusted domains "
        "list on the Stack Auth dashboard?"),
    "SIGN_UP_NOT_ENABLED": (
        "Creation of new accounts is not enabled for this project. Please ask the project owner "
        "to enable it."),
    "EMAIL_PASSWORD_MISMATCH": "Wrong e-mail or password.",
    "USER_DOES_NOT_HAVE_PASSWORD": "This user does not have password authentication enabled.",
    "PASSWORD_CONFIRMATION_MISMATCH": "Passwords do not match.",
    "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED": (
        "Refresh token not found for this project, or the session has expired/been revoked."),
    "CANNOT_DELETE_CURRENT_SESSION": "Cannot delete the current session.",
    "CANNOT_GET_OWN_USER_WITHOUT_USER": (
        "You have specified 'me' as a userId, but did not provide authentication for a user."),
    "ANONYMOUS_ACCOUNTS_NOT_ENABLED": "Anonymous accounts are not enabled for this project.",
    "INVALID_OAUTH_CLIENT_ID_OR_SECRET": (
        "The OAuth client ID or secret is invalid. The client ID must be equal to the project ID "
        "(potentially with a hash and a branch ID), and the client secret must be a publishable "
        "client key."),
    "MULTI_FACTOR_AUTHENTICATION_REQUIRED": "Multi-factor authentication is required for this user.",
}

STRICT_EMAIL_LINE = 'must match the following: "/^[^.]+(\\.[^.]+)*@.*\\.[^.][^.]+$/"'


def new_email(prefix: str = "u") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def assert_error(r: requests.Response, code: str, status: int = 400, details: Any = None) -> dict:
    """A known error with the exact message of errors.md."""
    if details is None:
        return assert_known_error(r, status, code, MESSAGES[code])
    return assert_known_error(r, status, code, MESSAGES[code], details)


def assert_password_too_short(r: requests.Response) -> None:
    assert_known_error(r, 400, "PASSWORD_TOO_SHORT", "Password too short. Minimum length is 8.",
                       {"min_length": 8})


def assert_email_exists(r: requests.Response, email: str) -> None:
    assert_known_error(r, 409, "USER_EMAIL_ALREADY_EXISTS", f"A user with email {json.dumps(email)} already exists.",
                       {"email": email})


def assert_refresh_token_error(r: requests.Response) -> None:
    assert_error(r, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED", 401)


def assert_schema_lines(r: requests.Response, method: str, path: str, lines: list) -> str:
    return assert_schema_error_contains(r, method, path, lines)


def assert_schema_line_prefix(r: requests.Response, method: str, path: str, prefix: str) -> None:
    """SCHEMA_ERROR with some line starting with `prefix` (the yup type-error
    wording is the schema layer's, tested there)."""
    msg = assert_schema_error_contains(r, method, path)
    assert any(line.startswith(prefix) for line in msg.split("\n  - ")[1:]), msg


def assert_never_5xx(r: requests.Response) -> None:
    assert r.status_code < 500, f"{r.status_code}: {r.text!r}"


# --- calls ------------------------------------------------------------------


def sign_up(api, project: Project = INTERNAL_PROJECT, email: Optional[str] = None,
            password: str = PASSWORD, access: str = "client", callback: str = CALLBACK,
            **headers) -> requests.Response:
    body = {"email": email or new_email(), "password": password, "verification_callback_url": callback}
    return api.post(SIGN_UP, headers=api.headers(access, project, **headers), json=body)


def signed_up(api, project: Project = INTERNAL_PROJECT, email: Optional[str] = None,
              password: str = PASSWORD) -> dict:
    """Signs up a new user; returns the variant-A body plus `email`."""
    email = email or new_email()
    r = sign_up(api, project, email, password)
    assert r.status_code == 200, r.text
    body = r.json()
    body["email"] = email
    return body


def sign_in(api, project: Project, email: str, password: str = PASSWORD, access: str = "client",
            **headers) -> requests.Response:
    return api.post(SIGN_IN, headers=api.headers(access, project, **headers),
                    json={"email": email, "password": password})


def refresh(api, project: Project, refresh_token: Optional[str], access: str = "client",
            **headers) -> requests.Response:
    h = api.headers(access, project, **headers)
    if refresh_token is not None:
        h["x-stack-refresh-token"] = refresh_token
    return api.post(REFRESH, headers=h)


def list_sessions(api, project: Project, access_token: Optional[str], access: str = "client",
                  params: Optional[dict] = None) -> requests.Response:
    return api.get(SESSIONS, headers=api.headers(access, project, access_token=access_token),
                   params=params if params is not None else {"user_id": "me"})


def set_config(api, project: Project, **config) -> dict:
    r = api.patch(ADMIN_PROJECT, headers=api.headers("admin", project), json={"config": config})
    assert r.status_code == 200, r.text
    return r.json()


def decode_claims(token: str) -> dict:
    import base64
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --- header-auth matrix -----------------------------------------------------

Call = Callable[[dict], requests.Response]


def check_header_auth_matrix(api, project: Project, call: Call, *, token_user: Optional[str] = None,
                             allowed=("client", "server", "admin")) -> None:
    """Every header-auth failure of overview.md §3 on one endpoint. `call`
    sends the request with the given headers (and a valid body)."""
    # No access type at all.
    assert_known_error(call({}), 400, "ACCESS_TYPE_REQUIRED", MSG["ACCESS_TYPE_REQUIRED"])
    # A key without an access type.
    r = call({"x-stack-project-id": project.id, "x-stack-publishable-client-key": project.keys["client"]})
    assert_known_error(r, 400, "PROJECT_KEY_WITHOUT_ACCESS_TYPE", MSG["PROJECT_KEY_WITHOUT_ACCESS_TYPE"])
    # A made-up access type.
    h = api.headers("client", project)
    h["x-stack-access-type"] = "superuser"
    r = call(h)
    assert_known_error(r, 400, "INVALID_ACCESS_TYPE", invalid_access_type_message("superuser"))
    for access in allowed:
        # Missing key, wrong key, key of another project.
        assert_auth_required(call(api.headers(access, project, **{_key_arg(access): None})), access)
        r = call(api.headers(access, project, **{_key_arg(access): "pck_" + "x" * 45}))
        assert_invalid_key(r, access, project.id)
        other = INTERNAL_PROJECT if project.id != INTERNAL_PROJECT.id else None
        if other is not None:
            r = call(api.headers(access, project, **{_key_arg(access): other.keys[access]}))
            assert_invalid_key(r, access, project.id)
    # Garbage and expired access tokens fail on every route (quirk kept).
    r = call(api.headers("client", project, access_token="not.a.jwt"))
    assert_unparsable_token(r)
    now = api.now_seconds()
    expired = api.mint(project.id, sub=token_user or str(uuid.uuid4()), iat=now - 700, exp=now - 100)
    assert_access_token_expired(call(api.headers("client", project, access_token=expired)), now - 100)


def _key_arg(access: str) -> str:
    return {"client": "publishable_client_key", "server": "secret_server_key",
            "admin": "super_secret_admin_key"}[access]
