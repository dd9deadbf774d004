"""Resilience: PostgreSQL restarted (pg_ctl stop -m fast, then start on the
same port) while requests are flowing. Requests during the outage fail fast
with a clear 503 and Retry-After; the server recovers by itself (same
process, no restart); nothing acknowledged before the restart is lost.

PostgreSQL only, and only with a throw-away cluster this test may restart:
LATCHKEY_TEST_DATABASE_URL must be a postgres:// URL and LATCHKEY_PG_DIR the
directory of the scripts/pg.sh cluster behind it (scripts/test.sh sets both).
"""
from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from auth_helpers import REFRESH, signed_up
from conftest import REPO_ROOT, Server, _binary, fresh_database, is_postgres_url
from latchkey_e2e import Client, Project, assert_json

DATABASE_URL = os.environ.get("LATCHKEY_TEST_DATABASE_URL", "")
PG_DIR = os.environ.get("LATCHKEY_PG_DIR", "")
pytestmark = pytest.mark.skipif(
    not (is_postgres_url(DATABASE_URL) and PG_DIR and Path(PG_DIR, "data").is_dir()),
    reason="needs a throw-away PostgreSQL cluster it may restart: LATCHKEY_TEST_DATABASE_URL "
           "(postgresql://) and LATCHKEY_PG_DIR from scripts/pg.sh (scripts/test.sh sets both)")

UNAVAILABLE = "The database is unavailable. Please try again shortly."
# Generous bounds that only catch hangs (a request stuck on a dead
# connection), never performance.
REQUEST_TIMEOUT_S = 30
RECOVERY_DEADLINE_S = 60


def pg(command: str) -> None:
    res = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "pg.sh"), command],
                         env={**os.environ, "LATCHKEY_PG_DIR": PG_DIR},
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, f"pg.sh {command} failed:\n{res.stdout}\n{res.stderr}"


def leave_cluster_running() -> None:
    """Never leave the cluster down for the tests that follow."""
    try:
        pg("status")
    except AssertionError:
        pg("resume")


def assert_unavailable(r: requests.Response) -> None:
    assert r.status_code == 503, (r.status_code, r.text)
    assert r.text == UNAVAILABLE
    assert r.headers.get("Retry-After") == "1"
    assert r.headers.get("x-stack-known-error") is None


@pytest.fixture
def instance(tmp_path):
    # Read cache off, so that every request below reaches the database.
    with fresh_database(DATABASE_URL) as database:
        srv = Server(_binary(), tmp_path, database, extra_args=("--cache-ttl-ms", "0"))
        srv.start()
        try:
            yield srv
        finally:
            leave_cluster_running()
            srv.stop(check=False)


def test_postgres_restart_under_load(instance):
    api = Client(instance.base_url)
    out = instance.create_project(f"restart {uuid.uuid4().hex[:6]}")
    project = Project(out["id"], out["display_name"], {
        "client": out["publishable_client_key"], "server": out["secret_server_key"]})
    api.projects[project.id] = project
    server_h = api.headers("server", project)

    # Acknowledged before the restart: users with sessions, and plain users.
    signed = [signed_up(api, project) for _ in range(3)]
    created = [assert_json(api.post("/api/v1/users", headers=server_h,
                                    json={"display_name": f"before-{i}"}), 201)["id"]
               for i in range(5)]

    # Requests flowing the whole time: user creations, acknowledged or not.
    stop = threading.Event()
    flow_created: list = []
    flow_statuses: list = []
    flow_failures: list = []

    def flow() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = api.post("/api/v1/users", headers=server_h, json={"display_name": f"flow-{i}"},
                             timeout=REQUEST_TIMEOUT_S)
            except requests.RequestException as e:  # a hang or a dropped connection
                flow_failures.append(repr(e))
                continue
            flow_statuses.append(r.status_code)
            if r.status_code == 201:
                flow_created.append(r.json()["id"])
            elif r.status_code == 503:
                if r.text != UNAVAILABLE or r.headers.get("Retry-After") != "1":
                    flow_failures.append(f"503 without the clear body: {r.text!r} {r.headers}")
            else:
                flow_failures.append(f"{r.status_code}: {r.text!r}")
            time.sleep(0.01)

    worker = threading.Thread(target=flow, daemon=True)
    worker.start()
    try:
        time.sleep(0.5)
        pg("halt")
        # The outage: each kind of database work answers 503 at once.
        for _ in range(3):
            assert_unavailable(api.post("/api/v1/users", headers=server_h, json={},
                                        timeout=REQUEST_TIMEOUT_S))
            assert_unavailable(api.get(f"/api/v1/users/{created[0]}", headers=server_h,
                                       timeout=REQUEST_TIMEOUT_S))
            assert_unavailable(api.post(REFRESH, headers=api.headers(
                "client", project, refresh_token=signed[0]["refresh_token"]),
                timeout=REQUEST_TIMEOUT_S))
        pg("resume")

        # Recovery without restarting Latchkey: the first success may need a
        # few tries while the pool replaces its dead connections.
        deadline = time.monotonic() + RECOVERY_DEADLINE_S
        while True:
            r = api.get(f"/api/v1/users/{created[0]}", headers=server_h, timeout=REQUEST_TIMEOUT_S)
            if r.status_code == 200:
                break
            assert r.status_code == 503, (r.status_code, r.text)
            assert time.monotonic() < deadline, "no recovery after PostgreSQL came back"
            time.sleep(0.2)
        time.sleep(0.5)  # let the flow run on the recovered server too
    finally:
        stop.set()
        worker.join(timeout=REQUEST_TIMEOUT_S * 2)

    assert instance.process is not None and instance.process.poll() is None, "latchkey exited"
    assert not flow_failures, flow_failures[:5]
    assert 201 in flow_statuses and 503 in flow_statuses, sorted(set(flow_statuses))

    # Every request now succeeds, and nothing acknowledged was lost.
    for _ in range(10):
        assert_json(api.get("/api/v1/users", headers=server_h, params={"limit": 1}))
    for user_id in created + flow_created:
        assert assert_json(api.get(f"/api/v1/users/{user_id}", headers=server_h))["id"] == user_id
    for user in signed:
        r = api.post(REFRESH, headers=api.headers("client", project,
                                                  refresh_token=user["refresh_token"]))
        assert assert_json(r)["access_token"]
