"""CLI login (spec/auth-endpoints.md §8): POST /auth/cli, /auth/cli/complete
and /auth/cli/poll — a whole login handing over a real refresh token, the
states a poll reports, and codes that cannot be replayed, guessed across
projects or used after they expire.
"""
from __future__ import annotations

import datetime
import re
from concurrent.futures import ThreadPoolExecutor

from auth_helpers import refresh, signed_up
from latchkey_e2e import (
    INTERNAL_PROJECT_ID,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_schema_error_contains,
)

V1 = "/api/v1"
START = f"{V1}/auth/cli"
COMPLETE = f"{V1}/auth/cli/complete"
POLL = f"{V1}/auth/cli/poll"
CODE_RE = re.compile(r"^[0-9a-z]{45}$")
INVALID_LOGIN = "Invalid login code or the code has expired"


def start(api, project=INTERNAL_PROJECT_ID, access="client", **body) -> dict:
    return assert_json(api.post(START, headers=api.headers(access, project), json=body))


def complete(api, login_code: str, refresh_token: str = "a-refresh-token",
             project=INTERNAL_PROJECT_ID, access="client"):
    return api.post(COMPLETE, headers=api.headers(access, project),
                    json={"login_code": login_code, "refresh_token": refresh_token})


def poll(api, polling_code: str, project=INTERNAL_PROJECT_ID, access="client"):
    return api.post(POLL, headers=api.headers(access, project), json={"polling_code": polling_code})


def expires_in_millis(api, attempt: dict) -> int:
    at = datetime.datetime.fromisoformat(attempt["expires_at"].replace("Z", "+00:00"))
    return int(at.timestamp() * 1000) - api.now_millis()


def test_a_whole_login_hands_over_a_working_refresh_token(api):
    attempt = start(api)
    assert set(attempt) == {"polling_code", "login_code", "expires_at"}
    assert CODE_RE.match(attempt["polling_code"]) and CODE_RE.match(attempt["login_code"])
    assert attempt["polling_code"] != attempt["login_code"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", attempt["expires_at"])
    assert abs(expires_in_millis(api, attempt) - 2 * 3600 * 1000) < 60_000

    assert assert_json(poll(api, attempt["polling_code"])) == {"status": "waiting"}
    user = signed_up(api)
    assert assert_json(complete(api, attempt["login_code"], user["refresh_token"])) == {"success": True}
    assert assert_json(poll(api, attempt["polling_code"]), 201) == {
        "status": "success", "refresh_token": user["refresh_token"]}
    # The CLI signs in with it.
    r = refresh(api, INTERNAL_PROJECT_ID, user["refresh_token"])
    assert "access_token" in assert_json(r)
    # Delivered once.
    assert assert_json(poll(api, attempt["polling_code"])) == {"status": "used"}


def test_each_access_type_may_start_and_finish_a_login(api):
    for access in ("client", "server", "admin"):
        attempt = start(api, access=access)
        assert assert_json(complete(api, attempt["login_code"], access=access)) == {"success": True}
        r = poll(api, attempt["polling_code"], access=access)
        assert assert_json(r, 201)["refresh_token"] == "a-refresh-token"


def test_a_custom_lifetime_up_to_a_day(api):
    attempt = start(api, expires_in_millis=30 * 60 * 1000)
    assert abs(expires_in_millis(api, attempt) - 30 * 60 * 1000) < 60_000
    assert abs(expires_in_millis(api, start(api, expires_in_millis=86_400_000)) - 86_400_000) < 60_000
    r = api.post(START, headers=api.headers("client"), json={"expires_in_millis": 86_400_001})
    assert_schema_error_contains(r, "POST", START,
                                 ["body.expires_in_millis must be less than or equal to 86400000"])


def test_codes_cannot_be_replayed(api):
    attempt = start(api)
    assert assert_json(complete(api, attempt["login_code"], "first")) == {"success": True}
    # A second completion, before and after the CLI collected the token.
    assert_plain_text(complete(api, attempt["login_code"], "second"), 400, INVALID_LOGIN)
    assert assert_json(poll(api, attempt["polling_code"]), 201)["refresh_token"] == "first"
    assert_plain_text(complete(api, attempt["login_code"], "third"), 400, INVALID_LOGIN)
    assert assert_json(poll(api, attempt["polling_code"])) == {"status": "used"}


def test_concurrent_polls_deliver_the_token_once(api):
    attempt = start(api)
    assert_json(complete(api, attempt["login_code"], "only-once"))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: poll(api, attempt["polling_code"]), range(8)))
    bodies = sorted((r.status_code, r.json()["status"]) for r in results)
    assert bodies == [(200, "used")] * 7 + [(201, "success")], bodies


def test_unknown_codes(api):
    r = poll(api, "invalid-code")
    assert_known_error(r, 400, "INVALID_POLLING_CODE", "The polling code is invalid or does not exist.")
    # The login code is not a polling code, nor the other way round.
    attempt = start(api)
    assert_known_error(poll(api, attempt["login_code"]), 400, "INVALID_POLLING_CODE")
    assert_plain_text(complete(api, attempt["polling_code"]), 400, INVALID_LOGIN)
    assert_plain_text(complete(api, "invalid-login-code"), 400, INVALID_LOGIN)


def test_codes_belong_to_their_project(api, project):
    attempt = start(api, project.id)
    assert_known_error(poll(api, attempt["polling_code"]), 400, "INVALID_POLLING_CODE")
    assert_plain_text(complete(api, attempt["login_code"]), 400,
                      "Project ID mismatch; please ensure that you are using the correct app url.")
    # Still open in its own project.
    assert assert_json(poll(api, attempt["polling_code"], project.id)) == {"status": "waiting"}
    assert assert_json(complete(api, attempt["login_code"], project=project.id)) == {"success": True}


def test_an_expired_attempt_says_so_and_cannot_be_completed(api):
    attempt = start(api, expires_in_millis=1000)
    done = start(api, expires_in_millis=1000)
    assert_json(complete(api, done["login_code"], "late"))
    api.advance_clock(2000)
    assert assert_json(poll(api, attempt["polling_code"])) == {"status": "expired"}
    assert_plain_text(complete(api, attempt["login_code"]), 400, INVALID_LOGIN)
    # Completed but not collected in time: expired too, the token is not handed out.
    assert assert_json(poll(api, done["polling_code"])) == {"status": "expired"}


def test_requests_are_validated(api):
    assert_schema_error_contains(api.post(POLL, headers=api.headers("client"), json={}), "POST", POLL,
                                 ["body.polling_code must be defined"])
    r = api.post(COMPLETE, headers=api.headers("client"), json={"login_code": "x"})
    assert_schema_error_contains(r, "POST", COMPLETE, ["body.refresh_token must be defined"])
    r = api.post(START, headers=api.headers("client"), json={"expires_in_millis": "soon"})
    assert r.status_code == 400 and r.json()["code"] == "SCHEMA_ERROR"
    # Without a project's keys nothing happens.
    r = api.post(START, json={})
    assert r.status_code in (400, 401) and "code" in r.json()
