"""OAuth sign-in (spec/auth-endpoints.md §6) end to end, against a real
OpenID provider on loopback (oauth_fixtures.py, tests/oidc/): the generic
`oidc` provider through its discovery document, the standard `google`
provider through the test-only base URL, the outer flow's errors, account
merging and linking, connected-account tokens, and `oauth_providers` on users.
"""
from __future__ import annotations

import base64
import re
import uuid
from urllib.parse import parse_qs, urlparse

import requests

from auth_helpers import MESSAGES, check_header_auth_matrix, decode_claims, new_email
from latchkey_e2e import (
    ANY,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_schema_error_contains,
    invalid_key_message,
)
from oauth_fixtures import (  # noqa: F401 (fixtures)
    AUTHORIZE,
    CALLBACK,
    CLIENT_ID,
    TOKEN,
    Flow,
    browser,
    make_oauth_project,
    new_login,
    oauth_api,
    oauth_server,
    oidc_entry,
    oidc_port,
    oidc_project,
    oidc_provider,
)

V1 = "/api/v1"
ME = f"{V1}/users/me"
USERS = f"{V1}/users"
ADMIN_PROJECT = f"{V1}/internal/projects/current"
CONNECTED = f"{V1}/connected-accounts"

MSG = {
    "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED": "The OAuth provider is not found or not enabled.",
    "OAUTH_PROVIDER_ACCESS_DENIED": "The OAuth provider denied access to the user.",
    "OUTER_OAUTH_TIMEOUT": "The OAuth flow has timed out. Please sign in again.",
    "INVALID_AUTHORIZATION_CODE": "The given authorization code is invalid.",
    "OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER":
        "The OAuth connection is already connected to another user.",
    "USER_ALREADY_CONNECTED_TO_ANOTHER_OAUTH_CONNECTION":
        "The user is already connected to another OAuth account. Did you maybe selected the wrong account?",
    "OAUTH_CONNECTION_NOT_CONNECTED_TO_USER": "The OAuth connection is not connected to any user.",
    "OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE": "The OAuth connection does not have the required scope.",
    "OAUTH_ACCESS_TOKEN_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS":
        "Access tokens are not available with shared OAuth keys. Please add your own OAuth keys on "
        "the Stack dashboard to use access tokens.",
    "OAUTH_EXTRA_SCOPE_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS":
        "Extra scopes are not available with shared OAuth keys. Please add your own OAuth keys on "
        "the Stack dashboard to use extra scopes.",
    "USER_NOT_FOUND": "User not found.",
    **MESSAGES,
}
INNER_COOKIE_MISSING = ("Inner OAuth cookie not found. This is likely because you refreshed the page "
                        "during the OAuth sign in process. Please try signing in again")
INVALID_COOKIE = "Invalid OAuth cookie. Please try signing in again."
INVALID_GRANT = "Inner OAuth callback failed due to invalid grant. Please try again."
INVALID_CLIENT = ("Invalid client credentials for this OAuth provider. Please ensure the configuration "
                  "in the Stack Auth dashboard is correct.")
INVALID_REDIRECT = (
    "Invalid redirect URI. You might have set the wrong redirect URI in the OAuth provider settings. "
    "(Please copy the redirect URI from the Stack Auth dashboard and paste it into the OAuth "
    "provider's dashboard)")
SHARED_KEYS = ('The OAuth provider "{}" is configured to use shared development keys, which this '
               'server does not have. Configure it with type "standard" and your own client_id and '
               'client_secret.')
TOKEN_KEYS = ["access_token", "token_type", "expires_in", "refresh_token", "scope", "newUser",
              "is_new_user", "afterCallbackRedirectUrl", "after_callback_redirect_url"]


def err(r, code, status=400, details=None):
    if details is None:
        return assert_known_error(r, status, code, MSG[code])
    return assert_known_error(r, status, code, MSG[code], details)


def me(api, project, access_token):
    r = api.get(ME, headers=api.headers("client", project, access_token=access_token))
    assert r.status_code == 200, r.text
    return r.json()


def set_config(api, project, **config):
    r = api.patch(ADMIN_PROJECT, headers=api.headers("admin", project), json={"config": config})
    assert r.status_code == 200, r.text
    return r.json()


def rfc_error(r, description):
    assert r.status_code == 400, r.text
    assert "x-stack-known-error" not in r.headers
    assert r.json() == {"error": "invalid_request", "error_description": description}


# --- the happy paths ------------------------------------------------------------


def test_generic_oidc_sign_up_then_sign_in(oauth_api, oidc_project):
    flow = Flow(oauth_api, oidc_project, after_callback_redirect_url="/after")
    r = flow.run()
    assert r.status_code == 303
    assert r.json() == {}
    code = flow.code(r)
    assert re.fullmatch(r"[0-9a-f]{64}", code)
    t = flow.exchange(code)
    body = assert_json(t)
    assert list(body) == TOKEN_KEYS
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599 and body["scope"] == "legacy"
    assert body["newUser"] is True and body["is_new_user"] is True
    assert body["afterCallbackRedirectUrl"] == "/after" and body["after_callback_redirect_url"] == "/after"
    assert len(body["refresh_token"]) == 45
    assert t.headers["Pragma"] == "no-cache"
    user = me(oauth_api, oidc_project, body["access_token"])
    email = f"{flow.login}@example.com"
    assert user["primary_email"] == email
    assert user["primary_email_verified"] is True
    assert user["display_name"] == f"Test {flow.login}"
    assert user["oauth_providers"] == [{"id": "oidc", "account_id": flow.login, "email": email}]
    assert user["has_password"] is False
    claims = decode_claims(body["access_token"])
    assert claims["sub"] == user["id"] and claims["aud"] == oidc_project.id

    # The same identity again: the same user, not new; the profile is kept.
    again = Flow(oauth_api, oidc_project, login=flow.login)
    body2 = again.sign_in(form={"name": "Renamed"})
    assert body2["is_new_user"] is False and body2["newUser"] is False
    assert body2["after_callback_redirect_url"] is None
    assert decode_claims(body2["access_token"])["sub"] == user["id"]
    assert me(oauth_api, oidc_project, body2["access_token"])["display_name"] == f"Test {flow.login}"

    # The refresh token is a normal session's (the SDK's refresh grant).
    r = oauth_api.post(TOKEN, data={"grant_type": "refresh_token", "client_id": oidc_project.id,
                                    "client_secret": oidc_project.keys["client"],
                                    "refresh_token": body["refresh_token"]})
    assert assert_json(r)["access_token"]

    # Server view and the user list show the link too.
    r = oauth_api.get(f"{USERS}/{user['id']}", headers=oauth_api.headers("server", oidc_project))
    assert assert_json(r)["oauth_providers"] == user["oauth_providers"]


def test_google_through_the_test_base_url(oauth_api, oidc_project, oidc_provider):
    # Google's userinfo is OpenID's: the local provider wants the openid
    # scope for it, which provider_scope adds.
    flow = Flow(oauth_api, oidc_project, "google", provider_scope="openid")
    r = flow.authorize()
    assert r.status_code == 307
    location = r.headers["Location"]
    parsed = urlparse(location)
    assert f"{parsed.scheme}://{parsed.netloc}" == oidc_provider.issuer
    assert parsed.path == "/o/oauth2/v2/auth"
    q = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert q["client_id"] == CLIENT_ID
    assert q["redirect_uri"] == f"{oauth_api.base_url}{CALLBACK}/google"
    assert q["response_type"] == "code"
    assert q["scope"] == ("https://www.googleapis.com/auth/userinfo.email "
                          "https://www.googleapis.com/auth/userinfo.profile openid")
    assert q["access_type"] == "offline" and q["prompt"] == "consent"
    assert q["include_granted_scopes"] == "true"
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert len(q["state"]) == 43
    cookie = r.headers["Set-Cookie"]
    assert re.fullmatch(
        rf"stack-oauth-inner-{re.escape(q['state'])}=true; Path=/; "
        r"Expires=[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT; Max-Age=600; HttpOnly",
        cookie), cookie

    body = Flow(oauth_api, oidc_project, "google", provider_scope="openid").sign_in(
        form={"name": "Grace Hopper"})
    assert body["is_new_user"] is True
    user = me(oauth_api, oidc_project, body["access_token"])
    assert user["display_name"] == "Grace Hopper"
    assert user["oauth_providers"][0]["id"] == "google"
    assert user["primary_email_verified"] is True


def test_form_post_callback(oauth_api, oidc_project):
    """Apple answers with a POST form; any provider's callback accepts one."""
    flow = Flow(oauth_api, oidc_project)
    r = flow.run(stop_at_callback=True)
    params = {k: v[0] for k, v in parse_qs(urlparse(flow.callback_url).query).items()}
    r = flow.session.post(oauth_api.url(f"{CALLBACK}/oidc"), data=params, allow_redirects=False)
    assert flow.exchange(flow.code(r)).status_code == 200


# --- authorize: bad input -------------------------------------------------------


def authorize(api, provider, query, session=None):
    return (session or browser()).get(api.url(f"{AUTHORIZE}/{provider}"), params=query,
                                      allow_redirects=False, timeout=15)


def test_authorize_schema_errors(oauth_api, oidc_project):
    path = f"{AUTHORIZE}/oidc"
    r = authorize(oauth_api, "oidc", {})
    assert_schema_error_contains(r, "GET", path, [
        "query.client_id must be defined", "query.client_secret must be defined",
        "query.redirect_uri must be defined", "query.scope must be defined",
        "query.state must be defined", "query.grant_type must be defined",
        "query.code_challenge must be defined", "query.code_challenge_method must be defined",
        "query.response_type must be defined"])
    flow = Flow(oauth_api, oidc_project, redirect_uri="http://localhost:3000/a b", foo="bar",
                grant_type="password", type="other")
    r = flow.authorize()
    assert_schema_error_contains(r, "GET", path, [
        "query.redirect_uri contains spaces", "query.redirect_uri is not a valid URL",
        "query.grant_type must be one of the following values: authorization_code",
        "query.type must be one of the following values: authenticate, link",
        "query contains unknown properties: foo"])


def test_authorize_client_and_provider_errors(oauth_api, oidc_project, make_oauth_project):
    base = Flow(oauth_api, oidc_project).query
    for client_id in ("no-such-project", f"{oidc_project.id}#other-branch"):
        r = authorize(oauth_api, "oidc", {**base, "client_id": client_id})
        err(r, "INVALID_OAUTH_CLIENT_ID_OR_SECRET", details={"client_id": client_id})
    r = authorize(oauth_api, "oidc", {**base, "client_id": f"{oidc_project.id}#main"})
    assert r.status_code == 307
    r = authorize(oauth_api, "oidc", {**base, "client_secret": "pck_" + "x" * 45})
    assert_known_error(r, 401, "INVALID_PUBLISHABLE_CLIENT_KEY",
                       invalid_key_message("client", oidc_project.id), {"project_id": oidc_project.id})
    other = make_oauth_project()
    r = authorize(oauth_api, "oidc", {**base, "client_secret": other.keys["client"]})
    assert r.status_code == 401
    for provider in ("github", "myspace"):
        err(authorize(oauth_api, provider, base), "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED")


def test_authorize_configuration_errors(oauth_api, make_oauth_project, oidc_provider):
    project = make_oauth_project(oauth_providers=[
        {"id": "github", "type": "shared"},
        oidc_entry(oidc_provider, discovery_url="http://127.0.0.1:9/.well-known/openid-configuration"),
    ])
    base = Flow(oauth_api, project).query
    assert_plain_text(authorize(oauth_api, "github", base), 400, SHARED_KEYS.format("github"))
    r = authorize(oauth_api, "oidc", base)
    assert r.status_code == 400 and "x-stack-known-error" not in r.headers
    assert r.text.startswith('The OpenID discovery document of the OAuth provider "oidc" cannot be used')


def test_authorize_link_token_errors(oauth_api, oidc_project, make_oauth_project):
    base = {**Flow(oauth_api, oidc_project).query, "type": "link"}
    assert_known_error(authorize(oauth_api, "oidc", base), 401, "UNPARSABLE_ACCESS_TOKEN")
    assert_known_error(authorize(oauth_api, "oidc", {**base, "token": "garbage"}), 401,
                       "UNPARSABLE_ACCESS_TOKEN")
    now = oauth_api.now_seconds()
    expired = oauth_api.mint(oidc_project.id, iat=now - 700, exp=now - 100)
    assert_known_error(authorize(oauth_api, "oidc", {**base, "token": expired}), 401,
                       "ACCESS_TOKEN_EXPIRED", details={"expired_at_millis": (now - 100) * 1000})
    other = make_oauth_project()
    foreign = oauth_api.mint(other.id)
    assert_plain_text(authorize(oauth_api, "oidc", {**base, "token": foreign}), 403,
                      "The access token is not valid for this project")
    ghost = oauth_api.mint(oidc_project.id)  # a well-formed token of no existing user
    err(authorize(oauth_api, "oidc", {**base, "token": ghost}), "USER_NOT_FOUND", 404)


def test_link_with_extra_scope_on_shared_keys(oauth_api, make_oauth_project):
    project = make_oauth_project(oauth_providers=[{"id": "spotify", "type": "shared"}])
    user = oauth_api.post(USERS, headers=oauth_api.headers("server", project), json={}).json()
    session = oauth_api.post(f"{V1}/auth/sessions", headers=oauth_api.headers("server", project),
                             json={"user_id": user["id"]}).json()
    q = {**Flow(oauth_api, project, "spotify").query, "type": "link",
         "token": session["access_token"], "provider_scope": "playlist-read-private"}
    err(authorize(oauth_api, "spotify", q), "OAUTH_EXTRA_SCOPE_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS")


# --- callback: the outer flow's errors --------------------------------------------


def test_tampered_state_and_cookies(oauth_api, oidc_project):
    flow = Flow(oauth_api, oidc_project)
    flow.run(stop_at_callback=True)
    url = flow.callback_url
    tampered = re.sub(r"state=[^&]+", "state=not-the-state", url)
    r = flow.session.get(tampered, allow_redirects=False)
    assert_plain_text(r, 400, INNER_COOKIE_MISSING)
    assert r.headers["Set-Cookie"].startswith("stack-oauth-inner-not-the-state=; Path=/; Expires=Thu, 01 Jan 1970")
    # A cookie for a state Latchkey never issued.
    r = browser().get(tampered, headers={"Cookie": "stack-oauth-inner-not-the-state=true"},
                      allow_redirects=False)
    assert_plain_text(r, 400, INVALID_COOKIE)
    # The real callback in a browser without the cookie.
    assert_plain_text(browser().get(url, allow_redirects=False), 400, INNER_COOKIE_MISSING)
    # The real one works once; replaying it finds no cookie (and no state).
    r = flow.session.get(url, allow_redirects=False)
    assert r.status_code == 303
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    assert_plain_text(flow.session.get(url, allow_redirects=False), 400, INNER_COOKIE_MISSING)
    state = parse_qs(urlparse(url).query)["state"][0]
    r = flow.session.get(url, headers={"Cookie": f"stack-oauth-inner-{state}=true"},
                         allow_redirects=False)
    assert_plain_text(r, 400, INVALID_COOKIE)  # single use


def test_provider_errors(oauth_api, oidc_project, make_oauth_project, oidc_provider):
    # A tampered inner code: the provider answers invalid_grant.
    flow = Flow(oauth_api, oidc_project)
    r = flow.run(tamper=lambda u: re.sub(r"code=[^&]+", "code=forged", u))
    assert_plain_text(r, 400, INVALID_GRANT)
    # The callback of another provider of the project: the code was issued to
    # the flow's provider, so it is an invalid grant there (as Stack answers);
    # a provider the project lacks is not found.
    flow = Flow(oauth_api, oidc_project)
    r = flow.run(tamper=lambda u: u.replace(f"{CALLBACK}/oidc?", f"{CALLBACK}/google?"))
    assert_plain_text(r, 400, INVALID_GRANT)
    flow = Flow(oauth_api, oidc_project)
    err(flow.run(tamper=lambda u: u.replace(f"{CALLBACK}/oidc?", f"{CALLBACK}/github?")),
        "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED")
    # Denied consent.
    err(Flow(oauth_api, oidc_project).run(deny=True), "OAUTH_PROVIDER_ACCESS_DENIED")
    # Wrong client secret in the project's configuration.
    bad = make_oauth_project(oauth_providers=[oidc_entry(oidc_provider, client_secret="wrong")])
    assert_plain_text(Flow(oauth_api, bad).run(), 400, INVALID_CLIENT)
    # Any other provider error is an upstream failure.
    flow = Flow(oauth_api, oidc_project)
    flow.run(stop_at_callback=True)
    q = parse_qs(urlparse(flow.callback_url).query)
    r = flow.session.get(oauth_api.url(f"{CALLBACK}/oidc"), allow_redirects=False,
                         params={"state": q["state"][0], "error": "temporarily_unavailable"})
    assert r.status_code == 502 and "x-stack-known-error" not in r.headers
    assert r.text.startswith("The OAuth provider could not complete the sign-in")
    # No code at all.
    flow = Flow(oauth_api, oidc_project)
    flow.run(stop_at_callback=True)
    q = parse_qs(urlparse(flow.callback_url).query)
    r = flow.session.get(oauth_api.url(f"{CALLBACK}/oidc"), params={"state": q["state"][0]},
                         allow_redirects=False)
    assert_plain_text(r, 400, "The OAuth provider did not send an authorization code.")


def test_errors_go_to_a_trusted_error_redirect(oauth_api, oidc_project):
    error_uri = "http://localhost:3000/oauth-error?from=test"
    flow = Flow(oauth_api, oidc_project, error_redirect_url=error_uri)
    r = flow.run(deny=True, stop_prefixes=("http://localhost:3000/oauth-error",))
    assert r.status_code == 307
    q = parse_qs(urlparse(r.headers["Location"]).query)
    assert q == {"from": ["test"], "errorCode": ["OAUTH_PROVIDER_ACCESS_DENIED"],
                 "message": [MSG["OAUTH_PROVIDER_ACCESS_DENIED"]], "details": ["{}"]}
    # An untrusted error URL is ignored: the error is answered directly.
    flow = Flow(oauth_api, oidc_project, error_redirect_uri="https://evil.example.com/err")
    err(flow.run(deny=True), "OAUTH_PROVIDER_ACCESS_DENIED")


def test_untrusted_redirect_uri(oauth_api, make_oauth_project, oidc_provider):
    project = make_oauth_project(allow_localhost=False,
                                 domains=[{"domain": "https://app.example.com", "handler_path": "/handler"}],
                                 oauth_providers=[oidc_entry(oidc_provider)])
    # Plain text, so never redirected, even to a trusted error URL.
    flow = Flow(oauth_api, project, error_redirect_uri="https://app.example.com/error")
    assert_plain_text(flow.run(), 400, INVALID_REDIRECT)
    # A trusted one passes that check.
    flow = Flow(oauth_api, project, redirect_uri="https://app.example.com/handler/oauth-callback")
    assert flow.exchange(flow.code(flow.run())).status_code == 200


def test_outer_parameters_checked_at_the_callback(oauth_api, oidc_project):
    assert_plain_text(Flow(oauth_api, oidc_project, scope="openid").run(), 400,
                      "Invalid scope requested. Please check the scopes you are requesting.")
    assert_plain_text(Flow(oauth_api, oidc_project, response_type="token").run(), 400,
                      'Invalid response_type requested. Only "code" is supported.')
    assert_plain_text(Flow(oauth_api, oidc_project, code_challenge_method="S512").run(), 400,
                      'Invalid code_challenge_method. It must be "S256" or "plain".')


def test_outer_flow_times_out(oauth_api, oidc_project):
    flow = Flow(oauth_api, oidc_project)
    flow.run(stop_at_callback=True)
    oauth_api.advance_clock(11 * 60 * 1000)
    err(flow.session.get(flow.callback_url, allow_redirects=False), "OUTER_OAUTH_TIMEOUT", 408)


# --- the token endpoint -------------------------------------------------------------


def test_code_exchange_errors(oauth_api, oidc_project, make_oauth_project):
    flow = Flow(oauth_api, oidc_project)
    code = flow.code(flow.run())
    # Client authentication first.
    for overrides in ({"client_id": None}, {"client_id": "no-such-project"},
                      {"client_secret": "pck_wrong"}, {"client_id": f"{oidc_project.id}#dev"},
                      {"client_secret": None, "code_verifier": None}):
        err(flow.exchange(code, **overrides), "INVALID_OAUTH_CLIENT_ID_OR_SECRET",
            details={"client_id": None})
    rfc_error(flow.exchange(None), "Missing parameter: `code`")
    rfc_error(flow.exchange("\x01bad"), "Invalid parameter: `code`")
    err(flow.exchange("0" * 64), "INVALID_AUTHORIZATION_CODE")
    # A wrong PKCE verifier, a missing one, another project's client.
    err(flow.exchange(code, code_verifier="wrong-verifier"), "INVALID_AUTHORIZATION_CODE")
    err(flow.exchange(code, code_verifier=None), "INVALID_AUTHORIZATION_CODE")
    other = make_oauth_project()
    err(flow.exchange(code, client_id=other.id, client_secret=other.keys["client"]),
        "INVALID_AUTHORIZATION_CODE")
    # None of that used the code up; the right verifier without a client
    # secret (PKCE stands in for it) does.
    r = flow.exchange(code, client_secret=None)
    assert r.status_code == 200, r.text
    err(flow.exchange(code), "INVALID_AUTHORIZATION_CODE")  # single use


def test_code_exchange_redirect_uri_and_expiry(oauth_api, oidc_project):
    flow = Flow(oauth_api, oidc_project)
    code = flow.code(flow.run())
    rfc_error(flow.exchange(code, redirect_uri=None),
              "Invalid request: `redirect_uri` is not a valid URI")
    err(flow.exchange(code), "INVALID_AUTHORIZATION_CODE")  # consumed by that attempt
    flow = Flow(oauth_api, oidc_project)
    code = flow.code(flow.run())
    err(flow.exchange(code, redirect_uri="http://localhost:3000/elsewhere"),
        "REDIRECT_URL_NOT_WHITELISTED")
    flow = Flow(oauth_api, oidc_project)
    code = flow.code(flow.run())
    oauth_api.advance_clock(5 * 60 * 1000 + 1000)
    err(flow.exchange(code), "INVALID_AUTHORIZATION_CODE")


def test_mfa_user_gets_an_attempt_code(oauth_api, oidc_project):
    flow = Flow(oauth_api, oidc_project)
    user_id = decode_claims(flow.sign_in()["access_token"])["sub"]
    r = oauth_api.patch(f"{USERS}/{user_id}", headers=oauth_api.headers("server", oidc_project),
                        json={"totp_secret_base64": base64.b64encode(b"0123456789abcdefghij").decode()})
    assert r.status_code == 200, r.text
    again = Flow(oauth_api, oidc_project, login=flow.login)
    r = again.exchange(again.code(again.run()))
    body = assert_known_error(r, 400, "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
                              MSG["MULTI_FACTOR_AUTHENTICATION_REQUIRED"], ANY)
    assert len(body["details"]["attempt_code"]) == 45


# --- account resolution -----------------------------------------------------------


def existing_user(api, project, email, verified=True):
    r = api.post(USERS, headers=api.headers("server", project),
                 json={"primary_email": email, "primary_email_verified": verified,
                       "primary_email_auth_enabled": True})
    assert r.status_code == 201, r.text
    return r.json()


def test_merge_link_method(oauth_api, oidc_project):
    email = new_email("merge")
    user = existing_user(oauth_api, oidc_project, email)
    body = Flow(oauth_api, oidc_project).sign_in(form={"email": email})
    assert body["is_new_user"] is False
    linked = me(oauth_api, oidc_project, body["access_token"])
    assert linked["id"] == user["id"]
    assert linked["oauth_providers"][0]["email"] == email
    # Unverified at the provider: refused.
    email2 = new_email("merge")
    existing_user(oauth_api, oidc_project, email2)
    r = Flow(oauth_api, oidc_project).run(form={"email": email2, "email_verified": "false"})
    assert_known_error(r, 409, "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE",
                       f"The email ({email2}) is already used for authentication by another account.",
                       {"type": "email", "contact_channel_value": email2})
    # Unverified on our side: refused too.
    email3 = new_email("merge")
    existing_user(oauth_api, oidc_project, email3, verified=False)
    r = Flow(oauth_api, oidc_project).run(form={"email": email3})
    assert r.status_code == 409


def test_merge_raise_error_and_allow_duplicates(oauth_api, oidc_project):
    email = new_email("dup")
    user = existing_user(oauth_api, oidc_project, email)
    set_config(oauth_api, oidc_project, oauth_account_merge_strategy="raise_error")
    r = Flow(oauth_api, oidc_project).run(form={"email": email})
    assert_known_error(r, 409, "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE", ANY, ANY)
    set_config(oauth_api, oidc_project, oauth_account_merge_strategy="allow_duplicates")
    body = Flow(oauth_api, oidc_project).sign_in(form={"email": email})
    assert body["is_new_user"] is True
    new_id = decode_claims(body["access_token"])["sub"]
    assert new_id != user["id"]
    r = oauth_api.get(f"{USERS}/{new_id}", headers=oauth_api.headers("server", oidc_project))
    dup = assert_json(r)
    assert dup["primary_email"] == email
    assert dup["primary_email_auth_enabled"] is False
    assert dup["primary_email_verified"] is True


def test_sign_up_disabled(oauth_api, oidc_project):
    known = Flow(oauth_api, oidc_project)
    known.sign_in()
    set_config(oauth_api, oidc_project, sign_up_enabled=False)
    err(Flow(oauth_api, oidc_project).run(), "SIGN_UP_NOT_ENABLED")
    # Existing identities still sign in.
    assert Flow(oauth_api, oidc_project, login=known.login).sign_in()["is_new_user"] is False


def test_account_without_email(oauth_api, oidc_project):
    body = Flow(oauth_api, oidc_project).sign_in(form={"email": "-"})
    user = me(oauth_api, oidc_project, body["access_token"])
    assert user["primary_email"] is None
    assert user["oauth_providers"][0]["email"] is None


def signed_in_user(api, project):
    r = api.post(USERS, headers=api.headers("server", project), json={})
    user = r.json()
    s = api.post(f"{V1}/auth/sessions", headers=api.headers("server", project),
                 json={"user_id": user["id"]}).json()
    return user, s["access_token"]


def test_link_flow(oauth_api, oidc_project):
    user, token = signed_in_user(oauth_api, oidc_project)
    flow = Flow(oauth_api, oidc_project, type="link", token=token)
    body = flow.sign_in()
    assert body["is_new_user"] is False
    assert decode_claims(body["access_token"])["sub"] == user["id"]
    assert me(oauth_api, oidc_project, body["access_token"])["oauth_providers"] == [
        {"id": "oidc", "account_id": flow.login, "email": f"{flow.login}@example.com"}]
    # The linked identity now signs in as that user.
    again = Flow(oauth_api, oidc_project, login=flow.login).sign_in()
    assert decode_claims(again["access_token"])["sub"] == user["id"]
    # Linking the same identity again only refreshes its tokens.
    assert Flow(oauth_api, oidc_project, login=flow.login, type="link", token=token).sign_in()
    # A second account of the same provider for this user.
    err(Flow(oauth_api, oidc_project, type="link", token=token).run(),
        "USER_ALREADY_CONNECTED_TO_ANOTHER_OAUTH_CONNECTION", 409)
    # Someone else's identity.
    other, other_token = signed_in_user(oauth_api, oidc_project)
    err(Flow(oauth_api, oidc_project, login=flow.login, type="link", token=other_token).run(),
        "OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER", 409)


# --- connected accounts -------------------------------------------------------------


def provider_userinfo(provider, token):
    with requests.Session() as s:
        s.trust_env = False
        return s.get(f"{provider.issuer}/v1/userinfo", headers={"Authorization": f"Bearer {token}"},
                     timeout=10)


def connected(api, project, user_id, provider="oidc", access="client", access_token=None, **body):
    h = api.headers(access, project, access_token=access_token)
    return api.post(f"{CONNECTED}/{user_id}/{provider}/access-token", headers=h, json=body)


def test_connected_account_access_tokens(oauth_api, oidc_project, oidc_provider):
    flow = Flow(oauth_api, oidc_project)
    session = flow.sign_in()
    at = session["access_token"]
    user_id = decode_claims(at)["sub"]
    r = connected(oauth_api, oidc_project, "me", access_token=at)
    token = assert_json(r, 201)["access_token"]
    assert list(r.json()) == ["access_token"]
    info = provider_userinfo(oidc_provider, token)
    assert info.status_code == 200 and info.json()["sub"] == flow.login
    # Covered scopes reuse it; the server may ask for any user.
    r = connected(oauth_api, oidc_project, user_id, access="server", scope="openid email")
    assert assert_json(r, 201)["access_token"] == token
    err(connected(oauth_api, oidc_project, "me", access_token=at, scope="openid payments"),
        "OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE")
    # Near expiry, the stored refresh token gets a new one from the provider.
    oauth_api.advance_clock(2 * 3600 * 1000)
    at = oauth_api.post(TOKEN, data={"grant_type": "refresh_token", "client_id": oidc_project.id,
                                     "client_secret": oidc_project.keys["client"],
                                     "refresh_token": session["refresh_token"]}).json()["access_token"]
    r = connected(oauth_api, oidc_project, "me", access_token=at)
    fresh = assert_json(r, 201)["access_token"]
    assert fresh != token
    assert provider_userinfo(oidc_provider, fresh).json()["sub"] == flow.login
    # The deprecated alias answers the same way.
    h = oauth_api.headers("client", oidc_project, access_token=at)
    r = oauth_api.post(f"{V1}/auth/oauth/connected-accounts/oidc/access-token", headers=h, json={})
    assert assert_json(r, 201)["access_token"] == fresh


def test_connected_account_errors(oauth_api, oidc_project, make_oauth_project):
    session = Flow(oauth_api, oidc_project).sign_in()
    at = session["access_token"]
    user_id = decode_claims(at)["sub"]
    other, other_token = signed_in_user(oauth_api, oidc_project)
    assert_plain_text(connected(oauth_api, oidc_project, other["id"], access_token=at), 403,
                      "Client can only access its own connected accounts")
    err(connected(oauth_api, oidc_project, "me"), "CANNOT_GET_OWN_USER_WITHOUT_USER")
    err(connected(oauth_api, oidc_project, str(uuid.uuid4()), access="server"), "USER_NOT_FOUND", 404)
    err(connected(oauth_api, oidc_project, user_id, "github", access="server"),
        "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED")
    err(connected(oauth_api, oidc_project, "me", access_token=other_token),
        "OAUTH_CONNECTION_NOT_CONNECTED_TO_USER")
    r = connected(oauth_api, oidc_project, "not-a-uuid", access="server")
    assert_schema_error_contains(r, "POST", f"{CONNECTED}/not-a-uuid/oidc/access-token",
                                 ["params.user_id must be a valid UUID"])
    r = connected(oauth_api, oidc_project, "me", access_token=at, scope=5, extra=1)
    assert_schema_error_contains(r, "POST", f"{CONNECTED}/me/oidc/access-token",
                                 ["body contains unknown properties: extra"])
    shared = make_oauth_project(oauth_providers=[{"id": "github", "type": "shared"}])
    u, _ = signed_in_user(oauth_api, shared)
    err(connected(oauth_api, shared, u["id"], "github", access="server"),
        "OAUTH_ACCESS_TOKEN_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS")
    check_header_auth_matrix(
        oauth_api, oidc_project,
        lambda h: oauth_api.post(f"{CONNECTED}/{user_id}/oidc/access-token", headers=h, json={}),
        token_user=user_id)


# --- oauth_providers on users and in the config -----------------------------------


def test_create_user_with_oauth_providers(oauth_api, oidc_project):
    account = new_login("imported")
    r = oauth_api.post(USERS, headers=oauth_api.headers("server", oidc_project), json={
        "oauth_providers": [{"id": "oidc", "account_id": account, "email": "imp@example.com"}]})
    user = assert_json(r, 201)
    assert user["oauth_providers"] == [{"id": "oidc", "account_id": account, "email": "imp@example.com"}]
    # The imported identity signs in as that user.
    body = Flow(oauth_api, oidc_project, login=account).sign_in()
    assert body["is_new_user"] is False
    assert decode_claims(body["access_token"])["sub"] == user["id"]
    # The same identity cannot go to a second user; nothing is created.
    count = len(oauth_api.get(USERS, headers=oauth_api.headers("server", oidc_project)).json()["items"])
    r = oauth_api.post(USERS, headers=oauth_api.headers("server", oidc_project),
                       json={"oauth_providers": [{"id": "oidc", "account_id": account}]})
    err(r, "OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER", 409)
    assert len(oauth_api.get(USERS, headers=oauth_api.headers("server", oidc_project)).json()["items"]) == count
    r = oauth_api.post(USERS, headers=oauth_api.headers("server", oidc_project),
                       json={"oauth_providers": [{"id": "github", "account_id": "1"}]})
    assert_plain_text(r, 400, "OAuth provider github not found")
    # Deleting the user frees the identity.
    assert oauth_api.delete(f"{USERS}/{user['id']}",
                            headers=oauth_api.headers("server", oidc_project)).status_code == 200
    assert Flow(oauth_api, oidc_project, login=account).sign_in()["is_new_user"] is True


def test_provider_config_fields(oauth_api, make_oauth_project, oidc_provider):
    project = make_oauth_project()
    h = oauth_api.headers("admin", project)
    r = oauth_api.patch(ADMIN_PROJECT, headers=h, json={"config": {"oauth_providers": [
        {"id": "oidc", "type": "standard", "client_id": "a", "client_secret": "b"}]}})
    assert_schema_error_contains(r, "PATCH", ADMIN_PROJECT,
                                 ["body.config.oauth_providers[0].discovery_url must be defined"])
    r = oauth_api.patch(ADMIN_PROJECT, headers=h, json={"config": {"oauth_providers": [
        oidc_entry(oidc_provider, discovery_url="ftp://idp.example.com/x")]}})
    assert_schema_error_contains(r, "PATCH", ADMIN_PROJECT,
                                 ["body.config.oauth_providers[0].discovery_url must start with http:// or https://"])
    apple = {"id": "apple", "type": "standard", "client_id": "com.example.web",
             "client_secret": "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n",
             "apple_team_id": "TEAM123456", "apple_key_id": "KEY1234567"}
    twitch = {"id": "twitch", "type": "standard", "client_id": "t", "client_secret": "s"}
    r = oauth_api.patch(ADMIN_PROJECT, headers=h, json={"config": {"oauth_providers": [
        apple, twitch, oidc_entry(oidc_provider)]}})
    cfg = assert_json(r)["config"]
    assert cfg["oauth_providers"] == [apple, oidc_entry(oidc_provider), twitch]
    assert cfg["enabled_oauth_providers"] == [{"id": "apple"}, {"id": "oidc"}, {"id": "twitch"}]
    # Apple's key is checked when a sign-in starts, not stored blindly.
    r = authorize(oauth_api, "apple", Flow(oauth_api, project, "apple").query)
    assert r.status_code == 400
    assert r.text.startswith('The OAuth provider "apple" has an unusable private key')
