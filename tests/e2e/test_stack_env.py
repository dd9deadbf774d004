"""Stack Auth's environment variables with Stack's meaning (README
"Configuration"): the internal project's seed and its dashboard user, shared
OAuth providers with MOCK keys signing in through the OpenID provider at
STACK_OAUTH_MOCK_URL (here tests/oidc's real provider on loopback), the fixed
passkey challenge of STACK_ENABLE_HARDCODED_PASSKEY_CHALLENGE_FOR_TESTING,
Stack's duration syntax, variables accepted without use, and a bad value
that stops start-up naming its variable. Each server here runs on the engine
the suite runs on (SQLite, or a fresh PostgreSQL database).
"""
from __future__ import annotations

import os
import subprocess
import time
from urllib.parse import parse_qs, urlparse

import pytest

from auth_helpers import decode_claims, sign_in, signed_up
from conftest import Server, _binary
from email_fixtures import free_port, project_factory, start_server
from latchkey_e2e import INTERNAL_PROJECT, Client, assert_json, assert_plain_text
from oauth_fixtures import Flow, OidcProvider
from soft_authenticator import SoftAuthenticator, b64url

V1 = "/api/v1"
PROJECT_CURRENT = f"{V1}/projects/current"
ADMIN_PROJECT = f"{V1}/internal/projects/current"
INIT_REG = f"{V1}/auth/passkey/initiate-passkey-registration"
INIT_AUTH = f"{V1}/auth/passkey/initiate-passkey-authentication"
REGISTER = f"{V1}/auth/passkey/register"
PASSKEY_SIGN_IN = f"{V1}/auth/passkey/sign-in"
DASHBOARD_USER_ID = "33e7c043-d2d1-4187-acd3-f91b5ed64b46"
MOCK_SECRET = "MOCK-SERVER-SECRET"

SEED_UNSET = {name: "" for name in (
    "STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED", "STACK_SEED_INTERNAL_PROJECT_OTP_ENABLED",
    "STACK_SEED_INTERNAL_PROJECT_ALLOW_LOCALHOST", "STACK_SEED_INTERNAL_PROJECT_OAUTH_PROVIDERS")}


def stopped(srv: Server) -> None:
    rc = srv.stop()
    assert rc == 0, f"latchkey exited with {rc} after SIGTERM\n{srv.logs()}"


# --- the internal project's seed ------------------------------------------------------


def test_seed_makes_the_internal_project_and_dashboard_user_as_stack_does(tmp_path_factory):
    srv = start_server(
        tmp_path_factory, "latchkey-seed",
        STACK_SEED_INTERNAL_PROJECT_OAUTH_PROVIDERS="github,spotify,google,microsoft",
        STACK_SEED_INTERNAL_PROJECT_USER_EMAIL="Admin@Example.com",
        STACK_SEED_INTERNAL_PROJECT_USER_PASSWORD="dashboard-password-1",
        STACK_SEED_INTERNAL_PROJECT_USER_INTERNAL_ACCESS="true",
        STACK_SEED_INTERNAL_PROJECT_USER_GITHUB_ID="1234567",
        NEXT_PUBLIC_STACK_DASHBOARD_URL="https://dashboard.example.com")
    try:
        api = Client(srv.base_url)
        # The client view Stack's seed gives (its e2e suite snapshots it):
        # the shared providers sorted by id, whatever the variable's order.
        assert assert_json(api.get(PROJECT_CURRENT, headers=api.headers("client"))) == {
            "id": "internal",
            "display_name": "Stack Dashboard",
            "config": {
                "sign_up_enabled": True, "credential_enabled": True, "magic_link_enabled": True,
                "passkey_enabled": False, "client_team_creation_enabled": False,
                "client_user_deletion_enabled": False, "allow_user_api_keys": False,
                "allow_team_api_keys": False,
                "enabled_oauth_providers": [{"id": p} for p in ("github", "google", "microsoft", "spotify")],
            },
        }
        admin = assert_json(api.get(ADMIN_PROJECT, headers=api.headers("admin")))
        assert admin["description"] == "Stack's admin dashboard"
        assert admin["config"]["allow_localhost"] is True
        assert admin["config"]["oauth_providers"] == [
            {"id": p, "type": "shared"} for p in ("github", "google", "microsoft", "spotify")]
        assert admin["config"]["domains"] == [
            {"domain": "https://dashboard.example.com", "handler_path": "/handler"}]

        # The dashboard user signs in with the seeded password.
        tokens = assert_json(sign_in(api, INTERNAL_PROJECT, "admin@example.com", "dashboard-password-1"))
        assert tokens["user_id"] == DASHBOARD_USER_ID
        user = assert_json(api.get(f"{V1}/users/{DASHBOARD_USER_ID}", headers=api.headers("server")))
        assert user["display_name"] == "Administrator (created by seed script)"
        assert user["primary_email"] == "admin@example.com"
        assert user["server_metadata"] == {"managedProjectIds": ["internal"]}
        assert [(p["id"], p["account_id"]) for p in user["oauth_providers"]] == [("github", "1234567")]
    finally:
        stopped(srv)

    # On the next start the user is kept (not re-created) and the seed's
    # switches are applied again.
    srv.env.update(STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED="false",
                   STACK_SEED_INTERNAL_PROJECT_USER_PASSWORD="another-password")
    srv.start()
    try:
        api = Client(srv.base_url)
        config = assert_json(api.get(PROJECT_CURRENT, headers=api.headers("client")))["config"]
        assert config["sign_up_enabled"] is False and config["magic_link_enabled"] is True
        assert assert_json(sign_in(api, INTERNAL_PROJECT, "admin@example.com",
                                   "dashboard-password-1"))["user_id"] == DASHBOARD_USER_ID
    finally:
        stopped(srv)


def test_unset_seed_switches_take_stacks_defaults(tmp_path_factory):
    # Stack's seed turns a switch on only when its variable is "true".
    srv = start_server(tmp_path_factory, "latchkey-seed-defaults", **SEED_UNSET)
    try:
        api = Client(srv.base_url)
        admin = assert_json(api.get(ADMIN_PROJECT, headers=api.headers("admin")))["config"]
        assert (admin["sign_up_enabled"], admin["magic_link_enabled"], admin["allow_localhost"],
                admin["credential_enabled"]) == (False, False, False, True)
        assert admin["oauth_providers"] == [] and admin["enabled_oauth_providers"] == []
        r = api.get(f"{V1}/users/{DASHBOARD_USER_ID}", headers=api.headers("server"))
        assert r.status_code == 404  # no dashboard user without its variables
    finally:
        stopped(srv)


# --- shared OAuth providers through the mock server ------------------------------------


@pytest.fixture(scope="module")
def mock_oauth(tmp_path_factory):
    """A server whose shared spotify and github use MOCK keys, and the mock
    server they sign in through: tests/oidc's provider with Stack's mock
    clients (client id = provider id, secret MOCK-SERVER-SECRET)."""
    port = free_port()
    srv = start_server(tmp_path_factory, "latchkey-mock-oauth",
                       STACK_OAUTH_MOCK_URL=f"http://127.0.0.1:{port}",
                       STACK_SPOTIFY_CLIENT_ID="MOCK", STACK_SPOTIFY_CLIENT_SECRET="MOCK",
                       STACK_GITHUB_CLIENT_ID="MOCK", STACK_GITHUB_CLIENT_SECRET="MOCK")
    provider = OidcProvider(port, tmp_path_factory.mktemp("mock-oidc"), srv.base_url)
    provider.clients = [{"client_id": p, "client_secret": MOCK_SECRET,
                         "redirect_uris": [f"{srv.base_url}{V1}/auth/oauth/callback/{p}"]}
                        for p in ("spotify", "github")]
    provider.start()
    yield srv, provider
    provider.stop()
    stopped(srv)


def test_mock_keys_sign_in_through_the_mock_server(mock_oauth):
    srv, provider = mock_oauth
    api = Client(srv.base_url)
    project = project_factory(srv, api)(oauth_providers=[{"id": "spotify", "type": "shared"}])
    login = f"mock-{os.urandom(4).hex()}@example.com"
    flow = Flow(api, project, "spotify", login=login)

    # The authorization request goes to the mock server as Stack's mock
    # provider makes it: client id = provider id, scope openid, PKCE.
    r = flow.authorize()
    assert r.status_code == 307, r.text
    location = urlparse(r.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == provider.issuer
    q = parse_qs(location.query)
    assert q["client_id"] == ["spotify"] and q["scope"] == ["openid"]
    assert q["code_challenge_method"] == ["S256"] and "nonce" not in q
    assert q["redirect_uri"] == [f"{srv.base_url}{V1}/auth/oauth/callback/spotify"]

    tokens = flow.sign_in()
    assert tokens["is_new_user"] is True
    claims = decode_claims(tokens["access_token"])
    user = assert_json(api.get(f"{V1}/users/{claims['sub']}", headers=api.headers("server", project)))
    # The mock server's subject is the e-mail address, which it vouches for.
    assert user["primary_email"] == login and user["primary_email_verified"] is True
    assert [(p["id"], p["account_id"]) for p in user["oauth_providers"]] == [("spotify", login)]

    # The same account signs in again as the same user.
    again = Flow(api, project, "spotify", login=login).sign_in()
    assert again["is_new_user"] is False and decode_claims(again["access_token"])["sub"] == claims["sub"]


def test_shared_provider_without_keys_still_refused(mock_oauth):
    srv, _ = mock_oauth
    api = Client(srv.base_url)
    project = project_factory(srv, api)(oauth_providers=[{"id": "google", "type": "shared"}])
    r = Flow(api, project, "google").authorize()
    assert r.status_code == 400 and "shared development keys" in r.text, r.text


# --- the fixed passkey challenge --------------------------------------------------------


def passkey_challenges(srv: Server, *, replay_other_user_handle: bool = False) -> tuple:
    """The challenges of a registration and a sign-in; with
    replay_other_user_handle, also registers a passkey and answers the
    sign-in with an assertion naming another user handle (what a recorded
    response replayed for a new user does), returning its status."""
    api = Client(srv.base_url)
    project = project_factory(srv, api)(passkey_enabled=True)
    user = signed_up(api, project)
    user_headers = api.headers("client", project, access_token=user["access_token"])
    reg = assert_json(api.post(INIT_REG, json={}, headers=user_headers))
    auth = assert_json(api.post(INIT_AUTH, json={}, headers=api.headers("client", project)))
    challenges = (reg["options_json"]["challenge"], auth["options_json"]["challenge"])
    if not replay_other_user_handle:
        return challenges
    authenticator = SoftAuthenticator()
    credential = authenticator.create(reg["options_json"])
    assert_json(api.post(REGISTER, json={"credential": credential, "code": reg["code"]},
                         headers=user_headers))
    response = authenticator.get(auth["options_json"], user_handle=b64url(b"recorded-user"))
    r = api.post(PASSKEY_SIGN_IN, json={"authentication_response": response, "code": auth["code"]},
                 headers=api.headers("client", project))
    return challenges, r


def test_hardcoded_passkey_challenge_only_when_set(tmp_path_factory, server):
    fixed = start_server(tmp_path_factory, "latchkey-passkey-mock",
                         STACK_ENABLE_HARDCODED_PASSKEY_CHALLENGE_FOR_TESTING="yes")
    try:
        # base64url("MOCK"), as Stack's test mode issues; recorded responses
        # replay, whatever user handle they carry (it is not signed).
        challenges, r = passkey_challenges(fixed, replay_other_user_handle=True)
        assert challenges == ("TU9DSw", "TU9DSw")
        assert list(assert_json(r)) == ["access_token", "refresh_token", "user_id", "is_new_user"]
        assert "STACK_ENABLE_HARDCODED_PASSKEY_CHALLENGE_FOR_TESTING is set" in fixed.logs()
    finally:
        stopped(fixed)
    (first, second), r = passkey_challenges(server, replay_other_user_handle=True)
    assert "TU9DSw" not in (first, second) and first != second
    assert len(first) == len(second) == 43  # 32 random bytes
    assert r.status_code == 400 and r.json()["code"] == "PASSKEY_AUTHENTICATION_FAILED"


# --- durations, unused variables, bad values ----------------------------------------


def test_stack_duration_and_unused_variables_are_accepted(tmp_path_factory):
    srv = start_server(tmp_path_factory, "latchkey-stack-env",
                       STACK_ACCESS_TOKEN_EXPIRATION_TIME="30s",
                       STACK_ARTIFICIAL_DEVELOPMENT_DELAY_MS="50",
                       STACK_SVIX_SERVER_URL="http://localhost:8113",
                       STACK_SVIX_API_KEY="eyJhbGciOiJIUzI1NiJ9.e30.x",
                       STACK_FREESTYLE_API_KEY="mock_stack_freestyle_key",
                       STACK_INTEGRATION_CLIENTS_CONFIG='[{"client_id": "neon-local"}]',
                       CRON_SECRET="mock_cron_secret",
                       STACK_DIRECT_DATABASE_CONNECTION_STRING="postgres://unused@localhost/x",
                       STACK_EMAIL_SECURE="false")
    try:
        api = Client(srv.base_url)
        claims = decode_claims(signed_up(api)["access_token"])
        assert claims["exp"] - claims["iat"] == 30
        for name in ("SVIX", "FREESTYLE", "ARTIFICIAL", "CRON", "INTEGRATION"):
            assert name not in srv.logs(), srv.logs()
    finally:
        stopped(srv)


@pytest.mark.parametrize("name,value", [
    ("STACK_ACCESS_TOKEN_EXPIRATION_TIME", "ten minutes"),
    ("STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED", "yes"),
    ("STACK_SEED_INTERNAL_PROJECT_OAUTH_PROVIDERS", "github,myspace"),
    ("STACK_SEED_INTERNAL_PROJECT_USER_EMAIL", "not-an-address"),
    ("STACK_SERVER_SECRET", "not base64url!"),
    ("STACK_EMAIL_PORT", "twenty-five"),
    ("STACK_EMAIL_SECURE", "sometimes"),
    ("NEXT_PUBLIC_STACK_API_URL", "localhost:8102"),
    ("STACK_ENABLE_HARDCODED_PASSKEY_CHALLENGE_FOR_TESTING", "false"),
    ("STACK_OAUTH_MOCK_URL", None),  # MOCK keys without the mock server
    ("STACK_GITHUB_CLIENT_SECRET", "a-real-secret"),  # a MOCK id needs a MOCK secret
])
def test_bad_value_stops_start_up_naming_the_variable(tmp_path, name, value):
    env = Server(_binary(), tmp_path, str(tmp_path / "latchkey.db")).env
    if name in ("STACK_OAUTH_MOCK_URL", "STACK_GITHUB_CLIENT_SECRET"):
        env.update(STACK_GITHUB_CLIENT_ID="MOCK", STACK_GITHUB_CLIENT_SECRET="MOCK",
                   STACK_OAUTH_MOCK_URL="http://127.0.0.1:9")
    if value is None:
        env.pop(name, None)
    else:
        env[name] = value
    started = time.monotonic()
    res = subprocess.run([str(_binary()), "serve", "--host", "127.0.0.1", "--port", str(free_port()),
                          "--database", str(tmp_path / "latchkey.db")],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30,
                         stdin=subprocess.DEVNULL)
    assert res.returncode != 0, res.stdout
    assert name in res.stderr, res.stderr
    assert "listening" not in res.stdout
    assert time.monotonic() - started < 20


# --- the SDK's version and feature checks -------------------------------------------------


def test_check_version_and_feature_support(api):
    r = api.post(f"{V1}/check-version", json={"clientVersion": "2.8.18"})
    assert assert_json(r) == {"upToDate": True}
    r = api.post(f"{V1}/check-version", json={"clientVersion": "2.8.17"})
    body = assert_json(r)
    assert body["upToDate"] is False and body["severe"] is False
    assert body["error"].startswith("You are running an outdated version of Stack Auth (v2.8.17;")
    assert assert_json(api.post(f"{V1}/check-version", json={"clientVersion": "x"}))["severe"] is True
    assert api.post(f"{V1}/check-version", json={}).status_code == 400

    r = api.post(f"{V1}/check-feature-support", json={"feature_name": "some-feature"})
    assert_plain_text(r, 200, "some-feature is not yet supported. Please reach out to Stack "
                              "support for more information.")
    r = api.post(f"{V1}/check-feature-support", headers=api.headers("client"), json={})
    assert_plain_text(r, 200, "This feature is not yet supported. Please reach out to Stack "
                              "support for more information.")
