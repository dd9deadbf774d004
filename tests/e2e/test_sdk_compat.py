"""What the JavaScript SDKs after 2.8.39 read from Latchkey (README, SDK
compatibility): the access-token claims of `accessTokenPayloadSchema`
(2.8.41+, 2.8.77+, 2.8.102+), current after every refresh; restricted users;
and the user fields of Stack's later users API with their neutral values.
tests/sdk drives the real SDKs; this pins the wire. This module's client
says its version as the SDKs do; a REST client that does not is answered in
Stack's shapes of a5734defb (the last tests)."""
from __future__ import annotations

import pytest

from auth_helpers import (
    ANON_SIGN_UP,
    ME,
    OAUTH_TOKEN,
    REFRESH,
    decode_claims,
    set_config,
    signed_up,
)
from latchkey_e2e import (
    INTERNAL_PROJECT,
    Client,
    UUID_RE,
    assert_json,
    assert_plain_text,
    assert_schema_error_contains,
)

USERS = "/api/v1/users"
ADMIN_PROJECT = "/api/v1/internal/projects/current"

OLD_CLAIMS = ["sub", "branchId", "refreshTokenId", "role", "iss", "iat", "aud", "exp"]
NEW_CLAIMS = ["project_id", "branch_id", "refresh_token_id", "name", "email", "email_verified",
              "selected_team_id", "signed_up_at", "is_anonymous", "is_restricted",
              "restricted_reason", "requires_totp_mfa"]
NEUTRAL = {"restricted_by_admin": False, "restricted_by_admin_reason": None,
           "restricted_by_admin_private_details": None, "country_code": None,
           "risk_scores": {"sign_up": {"bot": 0, "free_trial_abuse": 0}}}
SDK_CLIENT_VERSION = "js @stackframe/js@2.8.108"


@pytest.fixture
def sdk(api, server):
    """A client that says its version on every Stack request, like the SDKs
    (the session's client keeps the projects it knows)."""
    sdk = Client(server.base_url, known_projects=api.projects)
    sdk.client_version = SDK_CLIENT_VERSION
    return sdk


@pytest.fixture
def rest(api, server):
    """A plain REST client: Stack headers, no client version."""
    return Client(server.base_url, known_projects=api.projects)


def refresh_both_ways(sdk, project, refresh_token: str) -> list[dict]:
    """The claims of a refresh through /auth/sessions/current/refresh and
    through the OAuth token endpoint (the SDK's path)."""
    h = sdk.headers("client", project)
    h["x-stack-refresh-token"] = refresh_token
    a = assert_json(sdk.post(REFRESH, headers=h))["access_token"]
    r = sdk.post(OAUTH_TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                    "client_id": project.id, "client_secret": project.keys["client"]})
    assert r.status_code == 200, r.text
    return [decode_claims(a), decode_claims(r.json()["access_token"])]


def me(sdk, project, token: str, access: str = "client") -> dict:
    return assert_json(sdk.get(ME, headers=sdk.headers(access, project, access_token=token)))


def test_claims_of_a_new_user(sdk, project):
    user = signed_up(sdk, project)
    c = decode_claims(user["access_token"])
    assert list(c) == OLD_CLAIMS + NEW_CLAIMS
    assert c["project_id"] == c["aud"] == project.id
    assert c["branch_id"] == c["branchId"] == "main"
    assert c["refresh_token_id"] == c["refreshTokenId"] and UUID_RE.match(c["refresh_token_id"])
    assert c["role"] == "authenticated"
    assert c["name"] is None and c["email"] == user["email"] and c["email_verified"] is False
    assert c["selected_team_id"] is None
    u = me(sdk, project, user["access_token"])
    assert c["signed_up_at"] == u["signed_up_at_millis"] // 1000
    assert c["is_anonymous"] is False and c["is_restricted"] is False
    assert c["restricted_reason"] is None and c["requires_totp_mfa"] is False
    assert isinstance(c["iat"], int) and c["exp"] > c["iat"]


def test_claims_follow_the_user_at_every_refresh(sdk, project):
    user = signed_up(sdk, project)
    token = user["access_token"]
    r = sdk.patch(ME, headers=sdk.headers("client", project, access_token=token),
                  json={"display_name": "Ada"})
    assert_json(r)
    team = assert_json(sdk.post("/api/v1/teams", headers=sdk.headers("server", project),
                                json={"display_name": "T", "creator_user_id": user["user_id"]}), 201)
    assert_json(sdk.patch(ME, headers=sdk.headers("client", project, access_token=token),
                          json={"selected_team_id": team["id"]}))
    assert_json(sdk.patch(f"{USERS}/{user['user_id']}", headers=sdk.headers("server", project),
                          json={"primary_email_verified": True}))
    for c in refresh_both_ways(sdk, project, user["refresh_token"]):
        assert c["name"] == "Ada"
        assert c["selected_team_id"] == team["id"]
        assert c["email_verified"] is True
        assert c["refresh_token_id"] == decode_claims(token)["refresh_token_id"]


def test_anonymous_users_are_restricted(sdk):
    r = sdk.post(ANON_SIGN_UP, headers=sdk.headers("client", INTERNAL_PROJECT))
    body = assert_json(r)
    c = decode_claims(body["access_token"])
    assert c["is_anonymous"] is True and c["is_restricted"] is True
    assert c["restricted_reason"] == {"type": "anonymous"}
    assert c["name"] == "Anonymous user" and c["email"] is None
    u = me(sdk, INTERNAL_PROJECT, body["access_token"])
    assert u["is_restricted"] is True and u["restricted_reason"] == {"type": "anonymous"}
    for c in refresh_both_ways(sdk, INTERNAL_PROJECT, body["refresh_token"]):
        assert c["restricted_reason"] == {"type": "anonymous"}


def test_required_email_verification_restricts_until_verified(sdk, project):
    # Written as Stack's dashboard writes it; like Stack, not shown back.
    cfg = set_config(sdk, project, require_email_verification=True)["config"]
    assert "require_email_verification" not in cfg
    r = sdk.patch(ADMIN_PROJECT, headers=sdk.headers("admin", project),
                  json={"config": {"require_email_verification": "maybe"}})
    assert_schema_error_contains(r, "PATCH", ADMIN_PROJECT)
    user = signed_up(sdk, project)
    c = decode_claims(user["access_token"])
    assert c["is_restricted"] is True and c["restricted_reason"] == {"type": "email_not_verified"}
    u = me(sdk, project, user["access_token"], "server")
    assert u["is_restricted"] is True and u["restricted_reason"] == {"type": "email_not_verified"}
    assert u["restricted_by_admin"] is False

    assert_json(sdk.patch(f"{USERS}/{user['user_id']}", headers=sdk.headers("server", project),
                          json={"primary_email_verified": True}))
    u = me(sdk, project, user["access_token"])
    assert u["is_restricted"] is False and u["restricted_reason"] is None
    for c in refresh_both_ways(sdk, project, user["refresh_token"]):
        assert c["is_restricted"] is False and c["restricted_reason"] is None
    # Switched off again: nobody is restricted for their e-mail.
    set_config(sdk, project, require_email_verification=False)
    other = signed_up(sdk, project)
    assert decode_claims(other["access_token"])["is_restricted"] is False


def test_user_fields_of_later_sdks(sdk, project):
    user = signed_up(sdk, project)
    server = assert_json(sdk.get(f"{USERS}/{user['user_id']}", headers=sdk.headers("server", project)))
    assert {k: server[k] for k in NEUTRAL} == NEUTRAL
    assert server["is_restricted"] is False and server["restricted_reason"] is None
    listed = assert_json(sdk.get(USERS, headers=sdk.headers("server", project)))["items"]
    assert all({k: u[k] for k in NEUTRAL} == NEUTRAL for u in listed)
    client = me(sdk, project, user["access_token"])
    assert client["restricted_by_admin"] is False and client["restricted_by_admin_reason"] is None
    for key in ("restricted_by_admin_private_details", "country_code", "risk_scores"):
        assert key not in client


def test_restriction_by_admin_country_and_risk_scores_are_stored(sdk, project):
    user = signed_up(sdk, project)
    path = f"{USERS}/{user['user_id']}"
    h = sdk.headers("server", project)
    # The neutral values change nothing.
    assert_json(sdk.patch(path, headers=h, json={**NEUTRAL, "display_name": "kept"}))
    u = assert_json(sdk.get(path, headers=h))
    assert u["display_name"] == "kept" and {k: u[k] for k in NEUTRAL} == NEUTRAL

    u = assert_json(sdk.patch(path, headers=h, json={
        "restricted_by_admin": True, "restricted_by_admin_reason": "spam",
        "restricted_by_admin_private_details": "reported twice", "country_code": "ch",
        "risk_scores": {"sign_up": {"bot": 40, "free_trial_abuse": 7}}}))
    assert u["restricted_by_admin"] is True
    assert u["restricted_by_admin_reason"] == "spam"
    assert u["restricted_by_admin_private_details"] == "reported twice"
    assert u["country_code"] == "CH"
    assert u["risk_scores"] == {"sign_up": {"bot": 40, "free_trial_abuse": 7}}
    assert u["is_restricted"] is True
    assert u["restricted_reason"] == {"type": "restricted_by_administrator"}
    # The user sees the reason, never the private details; new tokens say so.
    client = me(sdk, project, user["access_token"])
    assert client["restricted_by_admin"] is True and client["restricted_by_admin_reason"] == "spam"
    assert "restricted_by_admin_private_details" not in client
    for c in refresh_both_ways(sdk, project, user["refresh_token"]):
        assert c["is_restricted"] is True
        assert c["restricted_reason"] == {"type": "restricted_by_administrator"}
    # Other fields leave them alone; lifting the restriction clears its
    # reason and details, as in Stack.
    assert_json(sdk.patch(path, headers=h, json={"display_name": "again"}))
    assert assert_json(sdk.get(path, headers=h))["restricted_by_admin_reason"] == "spam"
    u = assert_json(sdk.patch(path, headers=h, json={"restricted_by_admin": False}))
    assert u["restricted_by_admin"] is False and u["is_restricted"] is False
    assert u["restricted_by_admin_reason"] is None
    assert u["restricted_by_admin_private_details"] is None
    assert u["country_code"] == "CH"  # not part of the restriction
    for c in refresh_both_ways(sdk, project, user["refresh_token"]):
        assert c["is_restricted"] is False and c["restricted_reason"] is None

    # Created with them.
    created = assert_json(sdk.post(USERS, headers=h, json={
        "restricted_by_admin": True, "restricted_by_admin_reason": "imported",
        "country_code": "DE", "risk_scores": {"sign_up": {"bot": 1, "free_trial_abuse": 2}}}), 201)
    assert created["restricted_by_admin"] is True and created["is_restricted"] is True
    assert created["restricted_by_admin_reason"] == "imported"
    assert created["country_code"] == "DE"
    assert created["risk_scores"] == {"sign_up": {"bot": 1, "free_trial_abuse": 2}}


def test_restriction_fields_are_validated_as_stack_validates_them(sdk, project):
    user = signed_up(sdk, project)
    path = f"{USERS}/{user['user_id']}"
    h = sdk.headers("server", project)
    r = sdk.patch(path, headers=h, json={"restricted_by_admin_reason": "why"})
    assert_schema_error_contains(r, "PATCH", path, [
        "restricted_by_admin_reason must be null when restricted_by_admin is not true"])
    r = sdk.patch(path, headers=h, json={"country_code": "CHE"})
    assert_schema_error_contains(r, "PATCH", path, ["body.country_code must be a 2-letter country code"])
    r = sdk.patch(path, headers=h, json={"risk_scores": {"sign_up": {"bot": 101, "free_trial_abuse": 0}}})
    assert_schema_error_contains(r, "PATCH", path, [
        "body.risk_scores.sign_up.bot must be less than or equal to 100"])
    # Not part of what a client may write.
    r = sdk.patch(ME, headers=sdk.headers("client", project, access_token=user["access_token"]),
                  json={"restricted_by_admin": False})
    assert_schema_error_contains(r, "PATCH", ME, ["body contains unknown properties: restricted_by_admin"])


def test_rest_clients_without_a_version_get_the_july_2025_shapes(rest, project):
    user = signed_up(rest, project)
    assert list(decode_claims(user["access_token"])) == OLD_CLAIMS
    h = rest.headers("client", project)
    h["x-stack-refresh-token"] = user["refresh_token"]
    assert list(decode_claims(assert_json(rest.post(REFRESH, headers=h))["access_token"])) == OLD_CLAIMS
    later = set(NEUTRAL) | {"is_restricted", "restricted_reason"}
    assert not later & set(me(rest, project, user["access_token"]))
    server = assert_json(rest.get(f"{USERS}/{user['user_id']}", headers=rest.headers("server", project)))
    assert not later & set(server)
    # Saying a version (either spelling) switches to the later shapes.
    for name in ("x-stack-client-version", "x-hexclave-client-version"):
        hv = rest.headers("client", project, access_token=user["access_token"])
        hv[name] = SDK_CLIENT_VERSION
        assert later - {"restricted_by_admin_private_details", "country_code", "risk_scores"} <= set(
            assert_json(rest.get(ME, headers=hv)))


def test_oauth_clients_at_the_token_endpoint_get_the_sdk_claims(rest, project):
    """The SDKs refresh through /auth/oauth/token as a plain OAuth client (a
    form, no Stack header): that token carries the claims they validate."""
    user = signed_up(rest, project)
    r = rest.post(OAUTH_TOKEN, data={"grant_type": "refresh_token", "refresh_token": user["refresh_token"],
                                     "client_id": project.id, "client_secret": project.keys["client"]})
    assert r.status_code == 200, r.text
    assert list(decode_claims(r.json()["access_token"])) == OLD_CLAIMS + NEW_CLAIMS
