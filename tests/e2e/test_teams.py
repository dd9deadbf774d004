"""Teams, memberships, member profiles and the selected team: spec/teams.md
§2–§5, §9, §3.6, users.md (selected team, GET /users?team_id=).
"""
from __future__ import annotations

import uuid

import pytest

from auth_helpers import check_header_auth_matrix, signed_up
from latchkey_e2e import (
    assert_insufficient_access_type,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_schema_error,
    assert_schema_error_contains,
)
from team_helpers import (
    GIF,
    INVITATIONS,
    ME,
    MEMBERSHIPS,
    PROFILES,
    PROJECT_PERMS,
    TEAM_CLIENT_KEYS,
    TEAM_DEFS,
    TEAM_PERMS,
    TEAM_SERVER_KEYS,
    TEAMS,
    USERS,
    Teams,
    assert_auth_required,
    assert_cannot_get_own,
    assert_forbidden,
    assert_not_member,
    assert_permission_not_found,
    assert_permission_required,
    assert_team_not_found,
    assert_user_not_found,
    email,
)

LIST_OWN_ONLY = ('Client can only list teams for their own user. user_id must be either "me" or '
                 'the ID of the current user')


@pytest.fixture
def t(api, project) -> Teams:
    return Teams(api, project)


def team_ids(r) -> list:
    return [x["id"] for x in assert_json(r)["items"]]


# --------------------------------------------------------------------------
# /teams
# --------------------------------------------------------------------------


def test_team_crud_as_server(t):
    team = t.create_team(display_name="New Team", client_metadata={"a": 1},
                         client_read_only_metadata=[1], server_metadata="s")
    assert list(team) == TEAM_SERVER_KEYS
    assert uuid.UUID(team["id"]).version == 4
    assert team["display_name"] == "New Team" and team["profile_image_url"] is None
    assert (team["client_metadata"], team["client_read_only_metadata"], team["server_metadata"]) == (
        {"a": 1}, [1], "s")
    assert assert_json(t.get(f"{TEAMS}/{team['id']}")) == team
    # No creator: a team without members.
    assert t.member_ids(team) == []

    r = t.patch(f"{TEAMS}/{team['id']}", {"display_name": "", "profile_image_url": "https://x.test/a.png",
                                          "server_metadata": None})
    patched = assert_json(r)
    assert patched["display_name"] == ""  # kept, unlike users
    assert patched["profile_image_url"] == "https://x.test/a.png"
    assert patched["server_metadata"] is None and patched["client_metadata"] == {"a": 1}
    assert patched["created_at_millis"] == team["created_at_millis"]

    other = t.create_team()
    assert team_ids(t.get(TEAMS)) == [team["id"], other["id"]]  # creation order
    body = assert_json(t.get(TEAMS))
    assert body["is_paginated"] is False and "pagination" not in body

    assert assert_json(t.delete(f"{TEAMS}/{team['id']}", json={"ignored": True})) == {"success": True}
    assert_team_not_found(t.get(f"{TEAMS}/{team['id']}"), team["id"])
    assert_team_not_found(t.delete(f"{TEAMS}/{team['id']}"), team["id"])
    assert_team_not_found(t.patch(f"{TEAMS}/{team['id']}", {"display_name": "x"}), team["id"])
    assert team_ids(t.get(TEAMS)) == [other["id"]]


def test_team_schema_errors(t):
    assert_schema_error(t.post(TEAMS, {}), "POST", TEAMS, ["body.display_name must be defined"])
    r = t.post(TEAMS, {"display_name": 5, "nope": 1})
    assert_schema_error_contains(r, "POST", TEAMS, ["body contains unknown properties: nope"])
    r = t.post(TEAMS, {"display_name": "x", "profile_image_url": "not a url"})
    assert_schema_error_contains(r, "POST", TEAMS, ["body.profile_image_url is not a valid URL"])
    r = t.post(TEAMS, {"display_name": "x", "creator_user_id": "nope"})
    assert_schema_error(r, "POST", TEAMS, ["body.creator_user_id must be a valid UUID"])
    r = t.post(TEAMS, {"display_name": "x", "creator_user_id": {}})
    assert_schema_error(r, "POST", TEAMS,
                        ["body.creator_user_id must be a `string` type, but the final value was: `{}`."])
    r = t.post(TEAMS, {"display_name": None})
    assert_schema_error(r, "POST", TEAMS, ["body.display_name cannot be null"])
    r = t.post(TEAMS, {"display_name": "x"}, params={"add_current_user": "yes"})
    assert_schema_error(r, "POST", TEAMS,
                        ["query.add_current_user must be one of the following values: true, false"])
    r = t.get(f"{TEAMS}/not-a-uuid")
    assert_schema_error(r, "GET", f"{TEAMS}/not-a-uuid", ["params.team_id must be a valid UUID"])
    r = t.get(TEAMS, params={"user_id": "x"})
    assert_schema_error(r, "GET", TEAMS, ["query.user_id must be a valid UUID"])
    r = t.get(TEAMS, params={"other": "x"})
    assert_schema_error(r, "GET", TEAMS, ["query contains unknown properties: other"])
    r = t.post(TEAMS, ["not", "an", "object"])
    assert_schema_error_contains(r, "POST", TEAMS)
    r = t.post(TEAMS, {"display_name": "x", "profile_image_url": "https://x.test/" + "a" * 1000000})
    assert_schema_error_contains(r, "POST", TEAMS, ["body.profile_image_url must be at most 1000000 characters"])


def test_team_header_auth(api, t):
    check_header_auth_matrix(api, t.project, lambda h: api.get(TEAMS, headers=h))
    check_header_auth_matrix(api, t.project, lambda h: api.post(TEAMS, headers=h, json={"display_name": "x"}))


def test_create_team_as_client(t):
    alice = t.user(display_name="Alice")
    # Off by default: 403 even with a user.
    r = t.post(TEAMS, {"display_name": "x"}, "client", alice)
    assert_forbidden(r, "Client team creation is disabled for this project")
    t.config(client_team_creation_enabled=True)
    assert_auth_required(t.post(TEAMS, {"display_name": "x"}, "client"))
    assert_cannot_get_own(t.post(TEAMS, {"display_name": "x", "creator_user_id": "me"}, "client"))
    r = t.post(TEAMS, {"display_name": "x", "creator_user_id": t.user()["id"]}, "client", alice)
    assert_forbidden(r, "You cannot create a team as a user that is not yourself. Make sure you set "
                        "the creator_user_id to 'me'.")
    r = t.post(TEAMS, {"display_name": "x", "profile_image_url": "https://x.test/a.png"}, "client", alice)
    assert_plain_text(r, 400, "Invalid profile image URL")
    r = t.post(TEAMS, {"display_name": "x", "server_metadata": 1}, "client", alice)
    assert_schema_error(r, "POST", TEAMS, ["body contains unknown properties: server_metadata"])

    team = t.create_team("client", alice, display_name="Client Team", profile_image_url=GIF)
    assert list(team) == TEAM_CLIENT_KEYS
    assert team["profile_image_url"] == GIF
    mine = t.create_team("client", alice, creator_user_id="me")
    # The caller is the creator and holds team_admin; the team is not selected.
    assert t.member_ids(team) == [alice["id"]]
    assert t.permissions(team, alice) == ["team_admin"]
    assert t.get_user(alice["id"])["selected_team_id"] is None
    assert team_ids(t.get(TEAMS, "client", alice, params={"user_id": "me"})) == [team["id"], mine["id"]]


def test_create_team_creator_rules(t):
    alice = t.user()
    r = t.post(TEAMS, {"display_name": "x", "creator_user_id": alice["id"]},
               params={"add_current_user": "false"})
    assert_plain_text(r, 400, "Cannot use both creator_user_id and add_current_user. add_current_user "
                              "is deprecated, please only use creator_user_id in the body.")
    r = t.post(TEAMS, {"display_name": "x"}, params={"add_current_user": "true"})
    assert_plain_text(r, 401, "You must be logged in to create a team with the current user as a member.")
    team = assert_json(t.post(TEAMS, {"display_name": "x"}, user=alice, params={"add_current_user": "true"}), 201)
    assert t.member_ids(team) == [alice["id"]]
    assert t.permissions(team, alice) == ["team_admin"]
    # A server request with a user token but no creator: no members.
    team = t.create_team(user=alice)
    assert t.member_ids(team) == []
    team = assert_json(t.post(TEAMS, {"display_name": "x"}, user=alice, params={"add_current_user": "false"}), 201)
    assert t.member_ids(team) == []
    # creator_user_id "me" with the server key and a token.
    team = t.create_team(user=alice, creator_user_id="me")
    assert t.member_ids(team) == [alice["id"]]
    # An unknown creator: 404 and nothing created.
    before = team_ids(t.get(TEAMS))
    assert_user_not_found(t.post(TEAMS, {"display_name": "x", "creator_user_id": str(uuid.uuid4())}))
    assert team_ids(t.get(TEAMS)) == before


def test_list_teams(t):
    alice, bob = t.user(), t.user()
    a1 = t.team_with_creator(alice)
    shared = t.team_with_creator(bob)
    t.add_member(shared, alice)
    b_only = t.team_with_creator(bob)
    assert team_ids(t.get(TEAMS, "client", alice, params={"user_id": "me"})) == [a1["id"], shared["id"]]
    assert team_ids(t.get(TEAMS, "client", alice, params={"user_id": alice["id"]})) == [a1["id"], shared["id"]]
    items = assert_json(t.get(TEAMS, "client", alice, params={"user_id": "me"}))["items"]
    assert all(list(x) == TEAM_CLIENT_KEYS for x in items)
    assert_forbidden(t.get(TEAMS, "client", alice), LIST_OWN_ONLY)
    assert_forbidden(t.get(TEAMS, "client", alice, params={"user_id": bob["id"]}), LIST_OWN_ONLY)
    assert_cannot_get_own(t.get(TEAMS, "client"))
    assert_cannot_get_own(t.get(TEAMS, "client", params={"user_id": alice["id"]}))
    assert_cannot_get_own(t.get(TEAMS, "server", params={"user_id": "me"}))
    assert team_ids(t.get(TEAMS, params={"user_id": bob["id"]})) == [shared["id"], b_only["id"]]
    assert team_ids(t.get(TEAMS, "admin", params={"user_id": str(uuid.uuid4())})) == []
    assert team_ids(t.get(TEAMS)) == [a1["id"], shared["id"], b_only["id"]]


def test_get_team_as_client(t):
    alice, bob = t.user(), t.user()
    team = t.team_with_creator(alice)
    assert list(assert_json(t.get(f"{TEAMS}/{team['id']}", "client", alice))) == TEAM_CLIENT_KEYS
    assert_auth_required(t.get(f"{TEAMS}/{team['id']}", "client"))
    assert_not_member(t.get(f"{TEAMS}/{team['id']}", "client", bob), team["id"], bob["id"])
    missing = str(uuid.uuid4())
    assert_not_member(t.get(f"{TEAMS}/{missing}", "client", bob), missing, bob["id"])
    assert_team_not_found(t.get(f"{TEAMS}/{missing}", "admin"), missing)
    # Upper-case ids name the same team.
    assert assert_json(t.get(f"{TEAMS}/{team['id'].upper()}"))["id"] == team["id"]


def test_patch_team_as_client(t):
    alice, bob, carol = t.user(), t.user(), t.user()
    team = t.team_with_creator(alice)
    t.add_member(team, bob)
    path = f"{TEAMS}/{team['id']}"
    r = t.patch(path, {"display_name": "Renamed", "client_metadata": {"x": 1}}, "client", alice)
    body = assert_json(r)
    assert list(body) == TEAM_CLIENT_KEYS and body["display_name"] == "Renamed"
    # team_member holds no $update_team.
    assert_permission_required(t.patch(path, {"display_name": "y"}, "client", bob), team["id"], bob["id"],
                               "$update_team")
    assert_not_member(t.patch(path, {"display_name": "y"}, "client", carol), team["id"], carol["id"])
    assert_auth_required(t.patch(path, {"display_name": "y"}, "client"))
    # The image check comes first, even for a non-member.
    assert_plain_text(t.patch(path, {"profile_image_url": "https://x.test/a.png"}, "client", carol), 400,
                      "Invalid profile image URL")
    r = t.patch(path, {"client_read_only_metadata": 1}, "client", alice)
    assert_schema_error(r, "PATCH", path, ["body contains unknown properties: client_read_only_metadata"])
    r = t.patch(path, {"creator_user_id": alice["id"]})
    assert_schema_error(r, "PATCH", path, ["body contains unknown properties: creator_user_id"])
    # Granted directly, $update_team suffices.
    t.grant(team, bob, "$update_team")
    assert assert_json(t.patch(path, {"display_name": "By Bob"}, "client", bob))["display_name"] == "By Bob"
    missing = str(uuid.uuid4())
    assert_not_member(t.patch(f"{TEAMS}/{missing}", {"display_name": "y"}, "client", alice), missing, alice["id"])


def test_delete_team_as_client(t):
    alice, bob = t.user(), t.user()
    team = t.team_with_creator(alice)
    t.add_member(team, bob)
    path = f"{TEAMS}/{team['id']}"
    assert_auth_required(t.delete(path, "client"))
    assert_permission_required(t.delete(path, "client", bob), team["id"], bob["id"], "$delete_team")
    assert assert_json(t.delete(path, "client", alice)) == {"success": True}
    assert_not_member(t.delete(path, "client", alice), team["id"], alice["id"])


def test_delete_team_cleans_up(t):
    alice, bob = t.user(), t.user()
    team = t.team_with_creator(alice)
    keep = t.team_with_creator(alice)
    t.add_member(team, bob)
    t.grant(team, bob, "$update_team")
    assert_json(t.patch(ME, {"selected_team_id": team["id"]}, "client", bob))
    r = t.post(f"{INVITATIONS}/send-code", {"team_id": team["id"], "email": email(),
                                             "callback_url": "http://localhost:3000/join"})
    assert_json(r)
    assert len(assert_json(t.get(INVITATIONS, params={"team_id": team["id"]}))["items"]) == 1

    assert_json(t.delete(f"{TEAMS}/{team['id']}"))
    user = t.get_user(bob["id"])
    assert user["selected_team_id"] is None and user["selected_team"] is None
    assert assert_json(t.get(TEAM_PERMS, params={"team_id": team["id"]}))["items"] == []
    assert assert_json(t.get(PROFILES, params={"user_id": bob["id"]}))["items"] == []
    assert team_ids(t.get(TEAMS, params={"user_id": alice["id"]})) == [keep["id"]]
    assert_team_not_found(t.get(INVITATIONS, params={"team_id": team["id"]}), team["id"])
    # The other team is untouched.
    assert t.permissions(keep, alice) == ["team_admin"]


# --------------------------------------------------------------------------
# /team-memberships
# --------------------------------------------------------------------------


def test_add_membership(t):
    alice, bob = t.user(), t.user()
    team = t.team_with_creator(alice)
    t.add_member(team, bob)
    assert t.member_ids(team) == [alice["id"], bob["id"]]
    assert t.permissions(team, bob) == ["team_member"]
    assert t.permissions(team, bob, recursive=True) == ["$invite_members", "$read_members", "team_member"]
    path = f"{MEMBERSHIPS}/{team['id']}/{bob['id']}"
    assert_known_error(t.post(path, {}), 409, "TEAM_MEMBERSHIP_ALREADY_EXISTS", "Team membership already exists.")
    assert_user_not_found(t.post(f"{MEMBERSHIPS}/{team['id']}/{uuid.uuid4()}", {}))
    missing = str(uuid.uuid4())
    assert_team_not_found(t.post(f"{MEMBERSHIPS}/{missing}/{bob['id']}", {}), missing)
    # User before team.
    assert_user_not_found(t.post(f"{MEMBERSHIPS}/{missing}/{uuid.uuid4()}", {}))
    carol = t.user()
    path = f"{MEMBERSHIPS}/{team['id']}/{carol['id']}"
    assert_schema_error(t.post(path), "POST", path, ["body must be defined"])
    assert_schema_error(t.post(path, {"a": 1}), "POST", path, ["body contains unknown properties: a"])
    assert_insufficient_access_type(t.post(path, {}, "client", alice), "client", ["server", "admin"])
    bad = f"{MEMBERSHIPS}/x/{carol['id']}"
    assert_schema_error(t.post(bad, {}), "POST", bad, ["params.team_id must be a valid UUID"])
    # `me` with the server key and a token.
    assert_json(t.post(f"{MEMBERSHIPS}/{team['id']}/me", {}, user=carol), 201)
    assert_cannot_get_own(t.post(f"{MEMBERSHIPS}/{team['id']}/me", {}))


def test_remove_membership(t):
    alice, bob, carol = t.user(), t.user(), t.user()
    team = t.team_with_creator(alice)
    t.add_member(team, bob)
    t.add_member(team, carol)
    # A plain member cannot remove others...
    r = t.delete(f"{MEMBERSHIPS}/{team['id']}/{carol['id']}", "client", bob)
    assert_permission_required(r, team["id"], bob["id"], "$remove_members")
    # ... but can leave.
    assert assert_json(t.delete(f"{MEMBERSHIPS}/{team['id']}/me", "client", bob)) == {"success": True}
    assert_not_member(t.delete(f"{MEMBERSHIPS}/{team['id']}/{bob['id']}", "client", bob), team["id"], bob["id"])
    # The creator (team_admin ⊇ $remove_members) removes carol.
    assert_json(t.delete(f"{MEMBERSHIPS}/{team['id']}/{carol['id']}", "client", alice))
    assert t.member_ids(team) == [alice["id"]]
    assert t.permissions(team, carol) == []
    assert_cannot_get_own(t.delete(f"{MEMBERSHIPS}/{team['id']}/{alice['id']}", "client"))
    # Server: unknown user, then not a member.
    assert_user_not_found(t.delete(f"{MEMBERSHIPS}/{team['id']}/{uuid.uuid4()}"))
    assert_not_member(t.delete(f"{MEMBERSHIPS}/{team['id']}/{bob['id']}"), team["id"], bob["id"])
    assert_json(t.delete(f"{MEMBERSHIPS}/{team['id']}/{alice['id']}"))
    assert t.member_ids(team) == []
    # Rejoining starts from the member defaults again.
    t.add_member(team, carol)
    assert t.permissions(team, carol) == ["team_member"]


def test_no_get_on_memberships(t):
    team = t.create_team()
    r = t.get(f"{MEMBERSHIPS}/{team['id']}/{t.user()['id']}")
    assert r.status_code == 405 and r.text == ""


# --------------------------------------------------------------------------
# /team-member-profiles
# --------------------------------------------------------------------------


def test_member_profiles(t):
    alice = t.user(display_name="Alice")
    bob = t.user(display_name="Bob", profile_image_url="https://x.test/bob.png")
    carol = t.user()
    team = t.team_with_creator(alice)
    t.add_member(team, bob)

    items = assert_json(t.get(PROFILES, "client", alice, params={"team_id": team["id"]}))["items"]
    assert items == [
        {"team_id": team["id"], "user_id": alice["id"], "display_name": "Alice", "profile_image_url": None},
        {"team_id": team["id"], "user_id": bob["id"], "display_name": "Bob",
         "profile_image_url": "https://x.test/bob.png"},
    ]
    server_items = assert_json(t.get(PROFILES, params={"team_id": team["id"]}))["items"]
    assert [list(p) for p in server_items] == [["team_id", "user_id", "display_name", "profile_image_url", "user"]] * 2
    assert server_items[1]["user"] == t.get_user(bob["id"])

    # Client rules.
    assert_plain_text(t.get(PROFILES, "client", alice), 400, "team_id is required for access type client")
    assert_cannot_get_own(t.get(PROFILES, "client", params={"team_id": team["id"]}))
    assert_not_member(t.get(PROFILES, "client", carol, params={"team_id": team["id"]}), team["id"], carol["id"])
    # Without $read_members only one's own profile.
    t.revoke(team, bob, "team_member")
    r = t.get(PROFILES, "client", bob, params={"team_id": team["id"]})
    assert_permission_required(r, team["id"], bob["id"], "$read_members")
    own = assert_json(t.get(PROFILES, "client", bob, params={"team_id": team["id"], "user_id": "me"}))["items"]
    assert [p["user_id"] for p in own] == [bob["id"]]
    r = t.get(f"{PROFILES}/{team['id']}/{alice['id']}", "client", bob)
    assert_permission_required(r, team["id"], bob["id"], "$read_members")
    assert assert_json(t.get(f"{PROFILES}/{team['id']}/me", "client", bob))["user_id"] == bob["id"]
    assert assert_json(t.get(f"{PROFILES}/{team['id']}/{bob['id']}", "client", alice))["display_name"] == "Bob"
    assert_not_member(t.get(f"{PROFILES}/{team['id']}/{carol['id']}", "client", alice), team["id"], carol["id"])
    assert_cannot_get_own(t.get(f"{PROFILES}/{team['id']}/{bob['id']}", "client"))

    # Server filters.
    missing = str(uuid.uuid4())
    assert_team_not_found(t.get(PROFILES, params={"team_id": missing}), missing)
    assert_user_not_found(t.get(PROFILES, params={"user_id": missing}))
    assert_user_not_found(t.get(f"{PROFILES}/{team['id']}/{missing}"))
    assert_not_member(t.get(f"{PROFILES}/{team['id']}/{carol['id']}"), team["id"], carol["id"])
    other = t.team_with_creator(bob)
    everything = assert_json(t.get(PROFILES))["items"]
    assert [(p["team_id"], p["user_id"]) for p in everything] == [
        (team["id"], alice["id"]), (team["id"], bob["id"]), (other["id"], bob["id"])]
    mine = assert_json(t.get(PROFILES, params={"user_id": bob["id"]}))["items"]
    assert [p["team_id"] for p in mine] == [team["id"], other["id"]]
    r = t.get(PROFILES, params={"team_id": "x"})
    assert_schema_error(r, "GET", PROFILES, ["query.team_id must be a valid UUID"])


def test_member_profile_overrides(t):
    alice = t.user(display_name="Alice")
    bob = t.user(display_name="Bob")
    team = t.team_with_creator(alice)
    t.add_member(team, bob)
    path = f"{PROFILES}/{team['id']}/{bob['id']}"
    body = assert_json(t.patch(f"{PROFILES}/{team['id']}/me", {"display_name": "Bobby", "profile_image_url": "https://x.test/b.png"}, "client", bob))
    assert body == {"team_id": team["id"], "user_id": bob["id"], "display_name": "Bobby",
                    "profile_image_url": "https://x.test/b.png"}
    # Later changes of the user's own name no longer show in the team...
    assert_json(t.patch(f"{USERS}/{bob['id']}", {"display_name": "Robert"}))
    assert assert_json(t.get(path))["display_name"] == "Bobby"
    # ... but do where there is no override.
    assert_json(t.patch(f"{USERS}/{alice['id']}", {"display_name": "Alicia"}))
    assert assert_json(t.get(f"{PROFILES}/{team['id']}/{alice['id']}"))["display_name"] == "Alicia"
    # A null image override falls back to the user's own image.
    assert assert_json(t.patch(path, {"profile_image_url": None}))["profile_image_url"] is None
    assert_forbidden(t.patch(path, {"display_name": "x"}, "client", alice), "Cannot update another user's profile")
    assert_cannot_get_own(t.patch(path, {"display_name": "x"}, "client"))
    r = t.patch(path, {"display_name": None})
    assert_schema_error(r, "PATCH", path, ["body.display_name cannot be null"])
    r = t.patch(path, {"other": 1})
    assert_schema_error(r, "PATCH", path, ["body contains unknown properties: other"])
    carol = t.user()
    assert_not_member(t.patch(f"{PROFILES}/{team['id']}/{carol['id']}", {"display_name": "x"}), team["id"],
                      carol["id"])
    assert_user_not_found(t.patch(f"{PROFILES}/{team['id']}/{uuid.uuid4()}", {"display_name": "x"}))


# --------------------------------------------------------------------------
# Selected team (users.md, teams.md §9)
# --------------------------------------------------------------------------


def test_selected_team(t):
    alice = t.user()
    one = t.team_with_creator(alice, display_name="One")
    two = t.team_with_creator(alice, display_name="Two")
    r = t.patch(ME, {"selected_team_id": one["id"]}, "client", alice)
    body = assert_json(r)
    assert body["selected_team_id"] == one["id"]
    assert body["selected_team"] == {k: one[k] for k in TEAM_CLIENT_KEYS}
    assert list(body["selected_team"]) == TEAM_CLIENT_KEYS
    server_view = t.get_user(alice["id"])
    assert server_view["selected_team"] == one
    body = assert_json(t.patch(f"{USERS}/{alice['id']}", {"selected_team_id": two["id"]}))
    assert body["selected_team"] == two
    # The embedded team follows renames.
    assert_json(t.patch(f"{TEAMS}/{two['id']}", {"display_name": "Renamed"}))
    me = assert_json(t.get(ME, "client", alice))
    assert me["selected_team"]["display_name"] == "Renamed"
    body = assert_json(t.patch(ME, {"selected_team_id": None}, "client", alice))
    assert body["selected_team_id"] is None and body["selected_team"] is None
    # Leaving the selected team clears it.
    assert_json(t.patch(ME, {"selected_team_id": one["id"]}, "client", alice))
    assert_json(t.delete(f"{MEMBERSHIPS}/{one['id']}/me", "client", alice))
    assert t.get_user(alice["id"])["selected_team_id"] is None
    # Not a member (any more).
    r = t.patch(ME, {"selected_team_id": one["id"]}, "client", alice)
    assert_not_member(r, one["id"], alice["id"])
    # Listed users carry it too.
    assert_json(t.patch(ME, {"selected_team_id": two["id"]}, "client", alice))
    listed = assert_json(t.get(USERS, params={"team_id": two["id"]}))["items"]
    assert [u["selected_team_id"] for u in listed] == [two["id"]]


def test_users_list_team_filter(t):
    alice, bob, carol = t.user(), t.user(), t.user()
    team = t.team_with_creator(alice)
    t.add_member(team, carol)
    t.user()
    body = assert_json(t.get(USERS, params={"team_id": team["id"]}))
    assert [u["id"] for u in body["items"]] == [alice["id"], carol["id"]]
    page = assert_json(t.get(USERS, params={"team_id": team["id"], "limit": 1}))
    assert [u["id"] for u in page["items"]] == [alice["id"]]
    assert page["pagination"]["next_cursor"] == carol["id"]
    page = assert_json(t.get(USERS, params={"team_id": team["id"], "limit": 1,
                                            "cursor": page["pagination"]["next_cursor"]}))
    assert [u["id"] for u in page["items"]] == [carol["id"]]
    assert page["pagination"]["next_cursor"] is None
    assert assert_json(t.get(USERS, params={"team_id": str(uuid.uuid4())}))["items"] == []
    assert bob["id"] not in [u["id"] for u in body["items"]]


def test_delete_user_cleans_up(t):
    alice, bob = t.user(), t.user()
    team = t.team_with_creator(alice)
    t.add_member(team, bob)
    t.grant(team, bob, "$delete_team")
    t.define("reader", scope="project")
    assert_json(t.post(f"{PROJECT_PERMS}/{bob['id']}/reader", {}), 201)
    assert_json(t.delete(f"{USERS}/{bob['id']}"))
    assert t.member_ids(team) == [alice["id"]]
    assert assert_json(t.get(TEAM_PERMS, params={"user_id": bob["id"]}))["items"] == []
    assert assert_json(t.get(PROJECT_PERMS))["items"] == []
    assert t.permissions(team, alice) == ["team_admin"]
    # Deleting the last member keeps the team.
    assert_json(t.delete(f"{USERS}/{alice['id']}"))
    assert t.member_ids(team) == []
    assert_json(t.get(f"{TEAMS}/{team['id']}"))


# --------------------------------------------------------------------------
# create_team_on_sign_up (§3.6) and default permissions on join (§7.5)
# --------------------------------------------------------------------------


def test_create_team_on_sign_up(api, t):
    t.config(create_team_on_sign_up=True)
    named = t.user(display_name="Dora")
    by_mail = t.user(primary_email="x@y")
    plain = t.user()
    for user, name in ((named, "Dora's Team"), (by_mail, "x@y's Team"), (plain, "Personal Team")):
        teams = assert_json(t.get(TEAMS, params={"user_id": user["id"]}))["items"]
        assert [x["display_name"] for x in teams] == [name]
        # Selected right away (also in the creating response) with team_admin.
        assert user["selected_team_id"] == teams[0]["id"]
        assert user["selected_team"] == teams[0]
        assert t.get_user(user["id"])["selected_team"] == teams[0]
        assert t.permissions(teams[0], user) == ["team_admin"]
    # Every creation path: password sign-up too.
    body = signed_up(api, t.project, email="Mixed-" + email())
    user = t.get_user(body["user_id"])
    assert user["selected_team"]["display_name"] == user["primary_email"] + "'s Team"
    # Off again: no team.
    t.config(create_team_on_sign_up=False)
    assert assert_json(t.get(TEAMS, params={"user_id": t.user()["id"]}))["items"] == []


def test_broken_default_permission_fails_the_join(t):
    t.define("temp")
    t.config(team_member_default_permissions=[{"id": "temp"}], team_creator_default_permissions=[{"id": "temp"}])
    alice, bob = t.user(), t.user()
    team = t.team_with_creator(alice)
    assert t.permissions(team, alice) == ["temp"]
    assert_json(t.delete(f"{TEAM_DEFS}/temp", "admin"))
    assert_permission_not_found(t.post(f"{MEMBERSHIPS}/{team['id']}/{bob['id']}", {}), "temp")
    assert t.member_ids(team) == [alice["id"]]
    before = team_ids(t.get(TEAMS))
    assert_permission_not_found(t.post(TEAMS, {"display_name": "x", "creator_user_id": bob["id"]}), "temp")
    assert team_ids(t.get(TEAMS)) == before
    # Without a creator the defaults do not matter.
    t.create_team()
    t.config(team_member_default_permissions=[], team_creator_default_permissions=[])
    t.add_member(team, bob)
    assert t.permissions(team, bob) == []
