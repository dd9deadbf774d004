"""Races on the password and session endpoints: one e-mail signed up by many
requests at once yields exactly one user (every other answer a clean 409),
and parallel refreshes of one session all succeed.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from auth_helpers import (
    ADMIN_PROJECT,
    assert_email_exists,
    decode_claims,
    list_sessions,
    new_email,
    refresh,
    sign_in,
    sign_up,
    signed_up,
)
from latchkey_e2e import assert_json

SIGN_UPS = 100
REFRESHES = 20


def test_parallel_sign_ups_with_one_email_create_one_user(api, project):
    email = new_email("race")
    with ThreadPoolExecutor(max_workers=SIGN_UPS) as pool:
        results = list(pool.map(lambda i: sign_up(api, project, email=email, password=f"password-{i:03d}"),
                                range(SIGN_UPS)))
    statuses = sorted(r.status_code for r in results)
    assert all(s < 500 for s in statuses), [r.text for r in results if r.status_code >= 500][:3]
    winners = [(i, r) for i, r in enumerate(results) if r.status_code == 200]
    assert len(winners) == 1, statuses
    for r in results:
        if r.status_code != 200:
            assert_email_exists(r, email)
    index, winner = winners[0]
    user_id = assert_json(winner)["user_id"]
    # One user in the project, signed in with the winning request's password only.
    admin = assert_json(api.get(ADMIN_PROJECT, headers=api.headers("admin", project)))
    assert admin["user_count"] == 1
    assert assert_json(sign_in(api, project, email, f"password-{index:03d}"))["user_id"] == user_id
    other = (index + 1) % SIGN_UPS
    assert sign_in(api, project, email, f"password-{other:03d}").status_code == 400
    sessions = assert_json(list_sessions(api, project, None, access="server", params={"user_id": user_id}))["items"]
    assert len(sessions) == 2  # the sign-up's and the sign-in's


def test_parallel_refreshes_of_one_session_all_succeed(api, project):
    user = signed_up(api, project)
    session_id = decode_claims(user["access_token"])["refreshTokenId"]
    with ThreadPoolExecutor(max_workers=REFRESHES) as pool:
        results = list(pool.map(lambda _: refresh(api, project, user["refresh_token"]), range(REFRESHES)))
    for r in results:
        body = assert_json(r)
        claims = decode_claims(body["access_token"])
        assert claims["refreshTokenId"] == session_id and claims["sub"] == user["user_id"]
    # Still one session, still usable.
    sessions = assert_json(list_sessions(api, project, user["access_token"]))["items"]
    assert [s["id"] for s in sessions] == [session_id]
    assert_json(refresh(api, project, user["refresh_token"]))
