"""Project read/update/delete and the admin key-set API: spec/projects.md
§1, §2, §3.1, §4 and spec/project-config.md §2–§4.

Projects other than `internal` are created with the CLI
(`latchkey project create`), which gives their first key set.
"""
from __future__ import annotations

import copy
import uuid

import pytest

from latchkey_e2e import (
    INTERNAL_KEY_SET_EXPIRES_AT_MILLIS,
    INTERNAL_KEY_SET_ID,
    INTERNAL_KEYS,
    KEY_FIELDS,
    KEY_HEADERS,
    KEY_RE,
    MSG,
    UUID_RE,
    assert_insufficient_access_type,
    assert_invalid_key,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_schema_error,
    assert_schema_error_contains,
    welcome_text,
)

ROOT = "/api/v1"
PROJECT = "/api/v1/projects/current"
ADMIN_PROJECT = "/api/v1/internal/projects/current"
KEYS = "/api/v1/internal/api-keys"
ACCESS_TYPES = ["client", "server", "admin"]

SEEDED_OAUTH = ["github", "google", "microsoft", "spotify"]  # sorted seed list


def key_set_path(key_set_id: str) -> str:
    return f"{KEYS}/{key_set_id}"


def default_admin_config() -> dict:
    """project-config.md §2.2: the config of a freshly created project."""
    return {
        "allow_localhost": True,
        "sign_up_enabled": True,
        "credential_enabled": True,
        "magic_link_enabled": False,
        "passkey_enabled": False,
        "client_team_creation_enabled": False,
        "client_user_deletion_enabled": False,
        "allow_user_api_keys": False,
        "allow_team_api_keys": False,
        "oauth_providers": [],
        "enabled_oauth_providers": [],
        "oauth_account_merge_strategy": "link_method",
        "domains": [],
        "email_config": {"type": "shared"},
        "email_theme": "default-light",
        "create_team_on_sign_up": False,
        "team_creator_default_permissions": [{"id": "team_admin"}],
        "team_member_default_permissions": [{"id": "team_member"}],
        "user_default_permissions": [],
    }


CLIENT_CONFIG_KEYS = ["sign_up_enabled", "credential_enabled", "magic_link_enabled", "passkey_enabled",
                      "client_team_creation_enabled", "client_user_deletion_enabled",
                      "allow_user_api_keys", "allow_team_api_keys", "enabled_oauth_providers"]


def client_view(admin_shape: dict) -> dict:
    return {
        "id": admin_shape["id"],
        "display_name": admin_shape["display_name"],
        "config": {k: admin_shape["config"][k] for k in CLIENT_CONFIG_KEYS},
    }


def get_admin(api, project) -> dict:
    return assert_json(api.get(ADMIN_PROJECT, headers=api.headers("admin", project)))


def patch_admin(api, project, body) -> dict:
    return assert_json(api.patch(ADMIN_PROJECT, headers=api.headers("admin", project), json=body))


def assert_admin_shape_types(body: dict) -> None:
    assert set(body) == {"id", "display_name", "description", "created_at_millis", "user_count",
                         "is_production_mode", "config"}, sorted(body)
    assert isinstance(body["id"], str) and isinstance(body["display_name"], str)
    assert isinstance(body["description"], str)
    assert isinstance(body["created_at_millis"], int) and body["created_at_millis"] > 0
    assert isinstance(body["user_count"], int) and body["user_count"] >= 0
    assert isinstance(body["is_production_mode"], bool)
    assert set(body["config"]) == set(default_admin_config()), sorted(body["config"])


# --------------------------------------------------------------------------
# the CLI
# --------------------------------------------------------------------------


def test_cli_project_create_and_list(server, make_project):
    project = make_project("CLI listed project")
    out = server.create_project("CLI output project")
    assert set(out) == {"id", "display_name", "publishable_client_key", "secret_server_key",
                        "super_secret_admin_key"}, out
    assert UUID_RE.match(out["id"]), out["id"]
    assert out["display_name"] == "CLI output project"
    for access, field in KEY_FIELDS.items():
        assert KEY_RE[access].match(out[field]), out[field]
    listed = server.list_projects()
    assert isinstance(listed, list)
    by_id = {p["id"]: p for p in listed}
    assert by_id["internal"] == {"id": "internal", "display_name": "Stack Dashboard"}
    assert by_id[project.id] == {"id": project.id, "display_name": "CLI listed project"}
    assert by_id[out["id"]] == {"id": out["id"], "display_name": "CLI output project"}


# --------------------------------------------------------------------------
# GET /projects/current (client shape)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_client_shape_internal(api, access_type):
    body = assert_json(api.get(PROJECT, headers=api.headers(access_type)))
    # STACK_SEED_INTERNAL_PROJECT_OAUTH_PROVIDERS, sorted by id.
    providers = [{"id": p} for p in SEEDED_OAUTH]
    assert body == {
        "id": "internal",
        "display_name": "Stack Dashboard",
        "config": {
            "sign_up_enabled": True,
            "credential_enabled": True,
            "magic_link_enabled": True,
            "passkey_enabled": False,
            "client_team_creation_enabled": False,
            "client_user_deletion_enabled": False,
            "allow_user_api_keys": False,
            "allow_team_api_keys": False,
            "enabled_oauth_providers": providers,
        },
    }


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_client_shape_created_project(api, shared_project, access_type):
    body = assert_json(api.get(PROJECT, headers=api.headers(access_type, shared_project)))
    assert body == {
        "id": shared_project.id,
        "display_name": "e2e shared project",
        "config": {k: default_admin_config()[k] for k in CLIENT_CONFIG_KEYS},
    }


def test_projects_current_is_get_only(api):
    for method in ["PATCH", "DELETE"]:
        r = api.request(method, PROJECT, headers=api.headers("admin"), json={})
        assert r.status_code == 405 and r.content == b"", (method, r.status_code, r.text)


# --------------------------------------------------------------------------
# GET /internal/projects/current (admin shape)
# --------------------------------------------------------------------------


def test_admin_shape_internal(api):
    body = get_admin(api, "internal")
    assert_admin_shape_types(body)
    assert body["id"] == "internal"
    assert body["display_name"] == "Stack Dashboard"
    assert body["description"] == "Stack's admin dashboard"
    assert body["is_production_mode"] is False
    config = body["config"]
    providers = config["oauth_providers"]
    assert providers in ([], [{"id": p, "type": "shared"} for p in SEEDED_OAUTH]), providers
    assert config["enabled_oauth_providers"] == [{"id": p["id"]} for p in providers]
    expected = default_admin_config()
    expected.update({
        "magic_link_enabled": True,  # STACK_SEED_INTERNAL_PROJECT_OTP_ENABLED=true
        "oauth_providers": providers,
        "enabled_oauth_providers": config["enabled_oauth_providers"],
    })
    assert config == expected


def test_admin_shape_created_project(api, shared_project):
    body = get_admin(api, shared_project)
    assert_admin_shape_types(body)
    assert body["id"] == shared_project.id
    assert body["display_name"] == "e2e shared project"
    assert body["description"] == ""
    assert body["user_count"] == 0
    assert body["is_production_mode"] is False
    assert body["config"] == default_admin_config()


def test_admin_project_with_client_or_server(api, project):
    for access_type in ["client", "server"]:
        for method in ["GET", "PATCH", "DELETE"]:
            r = api.request(method, ADMIN_PROJECT, headers=api.headers(access_type, project), json={})
            assert_insufficient_access_type(r, access_type, ["admin"])
    assert get_admin(api, project)["id"] == project.id


# --------------------------------------------------------------------------
# PATCH /internal/projects/current (project-config.md §4)
# --------------------------------------------------------------------------


def test_patch_project_fields(api, project):
    before = get_admin(api, project)
    body = patch_admin(api, project, {"display_name": "Renamed project", "description": "A description",
                                      "is_production_mode": True})
    expected = copy.deepcopy(before)
    expected.update({"display_name": "Renamed project", "description": "A description",
                     "is_production_mode": True})
    assert body == expected
    assert get_admin(api, project) == expected
    client = assert_json(api.get(PROJECT, headers=api.headers("client", project)))
    assert client == client_view(expected)


def test_patch_description_null_becomes_empty(api, project):
    patch_admin(api, project, {"description": "something"})
    body = patch_admin(api, project, {"description": None})
    assert body["description"] == ""


def test_patch_empty_body_changes_nothing(api, project):
    before = get_admin(api, project)
    assert patch_admin(api, project, {}) == before


def test_patch_config_partial(api, project):
    changes = {
        "sign_up_enabled": False,
        "magic_link_enabled": True,
        "passkey_enabled": True,
        "client_team_creation_enabled": True,
        "client_user_deletion_enabled": True,
        "allow_user_api_keys": True,
        "allow_team_api_keys": True,
        "create_team_on_sign_up": True,
        "email_theme": "default-dark",
        "oauth_account_merge_strategy": "raise_error",
        "allow_localhost": False,
    }
    body = patch_admin(api, project, {"config": changes})
    expected = default_admin_config()
    expected.update(changes)
    assert body["config"] == expected
    # omitted keys keep their values (allow_localhost aside: see the reset quirk)
    body = patch_admin(api, project, {"config": {"credential_enabled": False, "allow_localhost": False}})
    expected["credential_enabled"] = False
    assert body["config"] == expected
    client = assert_json(api.get(PROJECT, headers=api.headers("client", project)))
    assert client == client_view(body)


def test_patch_oauth_providers_replace_the_list(api, project):
    body = patch_admin(api, project, {"config": {"oauth_providers": [{"id": "google", "type": "shared"}]}})
    assert body["config"]["oauth_providers"] == [{"id": "google", "type": "shared"}]
    assert body["config"]["enabled_oauth_providers"] == [{"id": "google"}]
    body = patch_admin(api, project, {"config": {"oauth_providers": [
        {"id": "spotify", "type": "standard", "client_id": "spotify-id", "client_secret": "spotify-secret"},
        {"id": "microsoft", "type": "standard", "client_id": "ms-id", "client_secret": "ms-secret",
         "microsoft_tenant_id": "tenant-1"},
        {"id": "github", "type": "shared"},
    ]}})
    assert body["config"]["oauth_providers"] == [
        {"id": "github", "type": "shared"},
        {"id": "microsoft", "type": "standard", "client_id": "ms-id", "client_secret": "ms-secret",
         "microsoft_tenant_id": "tenant-1"},
        {"id": "spotify", "type": "standard", "client_id": "spotify-id", "client_secret": "spotify-secret"},
    ]
    assert body["config"]["enabled_oauth_providers"] == [{"id": "github"}, {"id": "microsoft"}, {"id": "spotify"}]
    client = assert_json(api.get(PROJECT, headers=api.headers("client", project)))
    assert client["config"]["enabled_oauth_providers"] == [{"id": "github"}, {"id": "microsoft"}, {"id": "spotify"}]
    body = patch_admin(api, project, {"config": {"oauth_providers": []}})
    assert body["config"]["oauth_providers"] == []
    assert body["config"]["enabled_oauth_providers"] == []


def test_patch_oauth_providers_repeated_id_keeps_last(api, project):
    body = patch_admin(api, project, {"config": {"oauth_providers": [
        {"id": "google", "type": "shared"},
        {"id": "google", "type": "standard", "client_id": "g-id", "client_secret": "g-secret"},
    ]}})
    assert body["config"]["oauth_providers"] == [
        {"id": "google", "type": "standard", "client_id": "g-id", "client_secret": "g-secret"}]


def test_patch_domains(api, project):
    domains = [
        {"domain": "https://b.example.com", "handler_path": "/handler"},
        {"domain": "https://a.example.com/", "handler_path": "/auth/handler"},
        {"domain": "http://c.example.com:8080/app", "handler_path": "/h"},
    ]
    body = patch_admin(api, project, {"config": {"domains": domains}})
    assert body["config"]["domains"] == [
        {"domain": "http://c.example.com:8080/app", "handler_path": "/h"},
        {"domain": "https://a.example.com/", "handler_path": "/auth/handler"},
        {"domain": "https://b.example.com", "handler_path": "/handler"},
    ]
    body = patch_admin(api, project, {"config": {"domains": [domains[0]]}})
    assert body["config"]["domains"] == [domains[0]]


def test_patch_email_config(api, project):
    standard = {"type": "standard", "host": "smtp.example.com", "port": 587, "username": "user",
                "password": "secret-password", "sender_name": "Sender", "sender_email": "sender@example.com"}
    body = patch_admin(api, project, {"config": {"email_config": standard}})
    assert body["config"]["email_config"] == standard
    body = patch_admin(api, project, {"config": {"email_config": {"type": "shared"}}})
    assert body["config"]["email_config"] == {"type": "shared"}


def test_patch_default_permissions(api, project):
    body = patch_admin(api, project, {"config": {
        "team_creator_default_permissions": [{"id": "team_member"}, {"id": "team_admin"}],
        "team_member_default_permissions": [],
    }})
    assert body["config"]["team_creator_default_permissions"] == [{"id": "team_admin"}, {"id": "team_member"}]
    assert body["config"]["team_member_default_permissions"] == []
    assert body["config"]["user_default_permissions"] == []


def test_patch_coerces_values(api, project):
    # yup-style coercion: numbers become strings, "true" becomes true
    body = patch_admin(api, project, {"display_name": 123, "is_production_mode": "true"})
    assert body["display_name"] == "123"
    assert body["is_production_mode"] is True


PATCH_ERRORS_EXACT = [
    ({"foo": 1}, ["body contains unknown properties: foo"]),
    ({"config": {"enabled_oauth_providers": []}},
     ["body.config contains unknown properties: enabled_oauth_providers"]),
    ({"config": {"oauth_providers": [{"id": "google", "type": "shared", "enabled": True}]}},
     ["body.config.oauth_providers[0] contains unknown properties: enabled"]),
    ({"config": {"email_config": {"type": "standard"}}},
     [f"body.config.email_config.{f} must be defined"
      for f in ["host", "port", "username", "password", "sender_name", "sender_email"]]),
    ({"config": {"email_config": {"type": "shared", "client_id": "x"}}},
     ["body.config.email_config contains unknown properties: client_id"]),
    ({"config": {"oauth_account_merge_strategy": "merge_everything"}},
     ["body.config.oauth_account_merge_strategy must be one of the following values: "
      "link_method, raise_error, allow_duplicates"]),
]


@pytest.mark.parametrize("body,lines", PATCH_ERRORS_EXACT,
                         ids=["unknown-top", "enabled-oauth-providers", "provider-enabled", "email-standard-empty",
                              "email-shared-extra", "merge-strategy"])
def test_patch_validation_exact(api, project, body, lines):
    before = get_admin(api, project)
    r = api.patch(ADMIN_PROJECT, headers=api.headers("admin", project), json=body)
    assert_schema_error(r, "PATCH", ADMIN_PROJECT, lines)
    assert get_admin(api, project) == before


STANDARD_EMAIL = {"type": "standard", "host": "smtp.example.com", "port": 587, "username": "u",
                  "password": "p", "sender_name": "S", "sender_email": "s@example.com"}

PATCH_ERRORS_CONTAIN = [
    ({"config": {"email_config": dict(STANDARD_EMAIL, host="")}},
     ["body.config.email_config.host must not be empty"]),
    ({"config": {"domains": [{"domain": "ftp://example.com", "handler_path": "/handler"}]}},
     ["URL must start with http:// or https://"]),
    ({"config": {"domains": [{"domain": "https://example.com", "handler_path": "handler"}]}},
     ["Handler path must start with /"]),
    ({"config": {"domains": [{"handler_path": "/handler"}]}},
     ["body.config.domains[0].domain must be defined"]),
    ({"config": {"oauth_providers": [{"id": "spotify", "type": "standard", "client_id": "x",
                                      "client_secret": ""}]}},
     ["body.config.oauth_providers[0].client_secret must not be empty"]),
    ({"config": {"oauth_providers": [{"id": "myspace", "type": "shared"}]}},
     ["body.config.oauth_providers[0].id must be one of the following values: google, github, microsoft, "
      "spotify, facebook, discord, gitlab, bitbucket, linkedin, apple, x, twitch, oidc"]),
    ({"config": {"oauth_providers": [{"id": "google"}]}},
     ["body.config.oauth_providers[0].type must be defined"]),
    ({"config": {"email_theme": "neon"}}, []),
    ({"config": {"sign_up_enabled": "maybe"}}, []),
    ({"config": "not an object"}, []),
]


@pytest.mark.parametrize("body,lines", PATCH_ERRORS_CONTAIN,
                         ids=["email-host-empty", "domain-scheme", "handler-path", "domain-missing",
                              "client-secret-empty", "provider-id", "provider-type-missing", "email-theme",
                              "bool-type", "config-type"])
def test_patch_validation(api, project, body, lines):
    before = get_admin(api, project)
    r = api.patch(ADMIN_PROJECT, headers=api.headers("admin", project), json=body)
    assert_schema_error_contains(r, "PATCH", ADMIN_PROJECT, lines)
    assert get_admin(api, project) == before


# --------------------------------------------------------------------------
# DELETE /internal/projects/current (projects.md §2.4)
# --------------------------------------------------------------------------


def test_delete_project(api, server, project):
    extra = api.create_key_set(project)
    r = api.delete(ADMIN_PROJECT, headers=api.headers("admin", project), json={})
    assert assert_json(r) == {"success": True}
    for access_type in ACCESS_TYPES:
        assert_invalid_key(api.get(PROJECT, headers=api.headers(access_type, project)), access_type, project.id)
        headers = with_key(api, project.id, access_type, extra[KEY_FIELDS[access_type]])
        assert_invalid_key(api.get(ROOT, headers=headers), access_type, project.id)
    assert_plain_text(api.get(f"/api/v1/projects/{project.id}/.well-known/jwks.json"), 404, "Project not found")
    assert project.id not in {p["id"] for p in server.list_projects()}
    # other projects are untouched
    assert_json(api.get(PROJECT, headers=api.headers("client")))


def test_delete_project_without_body(api, project):
    r = api.delete(ADMIN_PROJECT, headers=api.headers("admin", project))
    assert assert_json(r) == {"success": True}


# --------------------------------------------------------------------------
# /internal/api-keys (projects.md §4)
# --------------------------------------------------------------------------

FULL_KEY_SET_FIELDS = {"id", "description", "publishable_client_key", "secret_server_key",
                       "super_secret_admin_key", "created_at_millis", "expires_at_millis"}


def create_body(api, **overrides) -> dict:
    body = {
        "description": "test api key",
        "expires_at_millis": api.now_millis() + 7 * 24 * 3600 * 1000,
        "has_publishable_client_key": True,
        "has_secret_server_key": True,
        "has_super_secret_admin_key": True,
    }
    body.update(overrides)
    return body


def with_key(api, project_id, access_type, key):
    return {"x-stack-access-type": access_type, "x-stack-project-id": project_id,
            KEY_HEADERS[access_type]: key}


def obfuscated(full: dict) -> dict:
    out = {"id": full["id"], "description": full["description"]}
    for field in KEY_FIELDS.values():
        if field in full:
            out[field] = {"last_four": full[field][-4:]}
    out["created_at_millis"] = full["created_at_millis"]
    out["expires_at_millis"] = full["expires_at_millis"]
    return out


def test_create_key_set(api, project):
    body = create_body(api)
    r = api.post(KEYS, headers=api.headers("admin", project), json=body)
    created = assert_json(r, 200)
    assert set(created) == FULL_KEY_SET_FIELDS, sorted(created)
    assert UUID_RE.match(created["id"])
    assert created["description"] == "test api key"
    assert created["expires_at_millis"] == body["expires_at_millis"]
    assert isinstance(created["created_at_millis"], int)
    for access, field in KEY_FIELDS.items():
        assert KEY_RE[access].match(created[field]), created[field]
    assert len({created[f] for f in KEY_FIELDS.values()}) == 3
    # the new keys work at once, each for its own access type
    for access, field in KEY_FIELDS.items():
        r = api.get(ROOT, headers=with_key(api, project.id, access, created[field]))
        assert_plain_text(r, 200, welcome_text(access, project.id))
    r = api.get(KEYS, headers=with_key(api, project.id, "admin", created["super_secret_admin_key"]))
    assert_json(r)


@pytest.mark.parametrize("wanted", [("client",), ("server",), ("admin",), ("client", "admin"), ()])
def test_create_key_set_partial(api, project, wanted):
    body = create_body(api, **{f"has_{KEY_FIELDS[a]}": a in wanted for a in ACCESS_TYPES})
    created = assert_json(api.post(KEYS, headers=api.headers("admin", project), json=body))
    for access, field in KEY_FIELDS.items():
        if access in wanted:
            assert KEY_RE[access].match(created[field])
        else:
            assert field not in created, created  # absent, not null
    got = assert_json(api.get(key_set_path(created["id"]), headers=api.headers("admin", project)))
    assert got == obfuscated(created)


def test_list_key_sets_newest_first(api, project):
    first = api.create_key_set(project, description="first")
    api.advance_clock(1000)
    second = api.create_key_set(project, description="second", server=False)
    api.advance_clock(1000)
    third = api.create_key_set(project, description="third", client=False, admin=False)
    r = api.get(KEYS, headers=api.headers("admin", project))
    body = assert_json(r)
    assert set(body) == {"items", "is_paginated"} and body["is_paginated"] is False
    items = body["items"]
    assert [i["id"] for i in items[:3]] == [third["id"], second["id"], first["id"]]
    assert items[0] == obfuscated(third)
    assert items[1] == obfuscated(second)
    assert items[2] == obfuscated(first)
    # whatever else is listed (the CLI's key set) is older
    created = [i["created_at_millis"] for i in items]
    assert created == sorted(created, reverse=True)
    for item in items:
        assert "manually_revoked_at_millis" not in item
        for field in KEY_FIELDS.values():
            if field in item:
                assert set(item[field]) == {"last_four"} and len(item[field]["last_four"]) == 4


def test_get_key_set(api, project):
    created = api.create_key_set(project, description="to read")
    got = assert_json(api.get(key_set_path(created["id"]), headers=api.headers("admin", project)))
    assert got == obfuscated(created)


def test_internal_project_key_set(api):
    got = assert_json(api.get(key_set_path(INTERNAL_KEY_SET_ID), headers=api.headers("admin")))
    assert got["id"] == INTERNAL_KEY_SET_ID
    assert got["description"] == "Internal API key set"
    assert got["expires_at_millis"] == INTERNAL_KEY_SET_EXPIRES_AT_MILLIS
    for access, field in KEY_FIELDS.items():
        assert got[field] == {"last_four": INTERNAL_KEYS[access][-4:]}
    assert "manually_revoked_at_millis" not in got
    listed = assert_json(api.get(KEYS, headers=api.headers("admin")))["items"]
    assert got in listed


def test_get_unknown_key_set(api, project):
    r = api.get(key_set_path(str(uuid.uuid4())), headers=api.headers("admin", project))
    assert_known_error(r, 404, "API_KEY_NOT_FOUND", MSG["API_KEY_NOT_FOUND"])


def test_key_set_of_other_project_is_not_found(api, project):
    r = api.get(key_set_path(INTERNAL_KEY_SET_ID), headers=api.headers("admin", project))
    assert_known_error(r, 404, "API_KEY_NOT_FOUND", MSG["API_KEY_NOT_FOUND"])
    r = api.patch(key_set_path(INTERNAL_KEY_SET_ID), headers=api.headers("admin", project),
                  json={"revoked": True})
    assert_known_error(r, 404, "API_KEY_NOT_FOUND", MSG["API_KEY_NOT_FOUND"])
    # ... and the internal key set is untouched
    assert_plain_text(api.get(ROOT, headers=api.headers("admin")), 200, welcome_text("admin"))


@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "12345"])
def test_key_set_id_must_be_uuid(api, project, method, bad_id):
    r = api.request(method, key_set_path(bad_id), headers=api.headers("admin", project),
                    json={"description": "x"} if method == "PATCH" else None)
    msg = assert_schema_error_contains(r, method, key_set_path(bad_id))
    assert "params.api_key_id" in msg, msg


def test_patch_key_set_description(api, project):
    created = api.create_key_set(project, description="old description")
    r = api.patch(key_set_path(created["id"]), headers=api.headers("admin", project),
                  json={"description": "new description"})
    body = assert_json(r)
    expected = obfuscated(created)
    expected["description"] = "new description"
    assert body == expected
    # keys keep working
    r = api.get(ROOT, headers=with_key(api, project.id, "server", created["secret_server_key"]))
    assert_plain_text(r, 200, welcome_text("server", project.id))


def test_revoke_key_set(api, project):
    created = api.create_key_set(project, description="to revoke")
    r = api.patch(key_set_path(created["id"]), headers=api.headers("admin", project), json={"revoked": True})
    body = assert_json(r)
    assert isinstance(body.get("manually_revoked_at_millis"), int), body
    expected = obfuscated(created)
    expected["manually_revoked_at_millis"] = body["manually_revoked_at_millis"]
    assert body == expected
    for access, field in KEY_FIELDS.items():
        assert_invalid_key(api.get(ROOT, headers=with_key(api, project.id, access, created[field])),
                           access, project.id)
    got = assert_json(api.get(key_set_path(created["id"]), headers=api.headers("admin", project)))
    assert got == expected
    listed = assert_json(api.get(KEYS, headers=api.headers("admin", project)))["items"]
    assert expected in listed
    # the project's other key set is unaffected
    assert_plain_text(api.get(ROOT, headers=api.headers("admin", project)), 200, welcome_text("admin", project.id))


def test_revoked_admin_key_message(api, project):
    created = api.create_key_set(project)
    api.patch(key_set_path(created["id"]), headers=api.headers("admin", project), json={"revoked": True})
    r = api.get(KEYS, headers=with_key(api, project.id, "admin", created["super_secret_admin_key"]))
    assert_known_error(
        r, 401, "INVALID_SUPER_SECRET_ADMIN_KEY",
        f'The super secret admin key is not valid for the project "{project.id}". '
        "Does the project and/or the key exist?",
        {"project_id": project.id})


@pytest.mark.parametrize("body", [{"revoked": False}, {"revoked": "nope"}, {"foo": "bar"}, {"description": None}])
def test_patch_key_set_invalid(api, project, body):
    created = api.create_key_set(project)
    r = api.patch(key_set_path(created["id"]), headers=api.headers("admin", project), json=body)
    assert_schema_error_contains(r, "PATCH", key_set_path(created["id"]))
    # nothing changed
    got = assert_json(api.get(key_set_path(created["id"]), headers=api.headers("admin", project)))
    assert got == obfuscated(created)


def test_patch_unknown_key_set(api, project):
    r = api.patch(key_set_path(str(uuid.uuid4())), headers=api.headers("admin", project),
                  json={"description": "x"})
    assert_known_error(r, 404, "API_KEY_NOT_FOUND", MSG["API_KEY_NOT_FOUND"])


def test_key_set_expired_at_creation(api, project):
    past = api.now_millis() - 60_000
    created = assert_json(api.post(KEYS, headers=api.headers("admin", project),
                                   json=create_body(api, expires_at_millis=past)))
    assert created["expires_at_millis"] == past
    for access, field in KEY_FIELDS.items():
        assert_invalid_key(api.get(ROOT, headers=with_key(api, project.id, access, created[field])),
                           access, project.id)


def test_key_set_expires_when_clock_moves(api, project):
    created = api.create_key_set(project, expires_at_millis=api.now_millis() + 60_000)
    for access, field in KEY_FIELDS.items():
        r = api.get(ROOT, headers=with_key(api, project.id, access, created[field]))
        assert_plain_text(r, 200, welcome_text(access, project.id))
    api.advance_clock(120_000)
    for access, field in KEY_FIELDS.items():
        assert_invalid_key(api.get(ROOT, headers=with_key(api, project.id, access, created[field])),
                           access, project.id)


def test_key_sets_belong_to_one_project(api, project, shared_project):
    created = api.create_key_set(project)
    for access, field in KEY_FIELDS.items():
        r = api.get(ROOT, headers=with_key(api, shared_project.id, access, created[field]))
        assert_invalid_key(r, access, shared_project.id)
    listed = assert_json(api.get(KEYS, headers=api.headers("admin", shared_project)))["items"]
    assert created["id"] not in {i["id"] for i in listed}


def test_create_key_set_validation(api, project):
    r = api.post(KEYS, headers=api.headers("admin", project), json={})
    assert_schema_error_contains(r, "POST", KEYS, [
        "body.description must be defined",
        "body.expires_at_millis must be defined",
        "body.has_publishable_client_key must be defined",
        "body.has_secret_server_key must be defined",
        "body.has_super_secret_admin_key must be defined",
    ])
    r = api.post(KEYS, headers=api.headers("admin", project), json=create_body(api, extra=True))
    assert_schema_error(r, "POST", KEYS, ["body contains unknown properties: extra"])
    r = api.post(KEYS, headers=api.headers("admin", project), json=create_body(api, description=None))
    assert_schema_error_contains(r, "POST", KEYS, ["body.description cannot be null"])


@pytest.mark.parametrize("access_type", ["client", "server"])
def test_key_set_api_needs_admin(api, project, access_type):
    created = api.create_key_set(project)
    headers = api.headers(access_type, project)
    calls = [
        ("GET", KEYS, None),
        ("POST", KEYS, create_body(api)),
        ("GET", key_set_path(created["id"]), None),
        ("PATCH", key_set_path(created["id"]), {"revoked": True}),
    ]
    for method, path, body in calls:
        r = api.request(method, path, headers=headers, json=body)
        assert_insufficient_access_type(r, access_type, ["admin"])
    # nothing was revoked
    assert_plain_text(api.get(ROOT, headers=with_key(api, project.id, "admin", created["super_secret_admin_key"])),
                      200, welcome_text("admin", project.id))
