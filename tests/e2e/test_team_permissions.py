"""Permission definitions and grants: spec/teams.md §6 (team definitions),
§7 (team grants, resolution, ordering), §11 (project definitions, project
grants, user_default_permissions).
"""
from __future__ import annotations

import uuid

import pytest

from auth_helpers import signed_up
from latchkey_e2e import (
    assert_insufficient_access_type,
    assert_json,
    assert_plain_text,
    assert_schema_error,
)
from team_helpers import (
    CUSTOM_ID_RULE,
    ID_RULE,
    PROJECT_DEFS,
    PROJECT_PERMS,
    SYSTEM_PERMISSIONS,
    TEAM_DEFS,
    TEAM_PERMS,
    Teams,
    assert_cannot_get_own,
    assert_contained_not_found,
    assert_forbidden,
    assert_id_exists,
    assert_not_member,
    assert_permission_not_found,
    assert_team_permission_not_found,
    assert_user_not_found,
    assert_wrong_scope,
)

LIST_OWN_PERMISSIONS = ('Client can only list permissions for their own user. user_id must be either '
                        '"me" or the ID of the current user')

FRESH_DEFINITIONS = [
    {"id": "$delete_team", "description": "Delete the team", "contained_permission_ids": []},
    {"id": "$invite_members", "description": "Invite other users to the team", "contained_permission_ids": []},
    {"id": "$manage_api_keys", "description": "Create and manage API keys for the team",
     "contained_permission_ids": []},
    {"id": "$read_members", "description": "Read and list the other members of the team",
     "contained_permission_ids": []},
    {"id": "$remove_members", "description": "Remove other members from the team", "contained_permission_ids": []},
    {"id": "$update_team", "description": "Update the team information", "contained_permission_ids": []},
    {"id": "team_admin", "description": "Default permission for team admins",
     "contained_permission_ids": SYSTEM_PERMISSIONS},
    {"id": "team_member", "description": "Default permission for team members",
     "contained_permission_ids": ["$invite_members", "$read_members"]},
]


@pytest.fixture
def t(api, project) -> Teams:
    return Teams(api, project)


def definitions(t, scope: str = "team") -> list:
    body = assert_json(t.get(TEAM_DEFS if scope == "team" else PROJECT_DEFS, "admin"))
    assert body["is_paginated"] is False and "pagination" not in body
    return body["items"]


def grants(t, path: str = TEAM_PERMS, access: str = "server", user=None, **params) -> list:
    return assert_json(t.get(path, access, user, params=params))["items"]


# --------------------------------------------------------------------------
# Team permission definitions (§6)
# --------------------------------------------------------------------------


def test_fresh_definitions(t, api, internal_project):
    assert definitions(t) == FRESH_DEFINITIONS
    # The internal project has the same two definitions.
    internal = Teams(api, internal_project)
    ids = [d["id"] for d in definitions(internal)]
    assert "team_admin" in ids and "team_member" in ids
    assert definitions(t, "project") == []


def test_definitions_are_admin_only(t):
    for access in ("client", "server"):
        assert_insufficient_access_type(t.get(TEAM_DEFS, access), access, ["admin"])
        assert_insufficient_access_type(t.post(TEAM_DEFS, {"id": "x"}, access), access, ["admin"])
        assert_insufficient_access_type(t.patch(f"{TEAM_DEFS}/x", {}, access), access, ["admin"])
        assert_insufficient_access_type(t.delete(f"{TEAM_DEFS}/x", access), access, ["admin"])
        assert_insufficient_access_type(t.get(PROJECT_DEFS, access), access, ["admin"])


def test_create_definition(t):
    assert t.define("p1") == {"id": "p1", "contained_permission_ids": []}
    p2 = t.define("p2", contained=["p1", "$read_members"], description="Parent permission")
    assert p2 == {"id": "p2", "description": "Parent permission",
                  "contained_permission_ids": ["$read_members", "p1"]}
    # An empty description is left out.
    assert t.define("p3", description="") == {"id": "p3", "contained_permission_ids": []}
    ids = [d["id"] for d in definitions(t)]
    assert ids == SYSTEM_PERMISSIONS + ["p1", "p2", "p3", "team_admin", "team_member"]

    assert_id_exists(t.post(TEAM_DEFS, {"id": "p1"}, "admin"), "p1")
    assert_id_exists(t.post(TEAM_DEFS, {"id": "team_admin"}, "admin"), "team_admin")
    r = t.post(TEAM_DEFS, {"id": "p4", "contained_permission_ids": ["nope"]}, "admin")
    assert_contained_not_found(r, "nope")
    # A project-scoped id is not a team permission; the id namespace is shared.
    t.define("proj", scope="project")
    assert_contained_not_found(t.post(TEAM_DEFS, {"id": "p4", "contained_permission_ids": ["proj"]}, "admin"),
                               "proj")
    assert_id_exists(t.post(TEAM_DEFS, {"id": "proj"}, "admin"), "proj")
    assert "p4" not in [d["id"] for d in definitions(t)]


def test_definition_id_rules(t):
    r = t.post(TEAM_DEFS, {"id": "Upper"}, "admin")
    assert_schema_error(r, "POST", TEAM_DEFS, [CUSTOM_ID_RULE])
    r = t.post(TEAM_DEFS, {"id": "$update_team"}, "admin")
    assert_schema_error(r, "POST", TEAM_DEFS, [CUSTOM_ID_RULE])
    r = t.post(TEAM_DEFS, {"id": "ok", "contained_permission_ids": ["$nope"]}, "admin")
    assert_schema_error(r, "POST", TEAM_DEFS, ["Invalid system permission"])
    r = t.post(TEAM_DEFS, {"id": "ok", "contained_permission_ids": ["a b"]}, "admin")
    assert_schema_error(r, "POST", TEAM_DEFS, [ID_RULE])
    r = t.post(TEAM_DEFS, {"id": "ok", "contained_permission_ids": "p1"}, "admin")
    assert_schema_error(r, "POST", TEAM_DEFS, [
        'body.contained_permission_ids must be a `array` type, but the final value was: `"p1"`.'])
    r = t.post(TEAM_DEFS, {}, "admin")
    assert_schema_error(r, "POST", TEAM_DEFS, ["body.id must be defined"])
    r = t.post(TEAM_DEFS, {"id": "ok", "other": 1}, "admin")
    assert_schema_error(r, "POST", TEAM_DEFS, ["body contains unknown properties: other"])
    r = t.patch(f"{TEAM_DEFS}/Bad", {}, "admin")
    assert_schema_error(r, "PATCH", f"{TEAM_DEFS}/Bad", [ID_RULE])
    r = t.delete(f"{TEAM_DEFS}/$nope", "admin")
    assert_schema_error(r, "DELETE", f"{TEAM_DEFS}/$nope", ["Invalid system permission"])
    # Ids with ":" and "_" are fine.
    assert t.define("billing:read_all")["id"] == "billing:read_all"


def test_ordering_rule(t):
    for id in ("b", "a_b", "ab", "a:b", "a1"):
        t.define(id)
    ids = [d["id"] for d in definitions(t) if not d["id"].startswith("$") and not d["id"].startswith("team_")]
    # Upper-cased code units: digits and ":" before letters, "_" after them.
    assert ids == ["a1", "a:b", "ab", "a_b", "b"]
    assert t.define("multi", contained=["b", "a_b", "ab", "$update_team"])["contained_permission_ids"] == [
        "$update_team", "ab", "a_b", "b"]


def test_update_definition(t, api):
    t.define("p1", description="one")
    t.define("p2", contained=["p1"])
    body = assert_json(t.patch(f"{TEAM_DEFS}/p1", {"description": "first"}, "admin"))
    assert body == {"id": "p1", "description": "first", "contained_permission_ids": []}
    body = assert_json(t.patch(f"{TEAM_DEFS}/p1", {"contained_permission_ids": ["$delete_team"]}, "admin"))
    # Omitted fields keep their values.
    assert body == {"id": "p1", "description": "first", "contained_permission_ids": ["$delete_team"]}
    body = assert_json(t.patch(f"{TEAM_DEFS}/p1", {"description": ""}, "admin"))
    assert body == {"id": "p1", "contained_permission_ids": ["$delete_team"]}

    # A rename reaches every definition and every grant.
    alice = t.user()
    team = t.team_with_creator(alice)
    t.grant(team, alice, "p1")
    body = assert_json(t.patch(f"{TEAM_DEFS}/p1", {"id": "renamed"}, "admin"))
    assert body["id"] == "renamed"
    by_id = {d["id"]: d for d in definitions(t)}
    assert "p1" not in by_id and by_id["p2"]["contained_permission_ids"] == ["renamed"]
    assert t.permissions(team, alice) == ["renamed", "team_admin"]

    assert_id_exists(t.patch(f"{TEAM_DEFS}/renamed", {"id": "p2"}, "admin"), "p2")
    assert_permission_not_found(t.patch(f"{TEAM_DEFS}/nope", {"description": "x"}, "admin"), "nope")
    assert_permission_not_found(t.patch(f"{TEAM_DEFS}/$update_team", {"description": "x"}, "admin"),
                                "$update_team")
    assert_contained_not_found(t.patch(f"{TEAM_DEFS}/p2", {"contained_permission_ids": ["zzz"]}, "admin"), "zzz")
    r = t.patch(f"{TEAM_DEFS}/p2", {"id": "Bad"}, "admin")
    assert_schema_error(r, "PATCH", f"{TEAM_DEFS}/p2", [CUSTOM_ID_RULE])
    # A project definition is not reachable through the team routes.
    t.define("proj", scope="project")
    assert_permission_not_found(t.patch(f"{TEAM_DEFS}/proj", {"description": "x"}, "admin"), "proj")
    assert definitions(t, "project") == [{"id": "proj", "contained_permission_ids": []}]


def test_cycles_are_rejected(t):
    t.define("child")
    t.define("parent", contained=["child"])
    t.define("grandparent", contained=["parent"])
    cycle = ('Permission "{}" would contain itself through its contained permissions. '
             'Permission cycles are not allowed.')
    r = t.patch(f"{TEAM_DEFS}/child", {"contained_permission_ids": ["grandparent"]}, "admin")
    assert_plain_text(r, 400, cycle.format("child"))
    r = t.patch(f"{TEAM_DEFS}/child", {"contained_permission_ids": ["child"]}, "admin")
    assert_plain_text(r, 400, cycle.format("child"))
    # Renaming while pointing at oneself is the same cycle under the new id.
    r = t.patch(f"{TEAM_DEFS}/child", {"id": "kid", "contained_permission_ids": ["child"]}, "admin")
    assert_plain_text(r, 400, cycle.format("kid"))
    # Nothing was written.
    by_id = {d["id"]: d for d in definitions(t)}
    assert by_id["child"]["contained_permission_ids"] == []
    # A diamond is not a cycle.
    t.define("other", contained=["child"])
    body = assert_json(t.patch(f"{TEAM_DEFS}/grandparent", {"contained_permission_ids": ["parent", "other"]},
                               "admin"))
    assert body["contained_permission_ids"] == ["other", "parent"]


def test_delete_definition(t):
    t.define("p1")
    t.define("p3", contained=["p1", "$update_team"])
    alice = t.user()
    team = t.team_with_creator(alice)
    t.grant(team, alice, "p1")
    assert assert_json(t.delete(f"{TEAM_DEFS}/p1", "admin")) == {"success": True}
    by_id = {d["id"]: d for d in definitions(t)}
    assert "p1" not in by_id and by_id["p3"]["contained_permission_ids"] == ["$update_team"]
    assert t.permissions(team, alice) == ["team_admin"]
    assert_permission_not_found(t.delete(f"{TEAM_DEFS}/p1", "admin"), "p1")
    assert_permission_not_found(t.delete(f"{TEAM_DEFS}/$update_team", "admin"), "$update_team")
    t.define("proj", scope="project")
    assert_permission_not_found(t.delete(f"{TEAM_DEFS}/proj", "admin"), "proj")
    assert_permission_not_found(t.delete(f"{PROJECT_DEFS}/p3", "admin"), "p3")
    assert_json(t.delete(f"{PROJECT_DEFS}/proj", "admin"))
    assert definitions(t, "project") == []


# --------------------------------------------------------------------------
# Team permission grants (§7)
# --------------------------------------------------------------------------


def test_grants_and_recursion(t):
    t.define("child", contained=["$read_members"])
    t.define("parent", contained=["child"])
    alice = t.user()
    team = t.team_with_creator(alice)
    assert grants(t, team_id=team["id"]) == [{"id": "team_admin", "team_id": team["id"], "user_id": alice["id"]}]
    path = f"{TEAM_PERMS}/{team['id']}/{alice['id']}/parent"
    created = assert_json(t.post(path, {}), 201)
    assert created == {"id": "parent", "team_id": team["id"], "user_id": alice["id"]}
    assert list(created) == ["id", "team_id", "user_id"]
    assert_json(t.post(path, {}), 201)  # already held: no-op success
    assert t.permissions(team, alice) == ["parent", "team_admin"]
    assert t.permissions(team, alice, recursive=True) == SYSTEM_PERMISSIONS + ["child", "parent", "team_admin"]
    # permission_id filters after resolution.
    assert grants(t, team_id=team["id"], user_id=alice["id"], permission_id="child", recursive="true") == [
        {"id": "child", "team_id": team["id"], "user_id": alice["id"]}]
    assert grants(t, team_id=team["id"], permission_id="child") == []
    # A permission held only through another cannot be revoked directly.
    r = t.delete(f"{TEAM_PERMS}/{team['id']}/{alice['id']}/child")
    assert_team_permission_not_found(r, team["id"], alice["id"], "child")
    assert assert_json(t.delete(path)) == {"success": True}
    assert_team_permission_not_found(t.delete(path), team["id"], alice["id"], "parent")
    assert t.permissions(team, alice) == ["team_admin"]


def test_grant_listing_order_and_filters(t):
    alice, bob = t.user(), t.user()
    one = t.team_with_creator(alice)
    two = t.team_with_creator(bob)
    t.add_member(one, bob)
    items = grants(t)
    keys = [(g["team_id"], g["user_id"], g["id"]) for g in items]
    assert keys == sorted(keys, key=lambda k: (k[0].upper(), k[1].upper(), k[2].upper()))
    assert {(g["team_id"], g["user_id"], g["id"]) for g in items} == {
        (one["id"], alice["id"], "team_admin"), (one["id"], bob["id"], "team_member"),
        (two["id"], bob["id"], "team_admin")}
    assert {g["team_id"] for g in grants(t, user_id=bob["id"])} == {one["id"], two["id"]}
    r = t.get(TEAM_PERMS, params={"recursive": "yes"})
    assert_schema_error(r, "GET", TEAM_PERMS, ["query.recursive must be one of the following values: true, false"])
    r = t.get(TEAM_PERMS, params={"permission_id": "$nope"})
    assert_schema_error(r, "GET", TEAM_PERMS, ["Invalid system permission"])
    r = t.get(TEAM_PERMS, params={"team_id": "x"})
    assert_schema_error(r, "GET", TEAM_PERMS, ["query.team_id must be a valid UUID"])


def test_grant_listing_as_client(t):
    alice, bob = t.user(), t.user()
    team = t.team_with_creator(alice)
    mine = grants(t, TEAM_PERMS, "client", alice, user_id="me")
    assert mine == [{"id": "team_admin", "team_id": team["id"], "user_id": alice["id"]}]
    assert grants(t, TEAM_PERMS, "client", alice, user_id=alice["id"], team_id=team["id"]) == mine
    # No membership needed to ask about a team.
    assert grants(t, TEAM_PERMS, "client", bob, user_id="me", team_id=team["id"]) == []
    assert_forbidden(t.get(TEAM_PERMS, "client", alice), LIST_OWN_PERMISSIONS)
    assert_forbidden(t.get(TEAM_PERMS, "client", alice, params={"user_id": bob["id"]}), LIST_OWN_PERMISSIONS)
    assert_cannot_get_own(t.get(TEAM_PERMS, "client", params={"user_id": alice["id"]}))


def test_grant_errors(t):
    t.define("proj", scope="project")
    alice, bob = t.user(), t.user()
    team = t.team_with_creator(alice)
    base = f"{TEAM_PERMS}/{team['id']}"
    assert_permission_not_found(t.post(f"{base}/{alice['id']}/does_not_exist", {}), "does_not_exist")
    assert_wrong_scope(t.post(f"{base}/{alice['id']}/proj", {}), "proj", "team", "project")
    assert_not_member(t.post(f"{base}/{bob['id']}/$update_team", {}), team["id"], bob["id"])
    assert_user_not_found(t.post(f"{base}/{uuid.uuid4()}/$update_team", {}))
    missing = str(uuid.uuid4())
    assert_not_member(t.post(f"{TEAM_PERMS}/{missing}/{alice['id']}/$update_team", {}), missing, alice["id"])
    assert_not_member(t.delete(f"{base}/{bob['id']}/$update_team"), team["id"], bob["id"])
    path = f"{base}/{alice['id']}/$update_team"
    assert_insufficient_access_type(t.post(path, {}, "client", alice), "client", ["server", "admin"])
    assert_insufficient_access_type(t.delete(path, "client", alice), "client", ["server", "admin"])
    assert_schema_error(t.post(path), "POST", path, ["body must be defined"])
    r = t.post(f"{base}/{alice['id']}/$nope", {})
    assert_schema_error(r, "POST", f"{base}/{alice['id']}/$nope", ["Invalid system permission"])
    # No GET on a single grant, no two-segment route.
    r = t.get(path)
    assert r.status_code == 405 and r.text == ""
    r = t.get(f"{base}/{alice['id']}")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
    # `me` with a token.
    assert_json(t.post(f"{base}/me/$delete_team", {}, user=alice), 201)
    assert "$delete_team" in t.permissions(team, alice)


# --------------------------------------------------------------------------
# Project permissions (§11)
# --------------------------------------------------------------------------


def test_project_definitions(t):
    assert t.define("p1", scope="project") == {"id": "p1", "contained_permission_ids": []}
    t.define("p2", scope="project", contained=["p1"], description="two")
    assert definitions(t, "project") == [
        {"id": "p1", "contained_permission_ids": []},
        {"id": "p2", "description": "two", "contained_permission_ids": ["p1"]}]
    assert_id_exists(t.post(PROJECT_DEFS, {"id": "p1"}, "admin"), "p1")
    assert_id_exists(t.post(PROJECT_DEFS, {"id": "team_admin"}, "admin"), "team_admin")
    assert_contained_not_found(t.post(PROJECT_DEFS, {"id": "p3", "contained_permission_ids": ["team_admin"]},
                                      "admin"), "team_admin")
    assert_contained_not_found(t.post(PROJECT_DEFS, {"id": "p3", "contained_permission_ids": ["$update_team"]},
                                      "admin"), "$update_team")
    body = assert_json(t.patch(f"{PROJECT_DEFS}/p1", {"id": "p1_renamed"}, "admin"))
    assert body == {"id": "p1_renamed", "contained_permission_ids": []}
    by_id = {d["id"]: d for d in definitions(t, "project")}
    assert by_id["p2"]["contained_permission_ids"] == ["p1_renamed"]
    assert_permission_not_found(t.patch(f"{PROJECT_DEFS}/team_admin", {}, "admin"), "team_admin")
    r = t.patch(f"{PROJECT_DEFS}/p1_renamed", {"contained_permission_ids": ["p2"]}, "admin")
    assert_plain_text(r, 400, 'Permission "p1_renamed" would contain itself through its contained permissions. '
                              'Permission cycles are not allowed.')


def test_project_grants(t):
    t.define("child", scope="project")
    t.define("parent", scope="project", contained=["child"])
    alice, bob = t.user(), t.user()
    path = f"{PROJECT_PERMS}/{alice['id']}/parent"
    body = assert_json(t.post(path, {}), 201)
    assert body == {"id": "parent", "user_id": alice["id"]}
    assert_json(t.post(path, {}), 201)
    assert grants(t, PROJECT_PERMS) == [{"id": "parent", "user_id": alice["id"]}]
    assert grants(t, PROJECT_PERMS, user_id=alice["id"], recursive="true") == [
        {"id": "child", "user_id": alice["id"]}, {"id": "parent", "user_id": alice["id"]}]
    assert grants(t, PROJECT_PERMS, "client", alice, user_id="me") == [{"id": "parent", "user_id": alice["id"]}]
    assert_forbidden(t.get(PROJECT_PERMS, "client", alice), LIST_OWN_PERMISSIONS)
    assert_forbidden(t.get(PROJECT_PERMS, "client", alice, params={"user_id": bob["id"]}), LIST_OWN_PERMISSIONS)
    assert_cannot_get_own(t.get(PROJECT_PERMS, "client"))

    assert_permission_not_found(t.post(f"{PROJECT_PERMS}/{alice['id']}/does_not_exist", {}), "does_not_exist")
    assert_wrong_scope(t.post(f"{PROJECT_PERMS}/{alice['id']}/team_admin", {}), "team_admin", "project", "team")
    assert_wrong_scope(t.post(f"{PROJECT_PERMS}/{alice['id']}/$update_team", {}), "$update_team", "project",
                       "team")
    assert_user_not_found(t.post(f"{PROJECT_PERMS}/{uuid.uuid4()}/parent", {}))
    assert_insufficient_access_type(t.post(path, {}, "client", alice), "client", ["server", "admin"])
    # Revoke: only direct grants, 404 otherwise.
    assert_permission_not_found(t.delete(f"{PROJECT_PERMS}/{alice['id']}/child"), "child")
    assert_user_not_found(t.delete(f"{PROJECT_PERMS}/{uuid.uuid4()}/parent"))
    assert assert_json(t.delete(path)) == {"success": True}
    assert grants(t, PROJECT_PERMS) == []


def test_user_default_permissions(t, api):
    t.define("test", scope="project")
    t.config(user_default_permissions=[{"id": "test"}])
    user = t.user()
    assert grants(t, PROJECT_PERMS, user_id=user["id"]) == [{"id": "test", "user_id": user["id"]}]
    body = signed_up(api, t.project)
    assert grants(t, PROJECT_PERMS, user_id=body["user_id"]) == [{"id": "test", "user_id": body["user_id"]}]
    # A default that no longer exists makes user creation fail, and nothing is created.
    assert_json(t.delete(f"{PROJECT_DEFS}/test", "admin"))
    before = assert_json(t.get("/api/v1/users"))["items"]
    assert_permission_not_found(t.post("/api/v1/users", {}), "test")
    assert assert_json(t.get("/api/v1/users"))["items"] == before
    t.config(user_default_permissions=[])
    assert grants(t, PROJECT_PERMS, user_id=t.user()["id"]) == []
