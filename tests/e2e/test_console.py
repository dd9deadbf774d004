"""The admin console (issue 20) from outside a browser: its files and
headers, its publishable client key of the internal project, and the
dashboard users made with `latchkey console-user create`, who manage their
projects through the public API with the admin access token. The pages
themselves are driven in Chromium (tests/browser/console.test.mjs)."""
from __future__ import annotations

import subprocess
import uuid

from latchkey_e2e import assert_json, assert_known_error

ADMIN_PROJECT = "/api/v1/internal/projects/current"


def console_user(server, *args: str, password: str = "console-pass-1") -> subprocess.CompletedProcess:
    return subprocess.run([str(server.binary), "console-user", "create", *args, "--password-stdin",
                           "--database", server.database],
                          env=server.env, cwd=server.workdir, capture_output=True, text=True,
                          timeout=60, input=password + "\n")


def sign_in(api, email: str, password: str = "console-pass-1") -> str:
    r = api.post("/api/v1/auth/password/sign-in", headers=api.headers("client"),
                 json={"email": email, "password": password})
    return assert_json(r)["access_token"]


def admin_token_headers(project_id: str, token: str) -> dict:
    return {"x-stack-access-type": "admin", "x-stack-project-id": project_id,
            "x-stack-admin-access-token": token}


def test_console_page_headers(api):
    r = api.get("/console/")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    # A deep link gets the same page; a missing file does not.
    assert api.get("/console/projects/x/users").text == r.text
    assert api.get("/console/js/nothing.js").status_code == 404
    bare = api.get("/console")
    assert bare.status_code == 308 and bare.headers["location"] == "/console/"
    etag = api.get("/console/console.css").headers["etag"]
    assert api.get("/console/console.css", headers={"if-none-match": etag}).status_code == 304


def test_console_key_signs_in_to_the_internal_project(api):
    r = api.get("/console/config.json")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    config = r.json()
    assert config["project_id"] == "internal"
    key = config["publishable_client_key"]
    assert key.startswith("pck_")
    r = api.get("/api/v1/projects/current",
                headers={"x-stack-access-type": "client", "x-stack-project-id": "internal",
                         "x-stack-publishable-client-key": key})
    assert assert_json(r)["id"] == "internal"
    # In a key set of its own, a publishable key only (revoking it turns the
    # console's sign-in off without touching the other keys).
    sets = assert_json(api.get("/api/v1/internal/api-keys", headers=api.headers("admin")))["items"]
    console_sets = [s for s in sets if s["description"].startswith("Latchkey console")]
    assert len(console_sets) == 1
    assert console_sets[0]["publishable_client_key"] == {"last_four": key[-4:]}
    assert "secret_server_key" not in console_sets[0]
    assert "super_secret_admin_key" not in console_sets[0]


def test_console_user_manages_its_projects_only(server, api, make_project):
    mine, other = make_project(), make_project()
    email = f"console-{uuid.uuid4().hex[:8]}@example.com"
    res = console_user(server, "--email", email, "--project", mine.id)
    assert res.returncode == 0, res.stderr
    assert "created console user" in res.stdout
    token = sign_in(api, email)
    listed = assert_json(api.get("/api/v1/internal/projects",
                                 headers=api.headers("client", access_token=token)))["items"]
    assert [p["id"] for p in listed] == [mine.id]
    assert assert_json(api.get(ADMIN_PROJECT, headers=admin_token_headers(mine.id, token)))["id"] == mine.id
    r = api.get(ADMIN_PROJECT, headers=admin_token_headers(other.id, token))
    assert_known_error(r, 401, "ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN")
    # A project the user creates is theirs to manage.
    created = assert_json(api.post("/api/v1/internal/projects", headers=api.headers("client", access_token=token),
                                   json={"display_name": "made in the console"}), 201)
    token = sign_in(api, email)
    r = api.patch(ADMIN_PROJECT, headers=admin_token_headers(created["id"], token),
                  json={"config": {"client_team_creation_enabled": True}})
    assert assert_json(r)["config"]["client_team_creation_enabled"] is True


def test_console_user_all_projects(server, api, make_project):
    project = make_project()
    email = f"console-all-{uuid.uuid4().hex[:8]}@example.com"
    assert console_user(server, "--email", email, "--all-projects").returncode == 0
    token = sign_in(api, email)
    listed = {p["id"] for p in assert_json(api.get("/api/v1/internal/projects",
                                                   headers=api.headers("client", access_token=token)))["items"]}
    assert {"internal", project.id} <= listed


def test_console_user_refusals(server, api):
    email = f"console-dup-{uuid.uuid4().hex[:8]}@example.com"
    assert console_user(server, "--email", email).returncode == 0
    again = console_user(server, "--email", email)
    assert again.returncode == 1 and "already" in again.stderr.lower()
    unknown = console_user(server, "--email", f"x-{email}", "--project", "no-such-project")
    assert unknown.returncode == 1 and "no project with id no-such-project" in unknown.stderr
    short = console_user(server, "--email", f"y-{email}", password="short")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    # Nothing was created by the refused commands.
    r = api.post("/api/v1/auth/password/sign-in", headers=api.headers("client"),
                 json={"email": f"x-{email}", "password": "console-pass-1"})
    assert_known_error(r, 400, "EMAIL_PASSWORD_MISMATCH")
