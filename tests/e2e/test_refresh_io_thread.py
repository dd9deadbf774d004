"""Refreshes on the I/O thread (PostgreSQL): POST /auth/sessions/current/refresh
and the refresh grant of POST /auth/oauth/token read their session through
the I/O thread's own non-blocking connection, so they are answered while
every worker is busy; they refuse a signed-out, unknown or foreign refresh
token the same way on that path; and while PostgreSQL restarts they answer
200 or a clear 503 (through a worker's read, when the I/O thread's fails),
never a 500 and never a hang, then recover without restarting Latchkey.

PostgreSQL only: skipped unless LATCHKEY_TEST_DATABASE_URL is a postgres://
URL (scripts/test.sh sets it on its PostgreSQL pass). On SQLite a refresh
runs on a worker by design. The restart test also needs LATCHKEY_PG_DIR,
like test_pg_restart.py.
"""
from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from auth_helpers import CURRENT, OAUTH_TOKEN, REFRESH, assert_refresh_token_error, decode_claims, signed_up
from conftest import Server, _binary, fresh_database, is_postgres_url
from latchkey_e2e import Client, Project, assert_json
from test_pg_restart import (PG_DIR, REQUEST_TIMEOUT_S, UNAVAILABLE, assert_unavailable,
                             leave_cluster_running, pg)

DATABASE_URL = os.environ.get("LATCHKEY_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not is_postgres_url(DATABASE_URL),
    reason="refreshes read on the I/O thread only with PostgreSQL: set LATCHKEY_TEST_DATABASE_URL "
           "to a postgresql:// URL (scripts/test.sh does on its PostgreSQL pass)")
restartable_cluster = pytest.mark.skipif(
    not (PG_DIR and Path(PG_DIR, "data").is_dir()),
    reason="needs a throw-away PostgreSQL cluster it may restart: LATCHKEY_PG_DIR from "
           "scripts/pg.sh (scripts/test.sh sets it)")

SLEEP = "/latchkey-test/sleep"
# How long the only worker stays busy: far longer than a loopback refresh
# takes, so that an answer before the sleep's own means "not on a worker".
BUSY_MILLIS = 4000
# A loopback request reaches the server in well under a millisecond; this
# margin only absorbs scheduling hiccups, so that the sleep holds the worker
# before the requests under test are sent (nothing reports the worker's
# state, so there is nothing to poll).
SETTLE_S = 0.3
# After a failed connection attempt an I/O thread's reader fails its reads
# at once for a second (its retry interval) before it connects again.
READER_RETRY_S = 1.2
RECOVERY_DEADLINE_S = 10
FLOW_THREADS = 4
FLOW_MAX_REQUESTS = 2000  # per thread: a bound, never reached in a normal run


class BusyWorker:
    """Keeps the server's only quick worker busy with a test-mode sleep, and
    queues a probe (a 0 ms sleep, which needs a worker too) behind it. While
    neither has its answer, the worker is taken: whatever is answered
    meanwhile was answered without one."""

    def __init__(self, api: Client):
        self.api = api
        self.answers: dict = {}
        self.threads: list = []

    def _send(self, name: str, millis: int) -> None:
        def run() -> None:
            try:
                self.answers[name] = self.api.post(SLEEP, json={"millis": millis}, timeout=REQUEST_TIMEOUT_S)
            except requests.RequestException as e:
                self.answers[name] = e

        t = threading.Thread(target=run, daemon=True)
        t.start()
        self.threads.append(t)

    def __enter__(self) -> "BusyWorker":
        self._send("sleep", BUSY_MILLIS)
        time.sleep(SETTLE_S)
        self._send("probe", 0)
        return self

    def assert_still_busy(self, what: str) -> None:
        assert not self.answers, (
            f"{what} was answered only after the worker was free again: it waited for a worker")

    def __exit__(self, exc_type, exc, tb) -> None:
        for t in self.threads:
            t.join(timeout=REQUEST_TIMEOUT_S * 2)
        if exc_type is None:
            for name, r in self.answers.items():
                assert isinstance(r, requests.Response) and r.status_code == 200, (name, r)
            assert set(self.answers) == {"sleep", "probe"}, self.answers


def start_server(tmp_path: Path, database: str) -> Server:
    # One worker, so that one sleep takes them all. Project and key reads
    # are served from the read cache, or the request takes a worker to load
    # them, so the cache lives longer than the worker is kept busy (and than
    # the database outage): only the session read is left to the I/O thread,
    # which is what these tests are about. Activity batches (every 250 ms,
    # written by the refreshes themselves) leave cached projects and keys
    # valid.
    srv = Server(_binary(), tmp_path, database, extra_args=(
        "--worker-threads", "1", "--cache-ttl-ms", "60000"))
    srv.start()
    return srv


@pytest.fixture
def one_worker(tmp_path):
    """A server of its own per test."""
    with fresh_database(DATABASE_URL) as database:
        srv = start_server(tmp_path, database)
        try:
            yield srv
        finally:
            srv.stop(check=False)


def new_project(srv: Server, api: Client, name: str) -> Project:
    out = srv.create_project(f"{name} {uuid.uuid4().hex[:6]}")
    project = Project(out["id"], out["display_name"], {
        "client": out["publishable_client_key"], "server": out["secret_server_key"]})
    api.projects[project.id] = project
    return project


def refresh(api: Client, project: Project, refresh_token: str) -> requests.Response:
    return api.post(REFRESH, headers=api.headers("client", project, refresh_token=refresh_token),
                    timeout=REQUEST_TIMEOUT_S)


def oauth_refresh(api: Client, project: Project, refresh_token: str) -> requests.Response:
    return api.post(OAUTH_TOKEN, data={"grant_type": "refresh_token", "client_id": project.id,
                                       "client_secret": project.keys["client"],
                                       "refresh_token": refresh_token}, timeout=REQUEST_TIMEOUT_S)


def assert_access_token(r: requests.Response, project: Project, user: dict) -> None:
    claims = decode_claims(assert_json(r)["access_token"])
    assert claims["sub"] == user["user_id"] and claims["aud"] == project.id, claims
    assert claims["refreshTokenId"] == decode_claims(user["access_token"])["refreshTokenId"], claims


def warm_cache(api: Client, project: Project, refresh_token: str) -> None:
    """One refresh of each kind: loads the project and its key into the read
    cache (on the worker, while it is free)."""
    refresh(api, project, refresh_token)
    oauth_refresh(api, project, refresh_token)


def test_refresh_does_not_wait_for_a_worker(one_worker):
    api = Client(one_worker.base_url)
    project = new_project(one_worker, api, "io-thread refresh")
    # Sign-up runs on the long-worker pool; done before the worker is taken.
    user = signed_up(api, project)
    warm_cache(api, project, user["refresh_token"])

    with BusyWorker(api) as busy:
        by_header = refresh(api, project, user["refresh_token"])
        by_grant = oauth_refresh(api, project, user["refresh_token"])
        busy.assert_still_busy("a refresh")
    assert_access_token(by_header, project, user)
    assert_access_token(by_grant, project, user)
    assert by_grant.json()["token_type"] == "Bearer"


def test_refresh_refuses_signed_out_unknown_and_foreign_tokens_on_the_io_thread(one_worker):
    api = Client(one_worker.base_url)
    project = new_project(one_worker, api, "io-thread sign-out")
    other_project = new_project(one_worker, api, "io-thread other")
    user = signed_up(api, project)
    foreign = signed_up(api, other_project)
    assert_json(refresh(api, project, user["refresh_token"]))
    h = api.headers("client", project, access_token=user["access_token"], refresh_token=user["refresh_token"])
    assert assert_json(api.delete(CURRENT, headers=h)) == {"success": True}
    # Refused at once: sessions are never cached.
    assert_refresh_token_error(refresh(api, project, user["refresh_token"]))
    warm_cache(api, project, user["refresh_token"])

    unknown = "0" * 45
    with BusyWorker(api) as busy:
        answers = [refresh(api, project, token) for token in
                   (user["refresh_token"], unknown, foreign["refresh_token"])]
        answers += [oauth_refresh(api, project, token) for token in
                    (user["refresh_token"], unknown, foreign["refresh_token"])]
        busy.assert_still_busy("a refused refresh")
    for r in answers:
        assert_refresh_token_error(r)
    # The foreign token is refused for this project only.
    assert_access_token(refresh(api, other_project, foreign["refresh_token"]), other_project, foreign)


@pytest.fixture
def restartable(one_worker):
    try:
        yield one_worker
    finally:
        leave_cluster_running()


@restartable_cluster
def test_refreshes_while_postgres_restarts(restartable):
    srv = restartable
    api = Client(srv.base_url)
    project = new_project(srv, api, "io-thread restart")
    user = signed_up(api, project)
    token = user["refresh_token"]
    warm_cache(api, project, token)

    # Refreshes flowing the whole time, of both kinds.
    stop = threading.Event()
    statuses: list = []
    failures: list = []

    def flow(kind: int) -> None:
        for _ in range(FLOW_MAX_REQUESTS):
            if stop.is_set():
                return
            try:
                if kind % 2:
                    r = oauth_refresh(api, project, token)
                else:
                    r = refresh(api, project, token)
            except requests.RequestException as e:  # a hang or a dropped connection
                failures.append(repr(e))
                continue
            statuses.append(r.status_code)
            if r.status_code == 200:
                try:
                    assert_access_token(r, project, user)
                except AssertionError as e:
                    failures.append(f"200 without a valid access token: {e}")
            elif r.status_code == 503:
                if (r.text != UNAVAILABLE or r.headers.get("Retry-After") != "1"
                        or "x-stack-known-error" in r.headers):
                    failures.append(f"503 without the clear body: {r.text!r} {r.headers}")
            else:
                failures.append(f"{r.status_code}: {r.text!r}")
            time.sleep(0.01)

    flows = [threading.Thread(target=flow, args=(i,), daemon=True) for i in range(FLOW_THREADS)]
    for t in flows:
        t.start()
    try:
        time.sleep(0.5)
        pg("halt")
        for _ in range(3):
            assert_unavailable(refresh(api, project, token))
            assert_unavailable(oauth_refresh(api, project, token))
        pg("resume")

        # Recovery without restarting Latchkey.
        deadline = time.monotonic() + RECOVERY_DEADLINE_S
        while True:
            r = refresh(api, project, token)
            if r.status_code == 200:
                break
            assert_unavailable(r)
            assert time.monotonic() < deadline, "no recovery after PostgreSQL came back"
            time.sleep(0.2)
        time.sleep(0.5)  # let the flow run on the recovered server too
    finally:
        stop.set()
        for t in flows:
            t.join(timeout=REQUEST_TIMEOUT_S * 2)

    assert srv.process is not None and srv.process.poll() is None, "latchkey exited"
    assert not any(t.is_alive() for t in flows), "a refresh never got its answer"
    assert not failures, failures[:5]
    assert 200 in statuses and 503 in statuses, sorted(set(statuses))

    # The I/O threads read again themselves, not only through a worker: once
    # past their retry interval, a refresh on each (connections go to the I/O
    # threads in turn) connects them again; then refreshes are answered while
    # the worker is busy.
    time.sleep(READER_RETRY_S)
    for _ in range(4):
        assert_access_token(refresh(api, project, token), project, user)
    with BusyWorker(api) as busy:
        by_header = refresh(api, project, token)
        by_grant = oauth_refresh(api, project, token)
        busy.assert_still_busy("a refresh after the restart")
    assert_access_token(by_header, project, user)
    assert_access_token(by_grant, project, user)
