"""Helpers shared by the end-to-end suite: a small HTTP client for a running
Latchkey, response assertions for the wire contract (spec/overview.md §6–§8,
spec/errors.md §1) and self-minted ES256 access tokens (spec/tokens.md §1–§2).

Nothing here starts a server; conftest.py does that and hands out a Client.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json
import re
import socket
import time
import uuid
from typing import Any, Iterable, Mapping, Optional

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import ec

# --- fixed test configuration -------------------------------------------------

# The public development secret of Stack Auth: with it, the JWKS of project
# `internal` must equal the test vector of tokens.md §2 exactly.
SERVER_SECRET = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo"

# Keys of the internal project's seeded key set (projects.md §3.1); the
# values the reference's own e2e suite uses.
INTERNAL_PROJECT_ID = "internal"
INTERNAL_KEYS = {
    "client": "this-publishable-client-key-is-for-local-development-only",
    "server": "this-secret-server-key-is-for-local-development-only",
    "admin": "this-super-secret-admin-key-is-for-local-development-only",
}
INTERNAL_KEY_SET_ID = "3142e763-b230-44b5-8636-aa62f7489c26"
INTERNAL_KEY_SET_EXPIRES_AT_MILLIS = 4102444799000  # 2099-12-31T23:59:59Z

KEY_HEADERS = {
    "client": "x-stack-publishable-client-key",
    "server": "x-stack-secret-server-key",
    "admin": "x-stack-super-secret-admin-key",
}
KEY_FIELDS = {
    "client": "publishable_client_key",
    "server": "secret_server_key",
    "admin": "super_secret_admin_key",
}
KEY_PREFIXES = {"client": "pck_", "server": "ssk_", "admin": "sak_"}

# Test-only clock route (enabled by --test-mode).
CLOCK_ADVANCE_PATH = "/latchkey-test/clock/advance"

# --- formats ------------------------------------------------------------------

CROCKFORD_LOWER = "[0-9a-hjkmnp-tv-z]"
REQUEST_ID_RE = re.compile(rf"^{CROCKFORD_LOWER}{{16}}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
KEY_RE = {
    access: re.compile(rf"^{prefix}{CROCKFORD_LOWER}{{45}}$")
    for access, prefix in KEY_PREFIXES.items()
}

JSON_CT = "application/json; charset=utf-8"
TEXT_CT = "text/plain; charset=utf-8"

# Every header an SDK sends cross-origin: Stack's list, the allow-* switches
# of SDK 2.8.39+, and the x-hexclave-* twins that SDK 2.8.108 sends instead.
_STACK_REQUEST_HEADERS = [
    "project-id", "branch-id", "override-error-status", "random-nonce", "client-version",
    "disable-artificial-development-delay", "access-type", "publishable-client-key",
    "secret-server-key", "super-secret-admin-key", "admin-access-token", "refresh-token",
    "access-token", "allow-anonymous-user", "allow-restricted-user",
]
CORS_ALLOWED_REQUEST_HEADERS = (
    ["content-type", "authorization"]
    + [prefix + name for prefix in ("x-stack-", "x-hexclave-") for name in _STACK_REQUEST_HEADERS]
    + ["baggage", "sentry-trace", "x-vercel-protection-bypass", "ngrok-skip-browser-warning"]
)
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Max-Age": "86400",
    "Access-Control-Allow-Headers": ", ".join(CORS_ALLOWED_REQUEST_HEADERS),
    "Access-Control-Expose-Headers": (
        "content-type, x-stack-actual-status, x-stack-known-error, "
        "x-hexclave-actual-status, x-hexclave-known-error"
    ),
}

STATIC_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "",
}

WELCOME = (
    "Welcome to the Stack API endpoint! Please refer to the documentation at "
    "https://docs.stack-auth.com."
)

# --- projects -----------------------------------------------------------------


@dataclasses.dataclass
class Project:
    id: str
    display_name: str
    keys: dict  # access type -> key (only the keys we know)


INTERNAL_PROJECT = Project(INTERNAL_PROJECT_ID, "Stack Dashboard", dict(INTERNAL_KEYS))

# --- base64url / key derivation (tokens.md §2) --------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def js_json_stringify(value: Any) -> str:
    """JSON.stringify for strings/arrays: no whitespace, no ASCII escaping."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclasses.dataclass
class DerivedKey:
    per_audience_secret: str
    kid: str
    d: str  # base64url, 32 bytes
    x: str
    y: str
    private_key: ec.EllipticCurvePrivateKey

    @property
    def jwk(self) -> dict:
        return {"kty": "EC", "crv": "P-256", "alg": "ES256", "kid": self.kid, "x": self.x, "y": self.y}


def derive_key(secret: str, audience: str) -> DerivedKey:
    j1 = js_json_stringify([secret, audience]).encode("utf-8")
    s_aud = b64url(hashlib.sha256(j1).digest())
    kid = b64url(hashlib.sha256(js_json_stringify([s_aud, "kid"]).encode("utf-8")).digest())[:12]
    d_bytes = hashlib.sha256(b64url_decode(s_aud)).digest()
    private_key = ec.derive_private_key(int.from_bytes(d_bytes, "big"), ec.SECP256R1())
    numbers = private_key.public_key().public_numbers()
    return DerivedKey(
        per_audience_secret=s_aud,
        kid=kid,
        d=b64url(d_bytes),
        x=b64url(numbers.x.to_bytes(32, "big")),
        y=b64url(numbers.y.to_bytes(32, "big")),
        private_key=private_key,
    )


# --- access tokens (tokens.md §1) ---------------------------------------------

OMIT = object()  # "leave this claim / header member out"


def issuer_for(origin: str, project_id: str) -> str:
    return f"{origin}/api/v1/projects/{project_id}"


def iso_of_seconds(seconds: int) -> str:
    dt = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def mint_access_token(
    aud: Any,
    *,
    origin: str,
    now: int,
    secret: str = SERVER_SECRET,
    sub: Any = None,
    branch_id: Any = "main",
    refresh_token_id: Any = None,
    role: Any = "authenticated",
    iss: Any = None,
    iat: Any = None,
    exp: Any = None,
    lifetime: int = 600,
    kid: Any = None,
    key: Optional[ec.EllipticCurvePrivateKey] = None,
    key_audience: Optional[str] = None,
) -> str:
    """An ES256 access token shaped like the server's (tokens.md §1.2).

    `aud` may be OMIT or a non-string (e.g. a list) for malformed tokens; the
    signing key is derived from `key_audience` (default: `aud`) unless `key`
    is given. Any claim set to OMIT is left out; `kid=OMIT` drops the header
    member.
    """
    key_aud = key_audience if key_audience is not None else (aud if isinstance(aud, str) else "internal")
    derived = derive_key(secret, key_aud)
    base = now if iat is None or iat is OMIT else iat
    claims = {
        "sub": str(uuid.uuid4()) if sub is None else sub,
        "branchId": branch_id,
        "refreshTokenId": str(uuid.uuid4()) if refresh_token_id is None else refresh_token_id,
        "role": role,
        "iss": issuer_for(origin, key_aud) if iss is None else iss,
        "iat": now if iat is None else iat,
        "aud": aud,
        "exp": base + lifetime if exp is None else exp,
    }
    claims = {k: v for k, v in claims.items() if v is not OMIT}
    headers: dict = {"typ": None}  # exactly {"alg","kid"} like the server's
    if kid is not OMIT:
        headers["kid"] = derived.kid if kid is None else kid
    return jwt.encode(claims, key or derived.private_key, algorithm="ES256", headers=headers)


def random_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


# --- header building ----------------------------------------------------------

_PLAIN_HEADERS = {"content_type", "accept", "authorization", "origin", "x_forwarded_for"}


def header_name(py_name: str) -> str:
    if py_name in _PLAIN_HEADERS:
        return py_name.replace("_", "-")
    return "x-stack-" + py_name.replace("_", "-")


# --- the client ---------------------------------------------------------------


class Client:
    """Calls one running server. Every call uses a fresh connection (so that a
    broken response cannot leak into the next test) and never follows
    redirects unless asked to."""

    def __init__(self, base_url: str, known_projects: Optional[dict] = None):
        self.base_url = base_url.rstrip("/")
        self.projects: dict = known_projects if known_projects is not None else {}
        self.projects.setdefault(INTERNAL_PROJECT_ID, INTERNAL_PROJECT)
        self.clock_offset_ms = 0
        # Set: every request with an access type says this client version,
        # as the JS SDKs do (it selects the shapes later SDKs read).
        self.client_version: Optional[str] = None

    # URLs and headers

    def url(self, path: str) -> str:
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.base_url + path

    def headers(self, access_type: Optional[str] = None, project: Any = None, **extra: Any) -> dict:
        """Stack headers for `access_type` on `project` (a Project or an id;
        default `internal`), with the key of that access type when known.
        Extra keyword arguments name further headers (`access_token=` →
        `x-stack-access-token`, `content_type=` → `content-type`); a value of
        None removes the header."""
        result: dict = {}
        if access_type is not None:
            if project is None:
                project = INTERNAL_PROJECT
            if isinstance(project, str):
                project = self.projects.get(project, Project(project, "", {}))
            result["x-stack-access-type"] = access_type
            result["x-stack-project-id"] = project.id
            if access_type in KEY_HEADERS and access_type in project.keys:
                result[KEY_HEADERS[access_type]] = project.keys[access_type]
            if self.client_version:
                result["x-stack-client-version"] = self.client_version
        elif project is not None:
            result["x-stack-project-id"] = project if isinstance(project, str) else project.id
        for name, value in extra.items():
            hname = header_name(name)
            if value is None:
                result.pop(hname, None)
            else:
                result[hname] = value
        return result

    # HTTP

    def request(self, method: str, path: str, *, headers: Optional[Mapping] = None,
                allow_redirects: bool = False, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 15)
        with requests.Session() as session:
            session.trust_env = False
            return session.request(method, self.url(path), headers=dict(headers or {}),
                                   allow_redirects=allow_redirects, **kwargs)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    def options(self, path: str, **kw: Any) -> requests.Response:
        return self.request("OPTIONS", path, **kw)

    def head(self, path: str, **kw: Any) -> requests.Response:
        return self.request("HEAD", path, **kw)

    # clock (test mode)

    def advance_clock(self, millis: int) -> int:
        r = self.post(CLOCK_ADVANCE_PATH, json={"millis": millis})
        assert r.status_code == 200, f"clock advance failed: {r.status_code} {r.text!r}"
        offset = r.json()["offset_millis"]
        self.clock_offset_ms = offset
        return offset

    def now_seconds(self) -> int:
        """The server's idea of now (system time plus the test-mode offset)."""
        return int(time.time() + self.clock_offset_ms / 1000)

    def now_millis(self) -> int:
        return int(time.time() * 1000) + self.clock_offset_ms

    # tokens

    def mint(self, aud: Any = INTERNAL_PROJECT_ID, **kw: Any) -> str:
        kw.setdefault("now", self.now_seconds())
        return mint_access_token(aud, origin=self.base_url, **kw)

    # API key sets

    def create_key_set(self, project: Project, *, description: str = "e2e key set",
                       expires_at_millis: Optional[int] = None,
                       client: bool = True, server: bool = True, admin: bool = True) -> dict:
        body = {
            "description": description,
            "expires_at_millis": expires_at_millis if expires_at_millis is not None
            else self.now_millis() + 24 * 3600 * 1000,
            "has_publishable_client_key": client,
            "has_secret_server_key": server,
            "has_super_secret_admin_key": admin,
        }
        r = self.post("/api/v1/internal/api-keys", headers=self.headers("admin", project), json=body)
        assert r.status_code == 200, r.text
        return r.json()


# --- raw HTTP ------------------------------------------------------------------


def raw_exchange(base_url: str, method: str, path: str, headers: Optional[Mapping] = None) -> tuple:
    """One request on its own connection with `Connection: close`; returns
    (status line, header block, every byte after the header block) exactly as
    received, for checks that HTTP client libraries would hide."""
    host, port = base_url.split("://", 1)[1].rsplit(":", 1)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    data = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, _, header_block = head.decode("latin-1").partition("\r\n")
    return status_line, header_block, rest


# --- assertions ---------------------------------------------------------------


class _NoDetails:
    def __repr__(self) -> str:
        return "<no details>"


NO_DETAILS = _NoDetails()
ANY = object()


def assert_cors(r: requests.Response) -> None:
    for name, value in CORS_HEADERS.items():
        assert r.headers.get(name) == value, f"{name}: {r.headers.get(name)!r}"
    assert "Access-Control-Allow-Credentials" not in r.headers


def assert_static_headers(r: requests.Response) -> None:
    for name, value in STATIC_HEADERS.items():
        assert name in r.headers, f"missing {name}"
        assert r.headers[name] == value, f"{name}: {r.headers[name]!r}"
    assert "Server" not in r.headers, r.headers.get("Server")
    assert "X-Powered-By" not in r.headers, r.headers.get("X-Powered-By")


def assert_route_headers(r: requests.Response) -> None:
    """Headers of every response produced by a route handler under /api/
    (overview.md §6, §8)."""
    rid = r.headers.get("x-stack-request-id")
    assert rid is not None and REQUEST_ID_RE.match(rid), f"x-stack-request-id: {rid!r}"
    assert r.headers.get("cache-control") == "no-store, max-age=0", r.headers.get("cache-control")
    assert_static_headers(r)
    assert_cors(r)


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def assert_known_error(r: requests.Response, status: int, code: str, message: Any = None,
                       details: Any = NO_DETAILS) -> dict:
    """A known error exactly as errors.md §1 puts it on the wire. `message`
    None/ANY skips the message check; `details` NO_DETAILS requires the key to
    be absent, ANY skips the check, anything else must be equal."""
    assert r.status_code == status, f"expected {status} {code}, got {r.status_code}: {r.text!r}"
    assert r.headers.get("x-stack-known-error") == code, (
        f"x-stack-known-error {r.headers.get('x-stack-known-error')!r} != {code!r}; body {r.text!r}")
    # Only a client that sends x-hexclave- headers gets that spelling back
    # (test_hexclave_headers.py); x-stack- clients get Stack's headers exactly.
    hexclave = any(k.lower().startswith("x-hexclave-") for k in r.request.headers)
    assert r.headers.get("x-hexclave-known-error") == (code if hexclave else None), (
        r.headers.get("x-hexclave-known-error"))
    assert r.headers.get("content-type") == JSON_CT, r.headers.get("content-type")
    body = r.json()
    assert body.get("code") == code, body
    assert isinstance(body.get("error"), str), body
    if details is NO_DETAILS:
        assert list(body.keys()) == ["code", "error"], f"unexpected keys/order {list(body.keys())}: {body}"
    else:
        assert list(body.keys()) == ["code", "details", "error"], f"unexpected keys/order {list(body.keys())}: {body}"
        assert isinstance(body["details"], dict), body
        if details is not ANY:
            assert body["details"] == details, body["details"]
    if message is not None and message is not ANY:
        assert body["error"] == message, f"message {body['error']!r} != {message!r}"
    # the error envelope is always pretty-printed with two spaces
    assert r.text == pretty(body), f"error body is not 2-space pretty JSON: {r.text!r}"
    assert_route_headers(r)
    return body


def schema_message(method: str, path: str, lines: Iterable[str]) -> str:
    return f"Request validation failed on {method} {path}:" + "".join(f"\n  - {line}" for line in lines)


def assert_schema_error(r: requests.Response, method: str, path: str, lines: Iterable[str]) -> None:
    msg = schema_message(method, path, lines)
    assert_known_error(r, 400, "SCHEMA_ERROR", msg, {"message": msg})


def assert_schema_error_contains(r: requests.Response, method: str, path: str,
                                 lines: Iterable[str] = ()) -> str:
    """SCHEMA_ERROR whose message has the prefix and (in any order) the lines."""
    body = assert_known_error(r, 400, "SCHEMA_ERROR", details=ANY)
    msg = body["error"]
    assert body["details"] == {"message": msg}, body
    prefix = f"Request validation failed on {method} {path}:"
    assert msg.startswith(prefix + "\n  - "), msg
    got = msg[len(prefix):].split("\n  - ")[1:]
    for line in lines:
        assert line in got, f"{line!r} not among {got!r}"
    return msg


def assert_plain_text(r: requests.Response, status: int, text: str, *, route: bool = True) -> None:
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text!r}"
    assert r.headers.get("content-type") == TEXT_CT, r.headers.get("content-type")
    assert "x-stack-known-error" not in r.headers, r.headers.get("x-stack-known-error")
    assert "x-hexclave-known-error" not in r.headers
    assert r.text == text, f"{r.text!r} != {text!r}"
    if route:
        assert_route_headers(r)


def assert_json(r: requests.Response, status: int = 200) -> Any:
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text!r}"
    assert r.headers.get("content-type") == JSON_CT, r.headers.get("content-type")
    assert "x-stack-known-error" not in r.headers
    body = r.json()
    assert r.text == compact(body), f"success body is not compact JSON: {r.text!r}"
    assert_route_headers(r)
    return body


def welcome_text(access_type: Optional[str] = None, project_id: str = "internal", user: str = "None") -> str:
    if access_type is None:
        return WELCOME + "\n\nAuthentication: None"
    return (WELCOME + f"\n\nAuthentication: {access_type.capitalize()}"
            + f"\n  Project: {project_id}\n  User: {user}")


def not_found_text(full_url: str) -> str:
    return (
        "404 \u2014 this page does not exist in Stack Auth's API.\n\n"
        "Please see the API documentation at https://docs.stack-auth.com, or visit the "
        "Stack Auth dashboard at https://app.stack-auth.com.\n\n"
        f"URL: {full_url}"
    )


# --- error messages (errors.md §3.2, §3.3) ------------------------------------

DOCS_AUTH = "For more information, see the docs on REST API authentication: https://docs.stack-auth.com/rest-api/overview#authentication"
MSG = {
    "PROJECT_KEY_WITHOUT_ACCESS_TYPE": "Either an API key or an admin access token was provided, but the x-stack-access-type header is missing. Set it to 'client', 'server', or 'admin' as appropriate.",
    "ACCESS_TYPE_REQUIRED": "You must specify an access level for this Stack project. Make sure project API keys are provided (eg. x-stack-publishable-client-key) and you set the x-stack-access-type header to 'client', 'server', or 'admin'.\n\n" + DOCS_AUTH,
    "CLIENT_AUTHENTICATION_REQUIRED": "The publishable client key must be provided.",
    "SERVER_AUTHENTICATION_REQUIRED": "The secret server key must be provided.",
    "ADMIN_AUTHENTICATION_REQUIRED": "The super secret admin key must be provided.",
    "UNPARSABLE_ACCESS_TOKEN": "Access token is not parsable.",
    "UNPARSABLE_ADMIN_ACCESS_TOKEN": "Admin access token is not parsable.",
    "ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN": "Admin access token does not have the required permissions to access this project.",
    "INVALID_PROJECT_FOR_ADMIN_ACCESS_TOKEN": "Admin access tokens must be created on the internal project.",
    "BODY_PARSING_INVALID_JSON": "Invalid JSON in request body",
    "API_KEY_NOT_FOUND": "API key not found.",
}
ADMIN_TOKEN_USER_GONE = (
    "The user associated with the admin access token is no longer valid. "
    "Please refresh the admin access token and try again."
)
AUTH_REQUIRED_CODE = {
    "client": "CLIENT_AUTHENTICATION_REQUIRED",
    "server": "SERVER_AUTHENTICATION_REQUIRED",
    "admin": "ADMIN_AUTHENTICATION_REQUIRED",
}
INVALID_KEY_CODE = {
    "client": "INVALID_PUBLISHABLE_CLIENT_KEY",
    "server": "INVALID_SECRET_SERVER_KEY",
    "admin": "INVALID_SUPER_SECRET_ADMIN_KEY",
}
_INVALID_KEY_NOUN = {"client": "publishable key", "server": "secret server key", "admin": "super secret admin key"}


def invalid_access_type_message(value: str) -> str:
    return f"The x-stack-access-type header must be 'client', 'server', or 'admin', but was '{value}'."


def access_type_without_project_message(access_type: str) -> str:
    return (f"The x-stack-access-type header was '{access_type}', but the x-stack-project-id "
            f"header was not provided.\n\n" + DOCS_AUTH)


def insufficient_access_type_message(actual: str, allowed: Iterable[str]) -> str:
    joined = " or ".join(f"'{a}'" for a in allowed)
    return f"The x-stack-access-type header must be {joined}, but was '{actual}'."


def invalid_key_message(access_type: str, project_id: str) -> str:
    return (f"The {_INVALID_KEY_NOUN[access_type]} is not valid for the project "
            f"{json.dumps(project_id)}. Does the project and/or the key exist?")


def assert_invalid_key(r: requests.Response, access_type: str, project_id: str) -> None:
    assert_known_error(r, 401, INVALID_KEY_CODE[access_type], invalid_key_message(access_type, project_id),
                       {"project_id": project_id})


def assert_auth_required(r: requests.Response, access_type: str) -> None:
    code = AUTH_REQUIRED_CODE[access_type]
    assert_known_error(r, 401, code, MSG[code])


def assert_insufficient_access_type(r: requests.Response, actual: str, allowed: list) -> None:
    assert_known_error(r, 401, "INSUFFICIENT_ACCESS_TYPE", insufficient_access_type_message(actual, allowed),
                       {"actual_access_type": actual, "allowed_access_types": allowed})


def assert_access_token_expired(r: requests.Response, exp: int, *, admin: bool = False) -> None:
    if admin:
        code = "ADMIN_ACCESS_TOKEN_EXPIRED"
        msg = "Admin access token has expired. Please refresh it and try again."
    else:
        code = "ACCESS_TOKEN_EXPIRED"
        msg = "Access token has expired. Please refresh it and try again."
    msg += f" (The access token expired at {iso_of_seconds(exp)}.)"
    assert_known_error(r, 401, code, msg, {"expired_at_millis": exp * 1000})


def assert_unparsable_token(r: requests.Response, *, admin: bool = False) -> None:
    code = "UNPARSABLE_ADMIN_ACCESS_TOKEN" if admin else "UNPARSABLE_ACCESS_TOKEN"
    assert_known_error(r, 401, code, MSG[code])


def assert_invalid_project_for_token(r: requests.Response, expected: str, actual: str) -> None:
    assert_known_error(
        r, 401, "INVALID_PROJECT_FOR_ACCESS_TOKEN",
        f"Access token not valid for this project. Expected project ID {json.dumps(expected)}, "
        f"but the token is for project ID {json.dumps(actual)}.",
        {"expected_project_id": expected, "actual_project_id": actual})
