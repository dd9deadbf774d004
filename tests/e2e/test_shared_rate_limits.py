"""Throttles shared between instances and set per project (issue 19,
README "Security"):

- `--shared-rate-limits`: two instances on one PostgreSQL database enforce
  one limit together (without the flag each counts on its own), answer 429
  with Retry-After, and let the address try again once the window has
  passed; refused at start on SQLite.
- A project's own limits (`/internal/projects/current/rate-limits`, and the
  CLI `latchkey project rate-limits`) change when the 429 comes for that
  project only; bounds are checked; Stack's project shape does not show them.
"""
from __future__ import annotations

import os
import subprocess
import time
import uuid

import pytest

from auth_helpers import ADMIN_PROJECT, PASSWORD, sign_in, sign_up
from conftest import _binary, _free_port, is_postgres_url, servers_on_one_database
from latchkey_e2e import Client, Project, assert_schema_error_contains
from test_rate_limits import assert_limited

V1 = "/api/v1"
LIMITS = f"{V1}/internal/projects/current/rate-limits"
WINDOW_MS = 60_000
SMALL_LIMITS = ("--trusted-proxies", "127.0.0.1",
                "--limit-sign-in-failures-per-account-ip", "3/1min",
                "--limit-sign-ups-per-ip", "3/1min")
SHARED = ("--shared-rate-limits",)
on_postgres = pytest.mark.skipif(
    not is_postgres_url(os.environ.get("LATCHKEY_TEST_DATABASE_URL", "")),
    reason="instances share counts through PostgreSQL only")


def new_email() -> str:
    return f"shared-{uuid.uuid4().hex[:12]}@example.com"


def clients_with_project(servers):
    """A client per server, all knowing one new project's keys."""
    out = servers[0].create_project(f"limits {uuid.uuid4().hex[:8]}")
    project = Project(out["id"], out["display_name"], {
        "client": out["publishable_client_key"], "server": out["secret_server_key"],
        "admin": out["super_secret_admin_key"]})
    clients = [Client(s.base_url) for s in servers]
    for c in clients:
        c.projects[project.id] = project
    return clients, project


@on_postgres
def test_two_instances_share_the_failed_sign_in_limit_and_it_ends(tmp_path):
    with servers_on_one_database(tmp_path, SMALL_LIMITS + SHARED, SMALL_LIMITS + SHARED) as srvs:
        (a, b), project = clients_with_project(srvs)
        email = new_email()
        assert sign_up(a, project, email, x_forwarded_for="198.51.100.1").status_code == 200
        ip = "198.51.100.2"
        for client in (a, b, a):
            r = sign_in(client, project, email, "wrong password", x_forwarded_for=ip)
            assert r.json()["code"] == "EMAIL_PASSWORD_MISMATCH", r.text
        # The fourth attempt is refused by either instance, even the right password.
        assert_limited(sign_in(b, project, email, PASSWORD, x_forwarded_for=ip), 2 * WINDOW_MS // 1000)
        wait = assert_limited(sign_in(a, project, email, PASSWORD, x_forwarded_for=ip),
                              2 * WINDOW_MS // 1000)
        # The owner elsewhere is not held back.
        assert sign_in(b, project, email, PASSWORD, x_forwarded_for="198.51.100.3").status_code == 200
        # Both instances' clocks move past the wait: the address may try again.
        for client in (a, b):
            client.advance_clock(wait * 1000)
        assert sign_in(b, project, email, PASSWORD, x_forwarded_for=ip).status_code == 200


@on_postgres
def test_two_instances_share_sign_ups_per_address(tmp_path):
    with servers_on_one_database(tmp_path, SMALL_LIMITS + SHARED, SMALL_LIMITS + SHARED) as srvs:
        (a, b), project = clients_with_project(srvs)
        ip = "198.51.100.9"
        for client in (a, b, b):
            assert sign_up(client, project, new_email(), x_forwarded_for=ip).status_code == 200
        assert_limited(sign_up(a, project, new_email(), x_forwarded_for=ip), 2 * WINDOW_MS // 1000)


@on_postgres
def test_without_the_flag_each_instance_counts_on_its_own(tmp_path):
    with servers_on_one_database(tmp_path, SMALL_LIMITS, SMALL_LIMITS) as srvs:
        (a, b), project = clients_with_project(srvs)
        ip = "198.51.100.10"
        # Two on each: four in all, over the limit of 3, yet each instance saw two.
        for client in (a, b, a, b):
            assert sign_up(client, project, new_email(), x_forwarded_for=ip).status_code == 200


def test_shared_limits_are_refused_on_sqlite(tmp_path):
    res = subprocess.run(
        [str(_binary()), "serve", "--shared-rate-limits", "--port", str(_free_port()),
         "--database", str(tmp_path / "x.db")],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert res.returncode != 0
    assert "--shared-rate-limits needs a PostgreSQL database" in res.stderr + res.stdout


# --- per-project limits ------------------------------------------------------------


def test_a_projects_own_limit_changes_when_the_429_comes(server, api, make_project):
    project, other = make_project(), make_project()
    r = api.patch(LIMITS, headers=api.headers("admin", project),
                  json={"sign_in_failures_per_account_ip": "2/1min"})
    assert r.status_code == 200, r.text
    view = r.json()["sign_in_failures_per_account_ip"]
    assert view == {"effective": "2/1min", "server_default": "10/15min",
                    "project_override": "2/1min"}
    assert api.get(LIMITS, headers=api.headers("admin", project)).json()[
        "sign_in_failures_per_account_ip"] == view
    for p in (project, other):
        email = new_email()
        assert sign_up(api, p, email).status_code == 200
        for _ in range(2):
            assert sign_in(api, p, email, "wrong password").status_code == 400
        third = sign_in(api, p, email, "wrong password")
        if p is project:
            assert_limited(third)  # the project's 2, not the server's 10
        else:
            assert third.status_code == 400, third.text
    # null goes back to the server's flag.
    r = api.patch(LIMITS, headers=api.headers("admin", project),
                  json={"sign_in_failures_per_account_ip": None})
    assert r.json()["sign_in_failures_per_account_ip"] == {
        "effective": "10/15min", "server_default": "10/15min", "project_override": None}


def test_project_limits_are_bounded_and_stay_out_of_stacks_shapes(server, api, make_project):
    project = make_project()
    h = api.headers("admin", project)
    for value in ("0", "0/1min", "1000001/1h", "5/25h", "five", 5):
        r = api.patch(LIMITS, headers=h, json={"emails_per_address": value})
        assert_schema_error_contains(r, "PATCH", LIMITS)
    r = api.patch(LIMITS, headers=h, json={"code_sends_per_ip": "5/1min"})
    assert "code_sends_per_ip is server-wide" in assert_schema_error_contains(r, "PATCH", LIMITS)
    r = api.patch(LIMITS, headers=h, json={"no_such_limit": "5/1min"})
    assert_schema_error_contains(r, "PATCH", LIMITS)
    for access in ("client", "server"):
        r = api.get(LIMITS, headers=api.headers(access, project))
        assert r.status_code == 401 or r.status_code == 403, r.text
    assert api.patch(LIMITS, headers=h, json={"emails_per_address": "3/1h"}).status_code == 200
    shown = api.get(ADMIN_PROJECT, headers=h).json()
    assert "latchkey_rate_limits" not in shown["config"]
    # A Stack-shaped PATCH of the project keeps the project's limits.
    assert api.patch(ADMIN_PROJECT, headers=h, json={"config": {"sign_up_enabled": True}}).status_code == 200
    assert api.get(LIMITS, headers=h).json()["emails_per_address"]["project_override"] == "3/1h"


def test_cli_sets_and_shows_a_projects_limits(server, api, make_project):
    project = make_project()
    res = server.cli("project", "rate-limits", project.id, "sign_ups_per_ip=50/1h",
                     "totp_failures_per_user=5/30min", "--database", server.database)
    assert res.returncode == 0, res.stderr
    assert "sign_ups_per_ip  50/1h" in res.stdout
    assert "totp_failures_per_user  5/30min" in res.stdout
    assert "emails_per_address  server default (latchkey serve --limit-emails-per-address)" in res.stdout
    deadline = time.monotonic() + 10  # the server may serve the project from a short-lived cache
    while True:
        shown = api.get(LIMITS, headers=api.headers("admin", project)).json()
        if shown["sign_ups_per_ip"]["project_override"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert shown["sign_ups_per_ip"]["project_override"] == "50/1h"
    assert shown["totp_failures_per_user"]["effective"] == "5/30min"
    res = server.cli("project", "rate-limits", project.id, "sign_ups_per_ip=default",
                     "--database", server.database)
    assert res.returncode == 0 and "sign_ups_per_ip  server default" in res.stdout
    for bad in ("code_sends_per_ip=5/1min", "sign_ups_per_ip=0", "nonsense"):
        res = server.cli("project", "rate-limits", project.id, bad, "--database", server.database)
        assert res.returncode == 1 and res.stderr.startswith("latchkey: "), (bad, res.stderr)
