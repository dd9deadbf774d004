"""TOTP helpers for the MFA e2e tests (spec/auth-endpoints.md §0.3, §4):
enrolling a user, computing the current RFC 6238 code against the server's
(test-mode) clock, and calling POST /auth/mfa/sign-in.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct

import requests

V1 = "/api/v1"
MFA_SIGN_IN = f"{V1}/auth/mfa/sign-in"
STEP_MS = 30_000
# Codes are computed this far from a step boundary at least, so that the
# request reaches the server within the same step.
BOUNDARY_MARGIN_MS = 5_000


def hotp(secret: bytes, counter: int, digits: int = 6) -> str:
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def settle_in_step(api) -> int:
    """Moves the server clock past the next step boundary when the current
    step is about to end; returns the server's current step."""
    now = api.now_millis()
    if STEP_MS - now % STEP_MS < BOUNDARY_MARGIN_MS:
        api.advance_clock(STEP_MS - now % STEP_MS + 1_000)
        now = api.now_millis()
    return now // STEP_MS


def current_totp(api, secret: bytes, step_offset: int = 0) -> str:
    return hotp(secret, settle_in_step(api) + step_offset)


def next_step(api) -> None:
    """Advances the server clock into the next 30-second step."""
    now = api.now_millis()
    api.advance_clock(STEP_MS - now % STEP_MS + 1_000)


def enroll(api, project, user, secret: bytes | None = None) -> bytes:
    """Turns MFA on for a signed-in user (PATCH /users/me totp_secret_base64)."""
    secret = secret or os.urandom(20)
    r = api.patch(f"{V1}/users/me", headers=api.headers("client", project, access_token=user["access_token"]),
                  json={"totp_secret_base64": base64.b64encode(secret).decode()})
    assert r.status_code == 200, r.text
    assert r.json()["requires_totp_mfa"] is True
    return secret


def mfa_sign_in(api, project, code: str, totp: str, access: str = "client") -> requests.Response:
    return api.post(MFA_SIGN_IN, headers=api.headers(access, project),
                    json={"code": code, "type": "totp", "totp": totp})
