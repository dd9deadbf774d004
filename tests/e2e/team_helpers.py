"""Helpers for the teams, team-permission and team-invitation e2e tests
(spec/teams.md): users created through POST /users with access tokens minted
for them (tokens.md §2), so the tests depend only on the users API; the calls
of each team endpoint; and the exact error messages of errors.md §3.9.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Optional

from latchkey_e2e import assert_json, assert_known_error, assert_plain_text

V1 = "/api/v1"
TEAMS = f"{V1}/teams"
MEMBERSHIPS = f"{V1}/team-memberships"
PROFILES = f"{V1}/team-member-profiles"
TEAM_DEFS = f"{V1}/team-permission-definitions"
PROJECT_DEFS = f"{V1}/project-permission-definitions"
TEAM_PERMS = f"{V1}/team-permissions"
PROJECT_PERMS = f"{V1}/project-permissions"
INVITATIONS = f"{V1}/team-invitations"
USERS = f"{V1}/users"
ME = f"{V1}/users/me"
ADMIN_PROJECT = f"{V1}/internal/projects/current"

SYSTEM_PERMISSIONS = ["$delete_team", "$invite_members", "$manage_api_keys", "$read_members",
                      "$remove_members", "$update_team"]
CANNOT_GET_OWN = "You have specified 'me' as a userId, but did not provide authentication for a user."
ID_RULE = 'Only lowercase letters, numbers, ":", "_" and optional "$" at the beginning are allowed'
CUSTOM_ID_RULE = 'Only lowercase letters, numbers, ":", "_" are allowed'
GIF = "data:image/gif;base64,R0lGODlhAQABAAAAACw="

TEAM_SERVER_KEYS = ["id", "display_name", "profile_image_url", "created_at_millis", "client_metadata",
                    "client_read_only_metadata", "server_metadata"]
TEAM_CLIENT_KEYS = ["id", "display_name", "profile_image_url", "client_metadata",
                    "client_read_only_metadata"]


def email() -> str:
    return f"t-{uuid.uuid4().hex[:12]}@example.com"


class Teams:
    """One project's users, tokens and team calls."""

    def __init__(self, api, project):
        self.api = api
        self.project = project

    # users and headers

    def user(self, **body) -> dict:
        r = self.api.post(USERS, headers=self.api.headers("server", self.project), json=body)
        return assert_json(r, 201)

    def token(self, user_id: str) -> str:
        return self.api.mint(self.project.id, sub=user_id)

    def h(self, access: str = "server", user: Optional[Any] = None) -> dict:
        """Headers for `access`; `user` (an id or a user object) adds its access token."""
        if isinstance(user, dict):
            user = user["id"]
        if user is None:
            return self.api.headers(access, self.project)
        return self.api.headers(access, self.project, access_token=self.token(user))

    def config(self, **config) -> dict:
        r = self.api.patch(ADMIN_PROJECT, headers=self.api.headers("admin", self.project),
                           json={"config": config})
        return assert_json(r)

    # raw calls

    def get(self, path: str, access: str = "server", user=None, **kw):
        return self.api.get(path, headers=self.h(access, user), **kw)

    def post(self, path: str, body: Any = None, access: str = "server", user=None, **kw):
        if body is None:
            return self.api.post(path, headers=self.h(access, user), **kw)
        return self.api.post(path, headers=self.h(access, user), json=body, **kw)

    def patch(self, path: str, body: Any, access: str = "server", user=None, **kw):
        return self.api.patch(path, headers=self.h(access, user), json=body, **kw)

    def delete(self, path: str, access: str = "server", user=None, **kw):
        return self.api.delete(path, headers=self.h(access, user), **kw)

    # teams

    def create_team(self, access: str = "server", user=None, **body) -> dict:
        body.setdefault("display_name", "Team " + uuid.uuid4().hex[:6])
        return assert_json(self.post(TEAMS, body, access, user), 201)

    def team_with_creator(self, creator: dict, **body) -> dict:
        return self.create_team(creator_user_id=creator["id"], **body)

    def add_member(self, team: dict, user: dict) -> None:
        r = self.post(f"{MEMBERSHIPS}/{team['id']}/{user['id']}", {})
        assert assert_json(r, 201) == {"team_id": team["id"], "user_id": user["id"]}

    def grant(self, team: dict, user: dict, permission_id: str) -> None:
        assert_json(self.post(f"{TEAM_PERMS}/{team['id']}/{user['id']}/{permission_id}", {}), 201)

    def revoke(self, team: dict, user: dict, permission_id: str) -> None:
        assert_json(self.delete(f"{TEAM_PERMS}/{team['id']}/{user['id']}/{permission_id}"))

    def permissions(self, team: dict, user: dict, recursive: bool = False) -> list:
        r = self.get(TEAM_PERMS, params={"team_id": team["id"], "user_id": user["id"],
                                         "recursive": "true" if recursive else "false"})
        return [p["id"] for p in assert_json(r)["items"]]

    def define(self, id: str, contained=None, description: Optional[str] = None,
               scope: str = "team") -> dict:
        body: dict = {"id": id}
        if contained is not None:
            body["contained_permission_ids"] = contained
        if description is not None:
            body["description"] = description
        path = TEAM_DEFS if scope == "team" else PROJECT_DEFS
        return assert_json(self.post(path, body, "admin"), 201)

    def member_ids(self, team: dict) -> list:
        r = self.get(PROFILES, params={"team_id": team["id"]})
        return [p["user_id"] for p in assert_json(r)["items"]]

    def get_user(self, user_id: str) -> dict:
        return assert_json(self.get(f"{USERS}/{user_id}"))


# --- errors (errors.md §3.9) ---------------------------------------------------


def assert_team_not_found(r, team_id: str) -> None:
    assert_known_error(r, 404, "TEAM_NOT_FOUND", f"Team {team_id} not found.", {"team_id": team_id})


def assert_not_member(r, team_id: str, user_id: str) -> None:
    assert_known_error(r, 404, "TEAM_MEMBERSHIP_NOT_FOUND", f"User {user_id} is not found in team {team_id}.",
                       {"team_id": team_id, "user_id": user_id})


def assert_permission_required(r, team_id: str, user_id: str, permission_id: str) -> None:
    assert_known_error(r, 401, "TEAM_PERMISSION_REQUIRED",
                       f"User {user_id} does not have permission {permission_id} in team {team_id}.",
                       {"team_id": team_id, "user_id": user_id, "permission_id": permission_id})


def assert_team_permission_not_found(r, team_id: str, user_id: str, permission_id: str) -> None:
    assert_known_error(r, 401, "TEAM_PERMISSION_NOT_FOUND",
                       f"User {user_id} does not have permission {permission_id} in team {team_id}.",
                       {"team_id": team_id, "user_id": user_id, "permission_id": permission_id})


def assert_permission_not_found(r, permission_id: str) -> None:
    assert_known_error(r, 404, "PERMISSION_NOT_FOUND",
                       f'Permission "{permission_id}" not found. Make sure you created it on the dashboard.',
                       {"permission_id": permission_id})


def assert_wrong_scope(r, permission_id: str, expected: str, actual: str) -> None:
    assert_known_error(
        r, 404, "WRONG_PERMISSION_SCOPE",
        f'Permission {json.dumps(permission_id)} not found. (It was found for a different scope '
        f'{json.dumps(actual)}, but scope {json.dumps(expected)} was expected.)',
        {"permission_id": permission_id, "expected_scope": expected, "actual_scope": actual})


def assert_id_exists(r, permission_id: str) -> None:
    assert_known_error(r, 400, "PERMISSION_ID_ALREADY_EXISTS",
                       f'Permission with ID "{permission_id}" already exists. Choose a different ID.',
                       {"permission_id": permission_id})


def assert_contained_not_found(r, permission_id: str) -> None:
    assert_known_error(
        r, 400, "CONTAINED_PERMISSION_NOT_FOUND",
        f'Contained permission with ID "{permission_id}" not found. Make sure you created it on the dashboard.',
        {"permission_id": permission_id})


def assert_user_not_found(r) -> None:
    assert_known_error(r, 404, "USER_NOT_FOUND", "User not found.")


def assert_cannot_get_own(r) -> None:
    assert_known_error(r, 400, "CANNOT_GET_OWN_USER_WITHOUT_USER", CANNOT_GET_OWN)


def assert_auth_required(r) -> None:
    assert_known_error(r, 401, "USER_AUTHENTICATION_REQUIRED", "User authentication required for this endpoint.")


def assert_forbidden(r, text: str) -> None:
    assert_plain_text(r, 403, text)
