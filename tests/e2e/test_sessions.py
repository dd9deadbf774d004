"""Sessions and refresh: spec/auth-endpoints.md §3 (list, create, delete,
sign-out, refresh), §6.4 (the OAuth token endpoint's refresh grant), §7
(anonymous sign-up) and spec/tokens.md §6–§8; plus the dashboard bootstrap
of spec/projects.md §3.3 once sign-up works.
"""
from __future__ import annotations

import re
import time
import uuid

import pytest

from auth_helpers import (
    ANON_SIGN_UP,
    CURRENT,
    MESSAGES,
    OAUTH_TOKEN,
    PASSWORD,
    REFRESH,
    SESSIONS,
    assert_error,
    assert_never_5xx,
    assert_refresh_token_error,
    assert_schema_lines,
    check_header_auth_matrix,
    decode_claims,
    list_sessions,
    new_email,
    refresh,
    sign_in,
    sign_up,
    signed_up,
)
from latchkey_e2e import (
    ANY,
    OMIT,
    INTERNAL_KEYS,
    INTERNAL_PROJECT,
    UUID_RE,
    Project,
    assert_access_token_expired,
    assert_insufficient_access_type,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_route_headers,
    assert_schema_error,
)

# No last_used_at_end_user_ip_info: Stack omits it without geo data, and
# Latchkey has none.
SESSION_KEYS = ["id", "user_id", "created_at", "last_used_at", "is_impersonation",
                "is_current_session"]
INVALID_CLIENT_DETAILS = {"client_id": None}


def session_path(session_id: str) -> str:
    return f"{SESSIONS}/{session_id}"


def items(r) -> list:
    body = assert_json(r)
    assert list(body.keys()) == ["items", "is_paginated"] and body["is_paginated"] is False, body
    return body["items"]


def create_session(api, project, user_id, access="server", **body):
    return api.post(SESSIONS, headers=api.headers(access, project), json={"user_id": user_id, **body})


def assert_cannot_get_own(r) -> None:
    assert_error(r, "CANNOT_GET_OWN_USER_WITHOUT_USER")


# --------------------------------------------------------------------------
# GET /auth/sessions
# --------------------------------------------------------------------------


def test_list_shape_order_and_current_flag(api, project):
    user = signed_up(api, project)
    time.sleep(0.01)
    second = assert_json(sign_in(api, project, user["email"]))
    listed = items(list_sessions(api, project, second["access_token"]))
    assert len(listed) == 2
    newest, oldest = listed
    assert newest["id"] == decode_claims(second["access_token"])["refreshTokenId"]
    assert oldest["id"] == decode_claims(user["access_token"])["refreshTokenId"]
    assert newest["created_at"] >= oldest["created_at"]
    for s in listed:
        assert list(s.keys()) == SESSION_KEYS, s
        assert UUID_RE.match(s["id"]) and s["user_id"] == user["user_id"]
        assert s["is_impersonation"] is False
        assert s["last_used_at"] >= s["created_at"]
    assert [s["is_current_session"] for s in listed] == [True, False]
    # From the first session's point of view.
    assert [s["is_current_session"] for s in items(list_sessions(api, project, user["access_token"]))] == [False, True]


def test_list_user_id_forms(api, project):
    user = signed_up(api, project)
    token = user["access_token"]
    uid = user["user_id"]
    expected = items(list_sessions(api, project, token))
    # Explicit id (any case), `me`, and — for the docs' examples — none at all.
    for params in [{"user_id": uid}, {"user_id": uid.upper()}, {"user_id": "me"}, {}]:
        assert items(list_sessions(api, project, token, params=params)) == expected, params
    for access in ["server", "admin"]:
        assert items(list_sessions(api, project, token, access=access, params={})) == expected
        # Without an access token no session is the current one.
        tokenless = items(list_sessions(api, project, None, access=access, params={"user_id": uid}))
        assert tokenless == [{**s, "is_current_session": False} for s in expected]
        # Unknown users simply have no sessions.
        assert items(list_sessions(api, project, None, access=access,
                                   params={"user_id": str(uuid.uuid4())})) == []


def test_list_client_rules(api, project):
    a = signed_up(api, project)
    b = signed_up(api, project)
    r = list_sessions(api, project, a["access_token"], params={"user_id": b["user_id"]})
    assert_plain_text(r, 403, "Client can only list sessions for their own user.")
    r = list_sessions(api, project, a["access_token"], params={"user_id": str(uuid.uuid4())})
    assert_plain_text(r, 403, "Client can only list sessions for their own user.")
    assert_cannot_get_own(list_sessions(api, project, None, params={"user_id": "me"}))
    assert_cannot_get_own(list_sessions(api, project, None, params={"user_id": b["user_id"]}))
    assert_cannot_get_own(list_sessions(api, project, None, access="server", params={"user_id": "me"}))
    # No user and no user_id: the reference's schema error.
    assert_schema_error(list_sessions(api, project, None, params={}), "GET", SESSIONS,
                        ["query.user_id must be defined"])
    assert_schema_error(list_sessions(api, project, None, access="server", params={}), "GET", SESSIONS,
                        ["query.user_id must be defined"])


def test_list_schema_errors(api, project):
    user = signed_up(api, project)
    token = user["access_token"]
    for bad in ["not-a-uuid", "", "ME", "12345678-1234-1234-1234-1234567890zz"]:
        assert_schema_error(list_sessions(api, project, token, params={"user_id": bad}), "GET", SESSIONS,
                            ["query.user_id must be a valid UUID"])
    assert_schema_error(list_sessions(api, project, token, params={"user_id": "me", "limit": "3"}),
                        "GET", SESSIONS, ["query contains unknown properties: limit"])
    check_header_auth_matrix(api, project, lambda h: api.get(SESSIONS, headers=h, params={"user_id": "me"}),
                             token_user=user["user_id"])


def test_list_hides_impersonation_sessions_except_from_admin(api, project):
    user = signed_up(api, project)
    assert_json(create_session(api, project, user["user_id"], is_impersonation=True))
    params = {"user_id": user["user_id"]}
    assert len(items(list_sessions(api, project, user["access_token"], params=params))) == 1
    assert len(items(list_sessions(api, project, None, access="server", params=params))) == 1
    admin_view = items(list_sessions(api, project, None, access="admin", params=params))
    assert len(admin_view) == 2
    assert [s["is_impersonation"] for s in admin_view] == [True, False]


# --------------------------------------------------------------------------
# POST /auth/sessions
# --------------------------------------------------------------------------


def test_create_session_for_any_user(api, project):
    user = signed_up(api, project)
    for access in ["server", "admin"]:
        body = assert_json(create_session(api, project, user["user_id"], access=access))
        assert list(body.keys()) == ["refresh_token", "access_token"]
        claims = decode_claims(body["access_token"])
        assert claims["sub"] == user["user_id"] and claims["aud"] == project.id
        fresh = assert_json(refresh(api, project, body["refresh_token"]))
        assert decode_claims(fresh["access_token"])["refreshTokenId"] == claims["refreshTokenId"]
    # `me` names the access token's user; no MFA or sign_up_enabled check.
    r = api.post(SESSIONS, headers=api.headers("server", project, access_token=user["access_token"]),
                 json={"user_id": "me", "is_impersonation": False})
    assert decode_claims(assert_json(r)["access_token"])["sub"] == user["user_id"]
    assert len(items(list_sessions(api, project, None, access="admin", params={"user_id": user["user_id"]}))) == 4


def test_create_session_lifetime(api, project):
    user = signed_up(api, project)
    short = assert_json(create_session(api, project, user["user_id"], expires_in_millis=1500))
    long = assert_json(create_session(api, project, user["user_id"], expires_in_millis=31708800000))
    assert_json(refresh(api, project, short["refresh_token"]))
    api.advance_clock(2000)
    assert_refresh_token_error(refresh(api, project, short["refresh_token"]))
    assert_json(refresh(api, project, long["refresh_token"]))
    # An expired session can still be signed out (deleted normally).
    claims = decode_claims(short["access_token"])
    r = api.delete(CURRENT, headers=api.headers("client", project, refresh_token=short["refresh_token"]))
    assert assert_json(r) == {"success": True}
    assert claims["refreshTokenId"] not in [s["id"] for s in items(list_sessions(
        api, project, None, access="admin", params={"user_id": user["user_id"]}))]


def test_create_session_errors(api, project):
    user = signed_up(api, project)
    m, p = "POST", SESSIONS
    assert_insufficient_access_type(create_session(api, project, user["user_id"], access="client"),
                                    "client", ["server", "admin"])
    unknown = str(uuid.uuid4())
    assert_known_error(create_session(api, project, unknown), 400, "USER_ID_DOES_NOT_EXIST",
                       f"The given user with the ID {unknown} does not exist.", {"user_id": unknown})
    # A user of another project does not exist here.
    other = signed_up(api, INTERNAL_PROJECT)
    assert_known_error(create_session(api, project, other["user_id"]), 400, "USER_ID_DOES_NOT_EXIST",
                       ANY, {"user_id": other["user_id"]})
    assert_cannot_get_own(create_session(api, project, "me"))
    assert_schema_error(create_session(api, project, "someone"), m, p, ["body.user_id must be a valid UUID"])
    assert_schema_error(api.post(SESSIONS, headers=api.headers("server", project), json={}), m, p,
                        ["body.user_id must be defined"])
    assert_schema_error(create_session(api, project, user["user_id"], expires_in_millis=31708800001), m, p,
                        ["body.expires_in_millis must be less than or equal to 31708800000"])
    assert_schema_error(create_session(api, project, user["user_id"], extra=True), m, p,
                        ["body contains unknown properties: extra"])
    r = create_session(api, project, user["user_id"], is_impersonation="sometimes")
    assert_schema_lines(r, m, p, [])
    r = create_session(api, project, user["user_id"], expires_in_millis="soon")
    assert_schema_lines(r, m, p, [])
    check_header_auth_matrix(api, project, lambda h: api.post(SESSIONS, headers=h, json={"user_id": user["user_id"]}),
                             allowed=("server", "admin"))


# --------------------------------------------------------------------------
# DELETE /auth/sessions/{id}
# --------------------------------------------------------------------------


def test_delete_other_session(api, project):
    user = signed_up(api, project)
    other = assert_json(sign_in(api, project, user["email"]))
    other_id = decode_claims(other["access_token"])["refreshTokenId"]
    r = api.delete(session_path(other_id), headers=api.headers("client", project, access_token=user["access_token"]),
                   params={"user_id": "me"})
    assert assert_json(r) == {"success": True}
    assert_refresh_token_error(refresh(api, project, other["refresh_token"]))
    # The access token of the deleted session stays valid until it expires.
    assert_json(api.get("/api/v1/users/me", headers=api.headers("client", project, access_token=other["access_token"])))
    # Already gone.
    r = api.delete(session_path(other_id), headers=api.headers("client", project, access_token=user["access_token"]))
    assert_plain_text(r, 404, "Session not found.")


def test_delete_current_session_is_refused(api, project):
    user = signed_up(api, project)
    current = decode_claims(user["access_token"])["refreshTokenId"]
    for access in ["client", "server", "admin"]:
        r = api.delete(session_path(current), headers=api.headers(access, project, access_token=user["access_token"]),
                       params={"user_id": user["user_id"]})
        assert_error(r, "CANNOT_DELETE_CURRENT_SESSION")
    assert_json(refresh(api, project, user["refresh_token"]))


def test_delete_session_ownership(api, project):
    a = signed_up(api, project)
    b = signed_up(api, project)
    b_session = decode_claims(b["access_token"])["refreshTokenId"]
    # A client cannot touch another user's session, whatever user_id says.
    for params in [{}, {"user_id": "me"}, {"user_id": b["user_id"]}]:
        r = api.delete(session_path(b_session), headers=api.headers("client", project, access_token=a["access_token"]),
                       params=params)
        assert_plain_text(r, 404, "Session not found.")
    r = api.delete(session_path(b_session), headers=api.headers("client", project), params={"user_id": b["user_id"]})
    assert_plain_text(r, 404, "Session not found.")
    # Another project's session does not exist here.
    internal_user = signed_up(api, INTERNAL_PROJECT)
    r = api.delete(session_path(decode_claims(internal_user["access_token"])["refreshTokenId"]),
                   headers=api.headers("server", project), params={"user_id": internal_user["user_id"]})
    assert_plain_text(r, 404, "Session not found.")
    r = api.delete(session_path(str(uuid.uuid4())), headers=api.headers("server", project),
                   params={"user_id": b["user_id"]})
    assert_plain_text(r, 404, "Session not found.")
    # Server and admin may delete any session of the project (upper-case id too).
    r = api.delete(session_path(b_session.upper()), headers=api.headers("server", project),
                   params={"user_id": b["user_id"]})
    assert assert_json(r) == {"success": True}
    assert_refresh_token_error(refresh(api, project, b["refresh_token"]))


def test_delete_session_errors(api, project):
    user = signed_up(api, project)
    sid = decode_claims(user["access_token"])["refreshTokenId"]
    h = api.headers("client", project, access_token=user["access_token"])
    r = api.delete(f"{SESSIONS}/not-a-uuid", headers=h, params={"user_id": "me"})
    assert_schema_error(r, "DELETE", f"{SESSIONS}/not-a-uuid", ["params.id must be a valid UUID"])
    path = session_path(str(uuid.uuid4()))
    assert_schema_error(api.delete(path, headers=h, params={"user_id": "nobody"}), "DELETE", path,
                        ["query.user_id must be a valid UUID"])
    assert_schema_error(api.delete(path, headers=h, params={"user_id": "me", "x": "1"}), "DELETE", path,
                        ["query contains unknown properties: x"])
    assert_cannot_get_own(api.delete(path, headers=api.headers("server", project), params={"user_id": "me"}))
    assert_schema_error(api.delete(path, headers=api.headers("server", project)), "DELETE", path,
                        ["query.user_id must be defined"])
    check_header_auth_matrix(api, project, lambda hh: api.delete(session_path(sid), headers=hh,
                                                                params={"user_id": user["user_id"]}),
                             token_user=user["user_id"])
    assert_json(refresh(api, project, user["refresh_token"]))


# --------------------------------------------------------------------------
# DELETE /auth/sessions/current
# --------------------------------------------------------------------------


def test_sign_out_current_session(api, project):
    user = signed_up(api, project)
    keep = assert_json(sign_in(api, project, user["email"]))
    h = api.headers("client", project, access_token=user["access_token"])
    assert assert_json(api.delete(CURRENT, headers=h, json={})) == {"success": True}
    assert_refresh_token_error(refresh(api, project, user["refresh_token"]))
    assert_json(refresh(api, project, keep["refresh_token"]))
    # The access token is not revoked, but its session is gone.
    assert_refresh_token_error(api.delete(CURRENT, headers=h))
    # x-stack-refresh-token is ignored when the access token names a session.
    h2 = api.headers("client", project, access_token=keep["access_token"], refresh_token="garbage")
    assert assert_json(api.delete(CURRENT, headers=h2)) == {"success": True}
    assert_refresh_token_error(refresh(api, project, keep["refresh_token"]))


def test_sign_out_without_access_token(api, project):
    user = signed_up(api, project)
    before = api.now_millis()
    r = api.delete(CURRENT, headers=api.headers("client", project))
    body = assert_known_error(r, 401, "ACCESS_TOKEN_EXPIRED", ANY, ANY)
    expired_at = body["details"]["expired_at_millis"]
    assert list(body["details"].keys()) == ["expired_at_millis"]
    assert before - 5000 <= expired_at <= api.now_millis() + 5000
    assert re.fullmatch(r"Access token has expired\. Please refresh it and try again\. "
                        r"\(The access token expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\.\)",
                        body["error"]), body["error"]
    # A token without refreshTokenId names no session either.
    no_sid = api.mint(project.id, sub=user["user_id"], refresh_token_id=OMIT)
    assert_known_error(api.delete(CURRENT, headers=api.headers("client", project, access_token=no_sid)),
                       401, "ACCESS_TOKEN_EXPIRED", ANY, ANY)
    token = api.mint(project.id, sub=user["user_id"])  # a random, unknown session id
    # A token naming a session that does not exist.
    assert_refresh_token_error(api.delete(CURRENT, headers=api.headers("client", project, access_token=token)))
    # Fallback: the refresh token identifies the session.
    assert_refresh_token_error(api.delete(CURRENT, headers=api.headers("client", project, refresh_token="nope")))
    other = signed_up(api, INTERNAL_PROJECT)
    assert_refresh_token_error(api.delete(CURRENT, headers=api.headers("client", project,
                                                                      refresh_token=other["refresh_token"])))
    r = api.delete(CURRENT, headers=api.headers("client", project, refresh_token=user["refresh_token"]))
    assert assert_json(r) == {"success": True}
    assert_refresh_token_error(refresh(api, project, user["refresh_token"]))
    assert_json(refresh(api, INTERNAL_PROJECT, other["refresh_token"]))


def test_sign_out_header_auth(api, project):
    user = signed_up(api, project)
    check_header_auth_matrix(api, project, lambda h: api.delete(CURRENT, headers=h), token_user=user["user_id"])
    assert_json(refresh(api, project, user["refresh_token"]))


# --------------------------------------------------------------------------
# POST /auth/sessions/current/refresh
# --------------------------------------------------------------------------


def test_refresh_returns_a_new_token_for_the_same_session(api, project):
    user = signed_up(api, project)
    time.sleep(1.1)  # a different iat, so a different token
    body = assert_json(refresh(api, project, user["refresh_token"]))
    assert list(body.keys()) == ["access_token"]
    old, new = decode_claims(user["access_token"]), decode_claims(body["access_token"])
    assert new["refreshTokenId"] == old["refreshTokenId"] and new["sub"] == old["sub"]
    assert new["iat"] > old["iat"] and new["exp"] - new["iat"] == old["exp"] - old["iat"]
    # Not rotated: the same refresh token keeps working; last_used_at moves.
    listed = items(list_sessions(api, project, body["access_token"]))
    assert listed[0]["last_used_at"] > listed[0]["created_at"]
    for access in ["server", "admin"]:
        assert_json(refresh(api, project, user["refresh_token"], access=access))
    # The new token works.
    me = assert_json(api.get("/api/v1/users/me", headers=api.headers("client", project, access_token=body["access_token"])))
    assert me["id"] == user["user_id"]


def test_refresh_errors(api, project):
    user = signed_up(api, project)
    m, p = "POST", REFRESH
    assert_schema_error(refresh(api, project, None), m, p, ["headers.x-stack-refresh-token must be defined"])
    assert_schema_error(refresh(api, project, ""), m, p, ["headers.x-stack-refresh-token must be defined"])
    for bad in ["x", user["refresh_token"].upper(), user["refresh_token"] + "0", "0" * 45, "é" * 10]:
        assert_refresh_token_error(refresh(api, project, bad.encode("utf-8").decode("latin-1")))
    # Another project's refresh token.
    other = signed_up(api, INTERNAL_PROJECT)
    assert_refresh_token_error(refresh(api, project, other["refresh_token"]))
    # Quirk kept: a stale access token sent along fails the request first.
    now = api.now_seconds()
    stale = api.mint(project.id, sub=user["user_id"], iat=now - 700, exp=now - 10)
    assert_access_token_expired(refresh(api, project, user["refresh_token"], access_token=stale), now - 10)
    check_header_auth_matrix(api, project, lambda h: api.post(REFRESH, headers={**h, "x-stack-refresh-token": user["refresh_token"]}),
                             token_user=user["user_id"])
    # Body is ignored.
    r = api.post(REFRESH, headers=api.headers("client", project, refresh_token=user["refresh_token"]),
                 json={"anything": [1, 2]})
    assert_json(r)


# --------------------------------------------------------------------------
# POST /auth/oauth/token, grant_type=refresh_token
# --------------------------------------------------------------------------


def oauth_refresh(api, project: Project, refresh_token, *, client_id=None, client_secret=None, as_json=False, **extra):
    body = {"grant_type": "refresh_token", "client_id": client_id if client_id is not None else project.id,
            "client_secret": client_secret if client_secret is not None else project.keys["client"],
            "refresh_token": refresh_token, **extra}
    body = {k: v for k, v in body.items() if v is not OMIT}
    if as_json:
        return api.post(OAUTH_TOKEN, json=body)
    return api.post(OAUTH_TOKEN, data=body)


def assert_oauth_success(r, session_id: str) -> None:
    body = assert_json(r)
    assert list(body.keys()) == ["access_token", "token_type", "expires_in", "scope"], body
    assert body["token_type"] == "Bearer" and body["scope"] == "legacy"
    assert body["expires_in"] in (3599, 3600)
    assert r.headers.get("Pragma") == "no-cache"
    assert decode_claims(body["access_token"])["refreshTokenId"] == session_id


def test_oauth_refresh_grant(api, project):
    user = signed_up(api, project)
    sid = decode_claims(user["access_token"])["refreshTokenId"]
    assert_oauth_success(oauth_refresh(api, project, user["refresh_token"]), sid)
    assert_oauth_success(oauth_refresh(api, project, user["refresh_token"], as_json=True), sid)
    assert_oauth_success(oauth_refresh(api, project, user["refresh_token"], client_id=f"{project.id}#main"), sid)
    assert_oauth_success(oauth_refresh(api, project, user["refresh_token"], scope="legacy", extra="ignored"), sid)
    # Stack headers, when sent, are still checked but not needed.
    r = api.post(OAUTH_TOKEN, headers=api.headers("client", project),
                 data={"grant_type": "refresh_token", "client_id": project.id,
                       "client_secret": project.keys["client"], "refresh_token": user["refresh_token"]})
    assert_oauth_success(r, sid)


def test_oauth_refresh_grant_client_errors(api, project):
    user = signed_up(api, project)
    rt = user["refresh_token"]

    def invalid_client(r):
        assert_known_error(r, 400, "INVALID_OAUTH_CLIENT_ID_OR_SECRET", MESSAGES["INVALID_OAUTH_CLIENT_ID_OR_SECRET"],
                           INVALID_CLIENT_DETAILS)

    invalid_client(oauth_refresh(api, project, rt, client_secret="pck_wrong"))
    invalid_client(oauth_refresh(api, project, rt, client_secret=project.keys["server"]))
    invalid_client(oauth_refresh(api, project, rt, client_secret=INTERNAL_KEYS["client"]))
    invalid_client(oauth_refresh(api, project, rt, client_id=str(uuid.uuid4())))
    invalid_client(oauth_refresh(api, project, rt, client_id=f"{project.id}#does-not-exist"))
    invalid_client(oauth_refresh(api, project, rt, client_id=OMIT))
    invalid_client(oauth_refresh(api, project, rt, client_secret=OMIT))
    invalid_client(oauth_refresh(api, project, rt, client_id=""))
    # Client checked first, then the refresh token.
    invalid_client(oauth_refresh(api, project, OMIT, client_secret="nope"))


def test_oauth_refresh_grant_token_errors(api, project):
    user = signed_up(api, project)
    other = signed_up(api, INTERNAL_PROJECT)
    for r in [oauth_refresh(api, project, OMIT), oauth_refresh(api, project, "")]:
        assert r.status_code == 400 and "x-stack-known-error" not in r.headers
        assert r.json() == {"error": "invalid_request", "error_description": "Missing parameter: `refresh_token`"}
        assert_route_headers(r)
    r = oauth_refresh(api, project, "abc\x01def")
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_request", "error_description": "Invalid parameter: `refresh_token`"}
    assert_refresh_token_error(oauth_refresh(api, project, "0" * 45))
    # A token of another project, with this project's credentials.
    assert_refresh_token_error(oauth_refresh(api, project, other["refresh_token"]))
    # Revoked.
    api.delete(CURRENT, headers=api.headers("client", project, access_token=user["access_token"]))
    assert_refresh_token_error(oauth_refresh(api, project, user["refresh_token"]))


def test_oauth_token_grant_type(api, project):
    p = OAUTH_TOKEN
    assert_schema_error(api.post(p, data={"client_id": project.id}), "POST", p, ["body.grant_type must be defined"])
    assert_schema_error(api.post(p, data={"grant_type": "password"}), "POST", p,
                        ["body.grant_type must be one of the following values: authorization_code, refresh_token"])
    assert_schema_error(api.post(p), "POST", p, ["body must be defined"])
    r = api.post(p, data={"grant_type": "authorization_code", "code": "x", "client_id": project.id,
                          "client_secret": project.keys["client"]})
    # An unknown code (the whole grant is tested in test_oauth.py).
    assert_known_error(r, 400, "INVALID_AUTHORIZATION_CODE", "The given authorization code is invalid.")
    for body in [b"grant_type=refresh_token&refresh_token=%FF%FE", b"&&&=", b"grant_type"]:
        r = api.post(p, data=body, headers={"content-type": "application/x-www-form-urlencoded"})
        assert_never_5xx(r)
        assert r.status_code == 400


# --------------------------------------------------------------------------
# POST /auth/anonymous/sign-up
# --------------------------------------------------------------------------


def test_anonymous_sign_up_on_internal(api):
    for access in ["client", "server"]:
        r = api.post(ANON_SIGN_UP, headers=api.headers(access), json={"ignored": True})
        body = assert_json(r)
        assert list(body.keys()) == ["access_token", "refresh_token", "user_id"]
        claims = decode_claims(body["access_token"])
        assert claims["sub"] == body["user_id"] and claims["role"] == "authenticated"
        me = assert_json(api.get("/api/v1/users/me", headers=api.headers("client", access_token=body["access_token"])))
        assert me["display_name"] == "Anonymous user"
        assert me["is_anonymous"] is True
        assert me["primary_email"] is None
        assert me["has_password"] is False and me["auth_with_email"] is False
        assert_json(refresh(api, INTERNAL_PROJECT, body["refresh_token"]))


def test_anonymous_sign_up_is_off_for_new_projects_and_can_be_switched(api, server, project):
    r = api.post(ANON_SIGN_UP, headers=api.headers("client", project))
    assert_error(r, "ANONYMOUS_ACCOUNTS_NOT_ENABLED")
    res = server.cli("project", "anonymous-sign-up", project.id, "on", "--database", server.database)
    assert res.returncode == 0, res.stderr
    # The switch is not part of Stack's REST view.
    admin = assert_json(api.get("/api/v1/internal/projects/current", headers=api.headers("admin", project)))
    assert "anonymous_sign_up_enabled" not in admin["config"]
    deadline = time.monotonic() + 10  # the server may serve the project from a short-lived cache
    while True:
        r = api.post(ANON_SIGN_UP, headers=api.headers("client", project))
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert list(assert_json(r).keys()) == ["access_token", "refresh_token", "user_id"]
    # sign_up_enabled does not apply to anonymous sign-up.
    api.patch("/api/v1/internal/projects/current", headers=api.headers("admin", project),
              json={"config": {"sign_up_enabled": False}})
    assert_json(api.post(ANON_SIGN_UP, headers=api.headers("client", project)))
    res = server.cli("project", "anonymous-sign-up", project.id, "off", "--database", server.database)
    assert res.returncode == 0, res.stderr
    bad = server.cli("project", "anonymous-sign-up", str(uuid.uuid4()), "on", "--database", server.database)
    assert bad.returncode != 0


def test_anonymous_sign_up_header_auth(api, project):
    check_header_auth_matrix(api, project, lambda h: api.post(ANON_SIGN_UP, headers=h))


# --------------------------------------------------------------------------
# projects.md §3.3: the dashboard's bootstrap
# --------------------------------------------------------------------------


def test_dashboard_flow_creates_and_manages_a_project(api):
    owner = signed_up(api, INTERNAL_PROJECT)
    h = api.headers("client", access_token=owner["access_token"])
    assert assert_json(api.get("/api/v1/internal/projects", headers=h)) == {"items": [], "is_paginated": False}
    r = api.post("/api/v1/internal/projects", headers=h, json={
        "display_name": "Dashboard Project",
        "config": {"allow_localhost": True, "credential_enabled": True, "sign_up_enabled": True}})
    created = assert_json(r, 201)
    pid = created["id"]
    assert UUID_RE.match(pid)
    listed = assert_json(api.get("/api/v1/internal/projects", headers=h))["items"]
    assert [p["id"] for p in listed] == [pid]
    # The owner's access token is an admin access token for the new project.
    admin = {"x-stack-project-id": pid, "x-stack-access-type": "admin",
             "x-stack-admin-access-token": owner["access_token"]}
    current = assert_json(api.get("/api/v1/internal/projects/current", headers=admin))
    assert current["display_name"] == "Dashboard Project"
    keys = assert_json(api.post("/api/v1/internal/api-keys", headers=admin, json={
        "description": "e2e", "expires_at_millis": api.now_millis() + 3600_000,
        "has_publishable_client_key": True, "has_secret_server_key": True, "has_super_secret_admin_key": False}))
    project = Project(pid, "Dashboard Project", {"client": keys["publishable_client_key"],
                                                 "server": keys["secret_server_key"]})
    # End users can now sign up in the new project with its own keys.
    end_user = signed_up(api, project)
    assert decode_claims(end_user["access_token"])["aud"] == pid
    assert_json(sign_in(api, project, end_user["email"]))
    # ...and another internal user cannot manage it.
    stranger = signed_up(api, INTERNAL_PROJECT)
    r = api.get("/api/v1/internal/projects/current", headers={**admin, "x-stack-admin-access-token": stranger["access_token"]})
    assert_known_error(r, 401, "ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN", ANY)


def test_internal_projects_need_a_signed_in_internal_user(api, project):
    r = api.post("/api/v1/internal/projects", headers=api.headers("client"), json={"display_name": "x"})
    assert_known_error(r, 401, "USER_AUTHENTICATION_REQUIRED", "User authentication required for this endpoint.")
    user = signed_up(api, project)
    r = api.post("/api/v1/internal/projects", headers=api.headers("client", project, access_token=user["access_token"]),
                 json={"display_name": "x"})
    assert_known_error(r, 401, "EXPECTED_INTERNAL_PROJECT", "The project ID is expected to be internal.")

