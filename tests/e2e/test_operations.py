"""Operations (issue 21, README "Operations"): Prometheus metrics on their own
listener, the readiness check, and the online backup of a SQLite database
with its restore drill."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from auth_helpers import ME, PASSWORD, sign_in, sign_up, signed_up
from conftest import REPO_ROOT, Server, _binary, fresh_database, is_postgres_url
from latchkey_e2e import INTERNAL_PROJECT, Client

DATABASE_URL = os.environ.get("LATCHKEY_TEST_DATABASE_URL", "")
PG_DIR = os.environ.get("LATCHKEY_PG_DIR", "")
ON_POSTGRES = is_postgres_url(DATABASE_URL)


def metrics_url(srv: Server) -> str:
    m = re.search(r"metrics on (http://[0-9.]+:\d+/metrics)", srv.stdout_path.read_text())
    assert m, srv.logs()
    return m.group(1)


def scrape(url: str) -> dict:
    """{'name{labels}': value} of one scrape; checks the text format's shape."""
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in r.text.splitlines():
        if line.startswith("#"):
            assert re.match(r"# (HELP|TYPE) [a-z_]+ ", line), line
            continue
        key, value = line.rsplit(" ", 1)
        assert key not in samples, f"duplicate sample {key}"
        samples[key] = float(value)
    return samples


def value(samples: dict, name: str, **labels) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    total = 0.0
    for key, v in samples.items():
        if key.split("{", 1)[0] != name:
            continue
        if all(f'{k}="{val}"' in key for k, val in labels.items()):
            total += v
    return total


@pytest.fixture
def metered(tmp_path):
    srv = Server(_binary(), tmp_path, str(tmp_path / "metered.db"),
                 extra_args=("--metrics-port", "0"))
    srv.start()
    try:
        yield srv
    finally:
        assert srv.stop() == 0


def test_metrics_move_while_requests_run(metered):
    url = metrics_url(metered)
    assert url.startswith("http://127.0.0.1:"), "the metrics listener is on loopback by default"
    api = Client(metered.base_url)
    before = scrape(url)

    user = signed_up(api)
    assert sign_in(api, INTERNAL_PROJECT, user["email"]).status_code == 200
    assert sign_in(api, INTERNAL_PROJECT, user["email"], "wrong password").status_code == 400
    server_headers = api.headers("server", INTERNAL_PROJECT)
    for _ in range(5):
        r = api.get(f"/api/v1/users/{user['user_id']}", headers=server_headers)
        assert r.status_code == 200, r.text
    assert api.get(f"/api/v1/users/{uuid.uuid4()}", headers=server_headers).status_code == 404

    # Scrapes while requests are running: counts only grow.
    stop = threading.Event()
    scrapes = []

    def scraper():
        while not stop.is_set():
            scrapes.append(value(scrape(url), "latchkey_http_requests_total"))

    t = threading.Thread(target=scraper)
    t.start()
    headers = api.headers("client", INTERNAL_PROJECT, access_token=user["access_token"])
    for _ in range(200):
        assert api.get(ME, headers=headers).status_code == 200
    stop.set()
    t.join()
    assert len(scrapes) >= 2
    assert scrapes == sorted(scrapes), "a counter went down between scrapes"
    assert scrapes[-1] > scrapes[0], "no request was counted while scraping"

    after = scrape(url)
    route = "/users/{user_id}"
    assert value(after, "latchkey_http_requests_total", route=route, method="GET", status="200") \
        - value(before, "latchkey_http_requests_total", route=route, method="GET", status="200") == 5
    assert value(after, "latchkey_http_requests_total", route=route, status="404") >= 1
    assert value(after, "latchkey_http_requests_total", route="/users/me") >= 200
    assert not any(user["user_id"] in key for key in after), "a raw path became a label"
    assert value(after, "latchkey_http_request_duration_seconds_count", route=route) >= 6
    assert value(after, "latchkey_sign_ins_total", method="password", outcome="success") >= 1
    assert value(after, "latchkey_sign_ins_total", method="password", outcome="failure") >= 1
    assert value(after, "latchkey_sign_ups_total", method="password", outcome="success") >= 1
    assert value(after, "latchkey_password_hash_seconds_count", op="hash") >= 1
    assert value(after, "latchkey_password_hash_seconds_count", op="verify") >= 2
    assert "latchkey_password_hash_queue_depth" in after
    assert value(after, "latchkey_cache_lookups_total", cache="user", result="hit") > 0
    assert value(after, "latchkey_db_pool_wait_seconds_count") > 0
    assert "latchkey_db_connections_in_use" in after
    assert value(after, "latchkey_worker_queue_depth", pool="long") == 0
    assert "latchkey_http_requests_in_flight" in after
    assert value(after, "latchkey_http_open_connections") >= 0
    assert value(after, "process_resident_memory_bytes") > 1_000_000
    assert value(after, "process_open_fds") > 3


def test_metrics_are_not_on_the_api_listener_and_only_at_metrics(metered):
    url = metrics_url(metered)
    assert requests.get(metered.base_url + "/metrics", timeout=10).status_code == 404
    assert requests.get(url.replace("/metrics", "/other"), timeout=10).status_code == 404
    assert requests.post(url, timeout=10).status_code == 405


def test_no_metrics_listener_unless_asked(tmp_path):
    srv = Server(_binary(), tmp_path, str(tmp_path / "plain.db"))
    srv.start()
    try:
        assert "metrics on" not in srv.stdout_path.read_text()
    finally:
        assert srv.stop() == 0


# --- readiness -----------------------------------------------------------------


def test_readiness_asks_the_database(server):
    r = requests.get(server.base_url + "/health/ready", timeout=10)
    assert r.status_code == 200, r.text
    assert r.json() == {"ok": True, "database": "ok"}


def pg(command: str) -> None:
    res = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "pg.sh"), command],
                         env={**os.environ, "LATCHKEY_PG_DIR": PG_DIR},
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, f"pg.sh {command} failed:\n{res.stdout}\n{res.stderr}"


@pytest.mark.skipif(not (ON_POSTGRES and PG_DIR and Path(PG_DIR, "data").is_dir()),
                    reason="needs a throw-away PostgreSQL cluster it may stop (LATCHKEY_PG_DIR)")
def test_readiness_fails_while_postgres_is_down(tmp_path):
    with fresh_database(DATABASE_URL) as database:
        srv = Server(_binary(), tmp_path, database)
        srv.start()
        try:
            assert requests.get(srv.base_url + "/health/ready", timeout=10).status_code == 200
            pg("halt")
            try:
                r = requests.get(srv.base_url + "/health/ready", timeout=30)
                assert r.status_code == 503, r.text
                assert r.json() == {"ok": False, "database": "unreachable"}
                assert r.headers.get("Retry-After") == "1"
                # Liveness stays up: the process itself is fine.
                assert requests.get(srv.base_url + "/health", timeout=10).status_code == 200
            finally:
                pg("resume")
            deadline = time.monotonic() + 60
            while True:
                r = requests.get(srv.base_url + "/health/ready", timeout=30)
                if r.status_code == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert r.status_code == 200, r.text
        finally:
            try:
                pg("status")
            except AssertionError:
                pg("resume")
            srv.stop(check=False)


# --- backup and restore ----------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(_binary()), *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, stdin=subprocess.DEVNULL)


def test_backup_under_write_load_then_restore_and_sign_in(tmp_path):
    live = tmp_path / "live.db"
    srv = Server(_binary(), tmp_path, str(live))
    srv.start()
    api = Client(srv.base_url)
    before = signed_up(api)  # the user the drill signs in with after the restore

    stop = threading.Event()
    written = []
    errors = []

    def writer():
        c = Client(srv.base_url)
        while not stop.is_set():
            r = sign_up(c)
            if r.status_code == 200:
                written.append(r.json()["user_id"])
            else:
                errors.append(r.text)
            headers = c.headers("client", INTERNAL_PROJECT, access_token=before["access_token"])
            r = c.patch(ME, headers=headers, json={"client_metadata": {"n": len(written)}})
            if r.status_code != 200:
                errors.append(r.text)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        while len(written) < 5:
            time.sleep(0.05)
        copy = tmp_path / "backup.db"
        res = run_cli("backup", "--database", str(live), str(copy), cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert "integrity check ok" in res.stdout
        time.sleep(0.3)  # writes go on after the copy
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors[:3]
    assert srv.stop() == 0

    assert oct(os.stat(copy).st_mode & 0o777) == oct(0o600), "the copy holds every secret"
    assert not Path(f"{copy}-wal").exists(), "the copy is one self-contained file"
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        in_copy = {row[0] for row in db.execute("SELECT id FROM users")}
    with sqlite3.connect(live) as db:
        in_live = {row[0] for row in db.execute("SELECT id FROM users")}
    assert before["user_id"] in in_copy
    assert in_copy < in_live, "the copy is a snapshot: users written after it are not in it"

    # The restore drill (README "Operations"): the server stopped, the copy
    # put in place of the database, the server started on it.
    restored = tmp_path / "restored" / "latchkey.db"
    restored.parent.mkdir()
    shutil.copy2(copy, restored)
    again = Server(_binary(), restored.parent, str(restored))
    again.start()
    try:
        r = sign_in(Client(again.base_url), INTERNAL_PROJECT, before["email"], PASSWORD)
        assert r.status_code == 200, r.text
        assert r.json()["user_id"] == before["user_id"]
    finally:
        assert again.stop() == 0


def test_backup_refuses_to_overwrite_and_names_pg_dump_for_postgres(tmp_path):
    live = tmp_path / "small.db"
    res = run_cli("migrate", "--database", str(live), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    existing = tmp_path / "existing.db"
    existing.write_text("keep me")
    res = run_cli("backup", "--database", str(live), str(existing), cwd=tmp_path)
    assert res.returncode == 1
    assert "never overwrites" in res.stderr
    assert existing.read_text() == "keep me"
    res = run_cli("backup", "--database", "postgresql://u@127.0.0.1:1/db", str(tmp_path / "x"),
                  cwd=tmp_path)
    assert res.returncode == 1
    assert "pg_dump" in res.stderr
    res = run_cli("backup", "--database", str(tmp_path / "missing.db"), str(tmp_path / "y"),
                  cwd=tmp_path)
    assert res.returncode == 1
    assert "no database file" in res.stderr
    assert not (tmp_path / "y").exists()
