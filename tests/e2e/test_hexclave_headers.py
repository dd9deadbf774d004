"""The x-hexclave-* spelling of every x-stack-* request header (what SDK
2.8.108 sends after Stack's rename to Hexclave), the x-hexclave-* twin
winning when a request carries both, and the x-hexclave-* response headers
beside the x-stack-* ones."""
from __future__ import annotations

from auth_helpers import ME, OAUTH_TOKEN, REFRESH, SIGN_IN, decode_claims, new_email, signed_up, PASSWORD
from latchkey_e2e import (
    INTERNAL_PROJECT,
    JSON_CT,
    assert_invalid_key,
    assert_json,
)


def hexclave(headers: dict) -> dict:
    """The same headers, every x-stack- name spelled x-hexclave-."""
    return {("x-hexclave-" + k[len("x-stack-"):] if k.startswith("x-stack-") else k): v
            for k, v in headers.items()}


def test_every_auth_header_has_a_hexclave_spelling(api):
    user = signed_up(api)
    h = hexclave(api.headers("client", access_token=user["access_token"]))
    assert not any(k.startswith("x-stack-") for k in h)
    me = assert_json(api.get(ME, headers=h))
    assert me["id"] == user["user_id"]
    # server and admin keys too
    for access in ("server", "admin"):
        r = api.get(f"/api/v1/users/{user['user_id']}", headers=hexclave(api.headers(access)))
        assert assert_json(r)["id"] == user["user_id"]


def test_hexclave_sign_in_and_refresh(api):
    email = new_email()
    signed_up(api, email=email)
    r = api.post(SIGN_IN, headers=hexclave(api.headers("client")),
                 json={"email": email, "password": PASSWORD})
    body = assert_json(r)
    # /auth/sessions/current/refresh reads its token before the handler runs
    # (the route's session hint): the x-hexclave- spelling must count there.
    h = hexclave(api.headers("client", refresh_token=body["refresh_token"]))
    fresh = assert_json(api.post(REFRESH, headers=h))
    assert decode_claims(fresh["access_token"])["sub"] == body["user_id"]


def test_hexclave_wins_over_x_stack(api):
    right = api.headers("client")
    wrong = api.headers("client", publishable_client_key="pck_wrong")
    # the x-hexclave- key is right, the x-stack- one wrong: accepted
    r = api.get("/api/v1/projects/current", headers={**wrong, **hexclave(right)})
    assert_json(r)
    # and the other way round: refused, naming the x-hexclave- value's project
    r = api.get("/api/v1/projects/current", headers={**right, **hexclave(wrong)})
    assert_invalid_key(r, "client", INTERNAL_PROJECT.id)


def test_hexclave_refresh_token_wins_as_one_tuple_value(api):
    user = signed_up(api)
    h = api.headers("client")
    h["x-stack-refresh-token"] = "not-a-token"
    h["x-hexclave-refresh-token"] = user["refresh_token"]
    assert_json(api.post(REFRESH, headers=h))


def test_hexclave_override_error_status_and_response_headers(api):
    h = hexclave(api.headers("client", publishable_client_key="pck_wrong", override_error_status="true"))
    r = api.get("/api/v1/projects/current", headers=h)
    assert r.status_code == 200
    assert r.headers["x-stack-actual-status"] == "401"
    assert r.headers["x-hexclave-actual-status"] == "401"
    assert r.headers["x-stack-known-error"] == "INVALID_PUBLISHABLE_CLIENT_KEY"
    assert r.headers["x-hexclave-known-error"] == "INVALID_PUBLISHABLE_CLIENT_KEY"
    assert r.headers["content-type"] == JSON_CT


def test_oauth_refresh_grant_with_hexclave_headers(api):
    """The SDK's own refresh: a form body, and its x-hexclave-* headers."""
    user = signed_up(api)
    h = hexclave(api.headers("client", project=None))
    r = api.post(OAUTH_TOKEN, headers=h, data={
        "grant_type": "refresh_token", "refresh_token": user["refresh_token"],
        "client_id": "internal", "client_secret": INTERNAL_PROJECT.keys["client"]})
    body = r.json()
    assert r.status_code == 200, body
    assert decode_claims(body["access_token"])["sub"] == user["user_id"]
