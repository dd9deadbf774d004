"""`latchkey project create --env`: the lines an app pastes into .env.local
(the variables Stack's SDKs read), nothing else on stdout, and keys that
work against the server they name."""
from __future__ import annotations

import re
import subprocess

import requests

from conftest import _server_env

NAMES = ["NEXT_PUBLIC_STACK_API_URL", "NEXT_PUBLIC_STACK_PROJECT_ID",
         "NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY", "STACK_SECRET_SERVER_KEY"]


def parse_env(stdout: str) -> dict:
    lines = stdout.splitlines()
    assert [l.split("=", 1)[0] for l in lines] == NAMES, stdout
    return dict(l.split("=", 1) for l in lines)


def admin_key(stderr: str) -> str:
    m = re.search(r"super secret admin key \(admin REST API; keep it out of the app\): (\S+)", stderr)
    assert m, stderr
    return m.group(1)


def test_env_lines_work_against_the_server(server):
    res = server.cli("project", "create", "--name", "env app", "--env",
                     "--public-url", server.base_url + "/", "--database", server.database)
    assert res.returncode == 0, res.stderr
    env = parse_env(res.stdout)
    assert env["NEXT_PUBLIC_STACK_API_URL"] == server.base_url  # trailing slash dropped
    api = env["NEXT_PUBLIC_STACK_API_URL"] + "/api/v1"
    project_id = env["NEXT_PUBLIC_STACK_PROJECT_ID"]

    client = requests.get(api + "/projects/current", headers={
        "x-stack-access-type": "client", "x-stack-project-id": project_id,
        "x-stack-publishable-client-key": env["NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY"]})
    assert client.status_code == 200, client.text
    assert client.json()["id"] == project_id and client.json()["display_name"] == "env app"

    users = requests.get(api + "/users", headers={
        "x-stack-access-type": "server", "x-stack-project-id": project_id,
        "x-stack-secret-server-key": env["STACK_SECRET_SERVER_KEY"]})
    assert users.status_code == 200 and users.json()["items"] == [], users.text

    admin = requests.get(api + "/internal/projects/current", headers={
        "x-stack-access-type": "admin", "x-stack-project-id": project_id,
        "x-stack-super-secret-admin-key": admin_key(res.stderr)})
    assert admin.status_code == 200, admin.text
    # A new project trusts localhost, so an app on a developer's machine
    # works without configuration.
    assert admin.json()["config"]["allow_localhost"] is True


def test_api_url_from_the_environment_or_the_default(server):
    env = dict(server.env, NEXT_PUBLIC_STACK_API_URL="https://auth.example.com")
    res = subprocess.run([str(server.binary), "project", "create", "--name", "env from env",
                          "--env", "--database", server.database], env=env, cwd=server.workdir,
                         capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res.stderr
    assert parse_env(res.stdout)["NEXT_PUBLIC_STACK_API_URL"] == "https://auth.example.com"

    res = server.cli("project", "create", "--name", "env default", "--env",
                     "--database", server.database)
    assert res.returncode == 0, res.stderr
    assert parse_env(res.stdout)["NEXT_PUBLIC_STACK_API_URL"] == "http://localhost:8102"


def test_a_wrong_url_creates_nothing(server):
    before = server.list_projects()
    res = server.cli("project", "create", "--name", "env bad url", "--env",
                     "--public-url", "ftp://localhost:8102", "--database", server.database)
    assert res.returncode == 1
    assert res.stdout == ""
    assert "must be an http or https URL" in res.stderr
    assert server.list_projects() == before


def test_env_and_json_exclude_each_other(server):
    res = server.cli("project", "create", "--name", "both", "--env", "--json",
                     "--database", server.database)
    assert res.returncode != 0 and res.stdout == ""
    assert "excludes" in res.stderr


def test_only_the_env_lines_on_stdout_of_a_new_database(server, tmp_path):
    # On a new database the first start prints the internal project's keys
    # and logs; with --env they go to stderr, so `> .env.local` gets only the
    # app's lines.
    env = {k: v for k, v in _server_env().items()
           if not k.startswith("STACK_SEED_INTERNAL_PROJECT_")}
    res = subprocess.run([str(server.binary), "project", "create", "--name", "fresh", "--env",
                          "--database", str(tmp_path / "fresh.db")], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res.stderr
    parse_env(res.stdout)
    assert "Internal project keys" in res.stderr
    assert "STACK_SEED_INTERNAL_PROJECT_SUPER_SECRET_ADMIN_KEY=" in res.stderr
