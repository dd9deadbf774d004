"""Header authentication on every team, permission and invitation endpoint
(overview.md §3): missing or invalid access types, missing and wrong keys,
keys of another project, garbage and expired access tokens — all rejected
before any team logic runs.
"""
from __future__ import annotations

import uuid

import pytest

from auth_helpers import check_header_auth_matrix
from latchkey_e2e import assert_insufficient_access_type
from team_helpers import (
    INVITATIONS,
    MEMBERSHIPS,
    PROFILES,
    PROJECT_DEFS,
    PROJECT_PERMS,
    TEAM_DEFS,
    TEAM_PERMS,
    TEAMS,
    Teams,
)

CODE = "a" * 45


def endpoints(team_id: str, user_id: str) -> list:
    tu = f"{team_id}/{user_id}"
    return [
        ("GET", TEAMS, None), ("POST", TEAMS, {"display_name": "x"}),
        ("GET", f"{TEAMS}/{team_id}", None), ("PATCH", f"{TEAMS}/{team_id}", {"display_name": "x"}),
        ("DELETE", f"{TEAMS}/{team_id}", None),
        ("POST", f"{MEMBERSHIPS}/{tu}", {}), ("DELETE", f"{MEMBERSHIPS}/{tu}", None),
        ("GET", PROFILES, None), ("GET", f"{PROFILES}/{tu}", None),
        ("PATCH", f"{PROFILES}/{tu}", {"display_name": "x"}),
        ("GET", TEAM_DEFS, None), ("POST", TEAM_DEFS, {"id": "x"}),
        ("PATCH", f"{TEAM_DEFS}/x", {}), ("DELETE", f"{TEAM_DEFS}/x", None),
        ("GET", PROJECT_DEFS, None), ("POST", PROJECT_DEFS, {"id": "x"}),
        ("PATCH", f"{PROJECT_DEFS}/x", {}), ("DELETE", f"{PROJECT_DEFS}/x", None),
        ("GET", TEAM_PERMS, None), ("POST", f"{TEAM_PERMS}/{tu}/$update_team", {}),
        ("DELETE", f"{TEAM_PERMS}/{tu}/$update_team", None),
        ("GET", PROJECT_PERMS, None), ("POST", f"{PROJECT_PERMS}/{user_id}/x", {}),
        ("DELETE", f"{PROJECT_PERMS}/{user_id}/x", None),
        ("POST", f"{INVITATIONS}/send-code",
         {"team_id": team_id, "email": "a@b.c", "callback_url": "http://localhost/x"}),
        ("POST", f"{INVITATIONS}/accept", {"code": CODE}),
        ("POST", f"{INVITATIONS}/accept/details", {"code": CODE}),
        ("POST", f"{INVITATIONS}/accept/check-code", {"code": CODE}),
        ("GET", f"{INVITATIONS}?team_id={team_id}", None),
        ("DELETE", f"{INVITATIONS}/{uuid.uuid4()}?team_id={team_id}", None),
    ]


def test_header_auth_on_every_endpoint(api, project):
    t = Teams(api, project)
    alice = t.user()
    team = t.team_with_creator(alice)
    for method, path, body in endpoints(team["id"], alice["id"]):
        def call(headers, method=method, path=path, body=body):
            if body is None:
                return api.request(method, path, headers=headers)
            return api.request(method, path, headers=headers, json=body)

        check_header_auth_matrix(api, project, call, token_user=alice["id"])
    # Nothing above got through.
    assert t.member_ids(team) == [alice["id"]]
    assert t.permissions(team, alice) == ["team_admin"]


@pytest.mark.parametrize("method,path", [
    ("POST", MEMBERSHIPS + "/{t}/{u}"), ("POST", TEAM_PERMS + "/{t}/{u}/$update_team"),
    ("DELETE", TEAM_PERMS + "/{t}/{u}/$update_team"), ("POST", PROJECT_PERMS + "/{u}/x"),
    ("DELETE", PROJECT_PERMS + "/{u}/x"),
])
def test_server_only_endpoints_refuse_clients(api, project, method, path):
    t = Teams(api, project)
    alice = t.user()
    team = t.team_with_creator(alice)
    url = path.format(t=team["id"], u=alice["id"])
    r = api.request(method, url, headers=t.h("client", alice), json={})
    assert_insufficient_access_type(r, "client", ["server", "admin"])
