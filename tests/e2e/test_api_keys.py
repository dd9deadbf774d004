"""User and team API keys (spec/projects.md §4b, tokens.md §9) and the
revocation of leaked keys (endpoints-index.md §7): every route with each
access type, the project switches, who may manage which keys, the key
format, check's errors in order, and what deleting an owner does.
"""
from __future__ import annotations

import email.utils
import hashlib
import re
import sqlite3
import uuid
from pathlib import Path

import pytest

from email_fixtures import (  # noqa: F401 (fixtures)
    SENDER,
    mail_api,
    mail_server,
    make_mail_project,
    smtp_sink,
)
from latchkey_e2e import (
    assert_insufficient_access_type,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_schema_error_contains,
)
from team_helpers import Teams, assert_auth_required, assert_team_not_found
from team_helpers import email as new_address

V1 = "/api/v1"
USER_KEYS = f"{V1}/user-api-keys"
TEAM_KEYS = f"{V1}/team-api-keys"
REVOKE = f"{V1}/integrations/credential-scanning/revoke"
KEY_RE = re.compile(r"^(sk|pk)_[0-9a-z]{45}([0-9a-f]{32})(user|team)([0-3])574ck4u7h[0-9a-f]{8}$")
FLAGS_ON = {"allow_user_api_keys": True, "allow_team_api_keys": True}


@pytest.fixture
def t(api, project) -> Teams:
    teams = Teams(api, project)
    teams.config(**FLAGS_ON)
    return teams


def create_user_key(t: Teams, user: dict, access: str = "server", as_user=None, **body) -> dict:
    body = {"user_id": user["id"], "description": "k", "expires_at_millis": None, **body}
    return assert_json(t.post(USER_KEYS, body, access, as_user))


def create_team_key(t: Teams, team: dict, access: str = "server", as_user=None, **body) -> dict:
    body = {"team_id": team["id"], "description": "k", "expires_at_millis": None, **body}
    return assert_json(t.post(TEAM_KEYS, body, access, as_user))


def check(t: Teams, key: str, family: str = USER_KEYS):
    return t.post(f"{family}/check", {"api_key": key})


def assert_not_found(r) -> None:
    assert_known_error(r, 404, "API_KEY_NOT_FOUND", "API key not found.")


def assert_revoked(r) -> None:
    assert_known_error(r, 401, "API_KEY_REVOKED", "API key has been revoked.")


def assert_expired(r) -> None:
    assert_known_error(r, 401, "API_KEY_EXPIRED", "API key has expired.")


def without_value(created: dict) -> dict:
    view = dict(created)
    view["value"] = {"last_four": created["value"][-4:]}
    return view


# --- creating and reading ----------------------------------------------------------


def test_a_user_key_is_shown_once_and_then_only_by_its_last_four(t):
    user = t.user()
    created = create_user_key(t, user, "client", user, user_id="me", description="CI")
    m = KEY_RE.match(created["value"])
    assert m, created["value"]
    assert (m.group(1), m.group(3), m.group(4)) == ("sk", "user", "1")  # secret, self-hosted
    assert m.group(2) == created["id"].replace("-", "")
    assert set(created) == {"id", "description", "is_public", "created_at_millis", "value", "type",
                            "user_id"}
    assert (created["description"], created["is_public"], created["type"], created["user_id"]) == (
        "CI", False, "user", user["id"])
    assert abs(created["created_at_millis"] - t.api.now_millis()) < 60_000

    read = assert_json(t.get(f"{USER_KEYS}/{created['id']}", "client", user))
    assert read == without_value(created)
    assert assert_json(check(t, created["value"])) == read
    assert assert_json(t.get(f"{USER_KEYS}/{created['id']}", "server")) == read
    assert assert_json(t.get(f"{USER_KEYS}/{created['id']}", "admin")) == read


def test_public_and_expiring_keys(t):
    user = t.user()
    expires = t.api.now_millis() + 3_600_000
    created = create_user_key(t, user, is_public=True, expires_at_millis=expires)
    m = KEY_RE.match(created["value"])
    assert m and (m.group(1), m.group(4)) == ("pk", "3")
    assert created["is_public"] is True and created["expires_at_millis"] == expires
    assert assert_json(check(t, created["value"]))["expires_at_millis"] == expires


def test_the_secret_is_stored_only_as_a_digest(t, server):
    if not Path(server.database).exists():
        pytest.skip("SQLite only: reads the database file")
    created = create_user_key(t, t.user())
    db = sqlite3.connect(server.database)
    try:
        row = db.execute("SELECT secret_digest, last_four FROM user_team_api_keys WHERE id = ?",
                         (created["id"],)).fetchone()
    finally:
        db.close()
    assert row == (hashlib.sha256(created["value"].encode()).hexdigest(), created["value"][-4:])
    for path in Path(server.database).parent.glob(Path(server.database).name + "*"):
        assert created["value"].encode() not in path.read_bytes(), path


def test_lists_newest_first_with_revoked_and_expired_keys(t):
    user = t.user()
    first = create_user_key(t, user, description="first")
    second = create_user_key(t, user, description="second", expires_at_millis=1)
    third = create_user_key(t, user, description="third")
    assert_json(t.patch(f"{USER_KEYS}/{third['id']}", {"revoked": True}))
    create_user_key(t, t.user(), description="someone else's")
    for access, who in (("client", user), ("server", None)):
        items = assert_json(t.get(USER_KEYS, access, who, params={"user_id": user["id"]}))
        assert items["is_paginated"] is False
        assert [k["description"] for k in items["items"]] == ["third", "second", "first"]
    items = assert_json(t.get(USER_KEYS, "client", user, params={"user_id": "me"}))["items"]
    assert [k["id"] for k in items] == [third["id"], second["id"], first["id"]]


def test_team_keys_for_managers_only(t):
    manager, member, outsider = t.user(), t.user(), t.user()
    team = t.create_team()
    t.add_member(team, manager)
    t.add_member(team, member)
    t.grant(team, manager, "$manage_api_keys")

    created = create_team_key(t, team, "client", manager, description="deploy")
    m = KEY_RE.match(created["value"])
    assert m and m.group(3) == "team"
    assert (created["type"], created["team_id"]) == ("team", team["id"])
    assert "user_id" not in created
    listed = assert_json(t.get(TEAM_KEYS, "client", manager, params={"team_id": team["id"]}))
    assert listed["items"] == [without_value(created)]
    assert assert_json(check(t, created["value"], TEAM_KEYS)) == without_value(created)

    # A member without the permission, and a non-member, are told "not found".
    for who in (member, outsider):
        assert_not_found(t.post(TEAM_KEYS, {"team_id": team["id"], "description": "x",
                                            "expires_at_millis": None}, "client", who))
        assert_not_found(t.get(TEAM_KEYS, "client", who, params={"team_id": team["id"]}))
        assert_not_found(t.get(f"{TEAM_KEYS}/{created['id']}", "client", who))
        assert_not_found(t.patch(f"{TEAM_KEYS}/{created['id']}", {"revoked": True}, "client", who))
    assert assert_json(check(t, created["value"], TEAM_KEYS))["id"] == created["id"]

    # The permission held through a custom one that contains it counts.
    t.define("key_admin", contained=["$manage_api_keys"])
    t.grant(team, member, "key_admin")
    assert assert_json(t.get(f"{TEAM_KEYS}/{created['id']}", "client", member))["id"] == created["id"]
    # Server access manages any team's keys.
    assert create_team_key(t, team, "server")["team_id"] == team["id"]


def test_server_creates_keys_for_any_user_but_not_for_missing_owners(t):
    user = t.user()
    assert create_user_key(t, user, "admin")["user_id"] == user["id"]
    r = t.post(USER_KEYS, {"user_id": str(uuid.uuid4()), "description": "x", "expires_at_millis": None})
    assert_known_error(r, 404, "USER_NOT_FOUND", "User not found.")
    missing = str(uuid.uuid4())
    r = t.post(TEAM_KEYS, {"team_id": missing, "description": "x", "expires_at_millis": None})
    assert_team_not_found(r, missing)


# --- who may manage ---------------------------------------------------------------------


def test_a_client_manages_only_its_own_user_keys(t):
    owner, other = t.user(), t.user()
    key = create_user_key(t, owner)
    forbidden = "Client can only manage their own api keys"
    assert_plain_text(t.post(USER_KEYS, {"user_id": owner["id"], "description": "x",
                                         "expires_at_millis": None}, "client", other), 403, forbidden)
    assert_plain_text(t.get(USER_KEYS, "client", other, params={"user_id": owner["id"]}), 403,
                      forbidden)
    assert_plain_text(t.get(f"{USER_KEYS}/{key['id']}", "client", other), 403, forbidden)
    assert_plain_text(t.patch(f"{USER_KEYS}/{key['id']}", {"revoked": True}, "client", other), 403,
                      forbidden)
    assert assert_json(check(t, key["value"]))["description"] == "k"  # untouched

    # No signed-in user at all.
    assert_auth_required(t.post(USER_KEYS, {"user_id": owner["id"], "description": "x",
                                            "expires_at_millis": None}, "client"))
    assert_auth_required(t.get(f"{USER_KEYS}/{key['id']}", "client"))


def test_check_is_for_server_access_only(t):
    key = create_user_key(t, t.user())
    r = t.post(f"{USER_KEYS}/check", {"api_key": key["value"]}, "client")
    assert_insufficient_access_type(r, "client", ["server", "admin"])
    assert assert_json(t.post(f"{USER_KEYS}/check", {"api_key": key["value"]}, "admin"))


# --- updating and revoking --------------------------------------------------------------


def test_revoking_keeps_the_first_time_and_check_refuses_the_key(t):
    user = t.user()
    key = create_user_key(t, user, description="old")
    updated = assert_json(t.patch(f"{USER_KEYS}/{key['id']}", {"description": "new"}, "client", user))
    assert updated["description"] == "new" and "manually_revoked_at_millis" not in updated
    first = assert_json(t.patch(f"{USER_KEYS}/{key['id']}", {"revoked": True}, "client", user))
    assert first["description"] == "new"
    t.api.advance_clock(5)
    second = assert_json(t.patch(f"{USER_KEYS}/{key['id']}", {"revoked": True}))
    assert second["manually_revoked_at_millis"] == first["manually_revoked_at_millis"]
    assert_revoked(check(t, key["value"]))
    # There is no un-revoking.
    r = t.patch(f"{USER_KEYS}/{key['id']}", {"revoked": False})
    assert_schema_error_contains(r, "PATCH", f"{USER_KEYS}/{key['id']}",
                                 ["body.revoked must be one of the following values: true"])


def test_an_expired_key_is_refused(t):
    user = t.user()
    soon = create_user_key(t, user, expires_at_millis=t.api.now_millis() + 2_000)
    past = create_user_key(t, user, expires_at_millis=t.api.now_millis() - 3_600_000)
    assert_expired(check(t, past["value"]))
    assert assert_json(check(t, soon["value"]))["id"] == soon["id"]
    t.api.advance_clock(5_000)
    assert_expired(check(t, soon["value"]))
    # Revocation is reported before expiry.
    assert_json(t.patch(f"{USER_KEYS}/{past['id']}", {"revoked": True}))
    assert_revoked(check(t, past["value"]))


# --- check ------------------------------------------------------------------------------


def test_check_refuses_unknown_malformed_and_foreign_keys(t, make_project):
    key = create_user_key(t, t.user())
    value = key["value"]
    for bad in ("sk_this_is_a_fake_api_key_123456789", "", value[:-1] + ("0" if value[-1] != "0" else "1"),
                value.replace("_", "-", 1), value + "x"):
        assert_not_found(check(t, bad))
    # A well-formed key no project has (right checksum, unknown secret).
    other = Teams(t.api, make_project())
    other.config(**FLAGS_ON)
    foreign = create_user_key(other, other.user())
    assert_not_found(check(t, foreign["value"]))
    assert assert_json(check(other, foreign["value"]))["id"] == foreign["id"]


def test_a_key_of_the_other_family_is_the_wrong_type(t):
    user = t.user()
    team = t.create_team()
    user_key, team_key = create_user_key(t, user), create_team_key(t, team)
    assert_known_error(check(t, team_key["value"], USER_KEYS), 400, "WRONG_API_KEY_TYPE",
                       "This endpoint is for user API keys, but a team API key was provided.",
                       {"expected_type": "user", "actual_type": "team"})
    assert_known_error(check(t, user_key["value"], TEAM_KEYS), 400, "WRONG_API_KEY_TYPE",
                       "This endpoint is for team API keys, but a user API key was provided.",
                       {"expected_type": "team", "actual_type": "user"})
    # By id, each family finds only its own keys.
    assert_not_found(t.get(f"{USER_KEYS}/{team_key['id']}"))
    assert_not_found(t.get(f"{TEAM_KEYS}/{user_key['id']}"))
    assert_not_found(t.patch(f"{TEAM_KEYS}/{user_key['id']}", {"revoked": True}))
    assert_not_found(t.get(f"{USER_KEYS}/{uuid.uuid4()}"))


# --- the project's switches -------------------------------------------------------------


@pytest.mark.parametrize("family,flag,text", [
    (USER_KEYS, "allow_user_api_keys", "User API keys are not enabled for this project."),
    (TEAM_KEYS, "allow_team_api_keys", "Team API keys are not enabled for this project."),
])
def test_each_family_needs_its_switch(t, family, flag, text):
    user = t.user()
    team = t.create_team()
    key = create_user_key(t, user) if family == USER_KEYS else create_team_key(t, team)
    t.config(**{flag: False})
    owner = {"user_id": user["id"]} if family == USER_KEYS else {"team_id": team["id"]}
    assert_plain_text(t.post(family, {**owner, "description": "x", "expires_at_millis": None}), 400,
                      text)
    assert_plain_text(t.get(family, params=owner), 400, text)
    assert_plain_text(t.get(f"{family}/{key['id']}"), 400, text)
    assert_plain_text(t.patch(f"{family}/{key['id']}", {"revoked": True}), 400, text)
    assert_plain_text(t.post(f"{family}/check", {"api_key": key["value"]}), 400, text)
    # The other family is unaffected.
    if family == USER_KEYS:
        assert create_team_key(t, team)["type"] == "team"
    else:
        assert create_user_key(t, user)["type"] == "user"
    t.config(**{flag: True})
    assert assert_json(t.post(f"{family}/check", {"api_key": key["value"]}))["id"] == key["id"]


# --- validation -------------------------------------------------------------------------


def test_requests_are_validated(t):
    user = t.user()
    key = create_user_key(t, user)
    r = t.get(USER_KEYS)
    assert_known_error(r, 400, "SCHEMA_ERROR", "user_id is required for user API keys",
                       {"message": "user_id is required for user API keys"})
    assert_schema_error_contains(t.get(TEAM_KEYS), "GET", TEAM_KEYS, ["query.team_id must be defined"])
    r = t.post(USER_KEYS, {"user_id": user["id"], "description": "x"})
    assert_schema_error_contains(r, "POST", USER_KEYS, ["body.expires_at_millis must be defined"])
    r = t.post(USER_KEYS, {"expires_at_millis": None, "user_id": "not-a-uuid", "description": "x"})
    assert_schema_error_contains(r, "POST", USER_KEYS, ["body.user_id must be a valid UUID"])
    path = f"{USER_KEYS}/{key['id']}"
    r = t.get(path, "client", user, params={"user_id": user["id"], "team_id": "x"})
    assert_schema_error_contains(r, "GET", path, ["query contains unknown properties: team_id"])
    r = t.patch(path, {"description": "x", "user_id": user["id"]}, "client", user)
    assert_schema_error_contains(r, "PATCH", path, ["body contains unknown properties: user_id"])
    r = t.get(f"{USER_KEYS}/not-a-uuid")
    assert_schema_error_contains(r, "GET", f"{USER_KEYS}/not-a-uuid",
                                 ["params.api_key_id must be a valid UUID"])
    assert_schema_error_contains(t.post(f"{USER_KEYS}/check", {}), "POST", f"{USER_KEYS}/check",
                                 ["body.api_key must be defined"])


# --- owners going away ------------------------------------------------------------------


def test_deleting_the_owner_ends_its_keys(t):
    user = t.user()
    team = t.create_team()
    user_key, team_key = create_user_key(t, user), create_team_key(t, team)
    assert_json(t.delete(f"{V1}/users/{user['id']}"))
    assert_not_found(check(t, user_key["value"]))
    assert_not_found(t.get(f"{USER_KEYS}/{user_key['id']}"))
    assert assert_json(check(t, team_key["value"], TEAM_KEYS))
    assert_json(t.delete(f"{V1}/teams/{team['id']}"))
    assert_not_found(check(t, team_key["value"], TEAM_KEYS))


# --- leaked keys reported by secret scanners ---------------------------------------------


@pytest.fixture
def mt(mail_api, make_mail_project) -> Teams:
    teams = Teams(mail_api, make_mail_project("Leaky <App>"))
    teams.config(**FLAGS_ON)
    return teams


def revoke(api, key: str, headers=None):
    return api.post(REVOKE, headers=headers or {}, json={"api_key": key})


def notices(sink, address: str) -> list:
    return [m for m in sink.to(address) if m.subject.startswith("API Key Revoked")]


def test_a_leaked_user_key_is_revoked_and_its_owner_told_once(mt, smtp_sink):
    owner, bystander = mt.user(primary_email=new_address()), mt.user(primary_email=new_address())
    key = create_user_key(mt, owner, description="Deploy <prod> & co")
    assert assert_json(revoke(mt.api, key["value"])) == {"success": True}
    assert_revoked(check(mt, key["value"]))

    [mail] = smtp_sink.wait_for(owner["primary_email"])
    assert mail.subject == "API Key Revoked: Deploy <prod> & co"
    assert email.utils.parseaddr(mail.from_header) == ("Stack Auth", SENDER)
    assert mail.text == (
        "---------------\nAPI Key Revoked\n---------------\n\n"
        'Your API key "Deploy <prod> & co" for Leaky <App> has been automatically revoked because '
        "it was found in a public repository.\n\nThis is an automated security measure to protect "
        "your api keys from being leaked. If you believe this was a mistake, please contact "
        "support.\n\nPlease create a new API key if needed.")
    assert "Deploy &lt;prod&gt; &amp; co" in mail.html and "Leaky &lt;App&gt;" in mail.html
    assert notices(smtp_sink, bystander["primary_email"]) == []

    # Reported again (with Stack's headers this time): nothing more happens.
    again = revoke(mt.api, key["value"], mt.api.headers("server", mt.project))
    assert assert_json(again) == {"success": True}
    assert len(notices(smtp_sink, owner["primary_email"])) == 1


def test_a_leaked_team_key_notifies_the_members_who_manage_keys(mt, smtp_sink):
    managers = [mt.user(primary_email=new_address()) for _ in range(2)]
    member = mt.user(primary_email=new_address())
    team = mt.create_team()
    for u in managers + [member]:
        mt.add_member(team, u)
    for u in managers:
        mt.grant(team, u, "$manage_api_keys")
    key = create_team_key(mt, team, description="team key")
    assert assert_json(revoke(mt.api, key["value"])) == {"success": True}
    assert_revoked(check(mt, key["value"], TEAM_KEYS))
    for u in managers:
        [mail] = smtp_sink.wait_for(u["primary_email"])
        assert mail.subject == "API Key Revoked: team key"
    assert notices(smtp_sink, member["primary_email"]) == []


def test_leak_reports_of_unknown_public_and_expired_keys(mt, smtp_sink):
    owner = mt.user(primary_email=new_address())
    assert_not_found(revoke(mt.api, "stack_test_nonexistent_" + uuid.uuid4().hex))
    public = create_user_key(mt, owner, is_public=True)
    assert_known_error(revoke(mt.api, public["value"]), 400, "PUBLIC_API_KEY_CANNOT_BE_REVOKED",
                       "Public API keys cannot be revoked by the secretscanner endpoint.")
    expired = create_user_key(mt, owner, expires_at_millis=1)
    assert_expired(revoke(mt.api, expired["value"]))
    assert assert_json(check(mt, public["value"]))["id"] == public["id"]
    assert notices(smtp_sink, owner["primary_email"]) == []
    r = mt.api.post(REVOKE, json={})
    assert_schema_error_contains(r, "POST", REVOKE, ["body.api_key must be defined"])
