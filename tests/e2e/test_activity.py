"""Session and user activity written behind (spec/tokens.md §1.2, §7;
data-model.md §4): a token issuance updates `last_used_at` and
`last_active_at_millis` in memory; the instance shows them at once, writes
them in batches every --activity-flush-ms, and writes what is pending on
SIGTERM, so a clean restart loses nothing. --activity-flush-ms 0 writes them
inside the request.

Each test runs servers of its own on a fresh database of the suite's engine
(SQLite, or PostgreSQL when LATCHKEY_TEST_DATABASE_URL is a postgres:// URL)
and reads the rows directly to tell what was written when.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess

import pytest

from auth_helpers import ME, SESSIONS, decode_claims, refresh, signed_up
from conftest import Server, _binary, _server_env, fresh_database, is_postgres_url
from latchkey_e2e import INTERNAL_PROJECT, Client, assert_json

DATABASE_URL = os.environ.get("LATCHKEY_TEST_DATABASE_URL", "")
# Far longer than any test: nothing is written by the timer, only by
# SIGTERM (or by every request with 0).
NEVER_BY_ITSELF_MS = "60000"
PUBLIC_URL = "http://latchkey-activity.invalid"


@pytest.fixture
def database(tmp_path):
    if is_postgres_url(DATABASE_URL):
        with fresh_database(DATABASE_URL) as url:
            yield url
    else:
        yield str(tmp_path / "activity.db")


def start(tmp_path, database: str, name: str, flush_ms: str) -> Server:
    workdir = tmp_path / name
    workdir.mkdir()
    srv = Server(_binary(), workdir, database, extra_args=("--activity-flush-ms", flush_ms))
    # One token issuer across restarts, so that a token outlives its server.
    srv.public_url = PUBLIC_URL
    srv.start()
    return srv


def stored(database: str, session_id: str, user_id: str) -> tuple:
    """(sessions.last_used_at, sessions.last_used_ip, users.last_active_at)
    as the database holds them now."""
    session_sql = "SELECT last_used_at, last_used_ip FROM sessions WHERE id = {p}"
    user_sql = "SELECT last_active_at FROM users WHERE id = {p}"
    if is_postgres_url(database):
        import psycopg2
        with contextlib.closing(psycopg2.connect(database, connect_timeout=10)) as conn:
            with conn.cursor() as cur:
                cur.execute(session_sql.format(p="%s"), (session_id,))
                used_at, ip = cur.fetchone()
                cur.execute(user_sql.format(p="%s"), (user_id,))
                (active,) = cur.fetchone()
            conn.rollback()
    else:
        with contextlib.closing(sqlite3.connect(database, timeout=10)) as conn:
            used_at, ip = conn.execute(session_sql.format(p="?"), (session_id,)).fetchone()
            (active,) = conn.execute(user_sql.format(p="?"), (user_id,)).fetchone()
    return used_at, ip, active


def session_id_of(user: dict) -> str:
    return decode_claims(user["access_token"])["refreshTokenId"]


def session_seen(api: Client, user: dict, access_token: str) -> dict:
    sessions = assert_json(api.get(SESSIONS, headers=api.headers(
        "server", INTERNAL_PROJECT, access_token=access_token), params={"user_id": "me"}))["items"]
    (session,) = [s for s in sessions if s["id"] == session_id_of(user)]
    return session


def seen(api: Client, user: dict, access_token: str) -> tuple:
    """(last_used_at, last_active_at_millis) through the API. The address of
    the use is stored but not shown: Stack shows only geo data, which
    Latchkey does not look up."""
    session = session_seen(api, user, access_token)
    assert "last_used_at_end_user_ip_info" not in session, session
    me = assert_json(api.get(ME, headers=api.headers("server", INTERNAL_PROJECT,
                                                     access_token=access_token)))
    return session["last_used_at"], me["last_active_at_millis"]


def test_refresh_is_seen_at_once_written_behind_and_kept_across_a_clean_restart(tmp_path, database):
    first = start(tmp_path, database, "first", NEVER_BY_ITSELF_MS)
    try:
        api = Client(first.base_url)
        user = signed_up(api, INTERNAL_PROJECT)
        sid = session_id_of(user)
        # The sign-in's own use is not written yet either.
        assert stored(database, sid, user["user_id"])[0] is None
        api.advance_clock(60_000)
        access = assert_json(refresh(api, INTERNAL_PROJECT, user["refresh_token"]))["access_token"]

        # Through the same instance the refresh shows at once...
        used_at, active = seen(api, user, access)
        created_at = session_seen(api, user, access)["created_at"]
        assert used_at >= created_at + 60_000  # the refresh's use, not the sign-in's
        assert active == used_at
        # ...while the database has not been written to.
        assert stored(database, sid, user["user_id"])[0] is None
        assert stored(database, sid, user["user_id"])[2] < used_at

        # SIGTERM right after the refresh: drained, then written, then exit 0.
        assert first.stop() == 0
        assert stored(database, sid, user["user_id"]) == (used_at, "127.0.0.1", active)
    finally:
        first.stop(check=False)

    second = start(tmp_path, database, "second", NEVER_BY_ITSELF_MS)
    try:
        api = Client(second.base_url)
        assert seen(api, user, access) == (used_at, active)
    finally:
        assert second.stop() == 0


def test_zero_interval_writes_inside_the_request_and_survives_a_kill(tmp_path, database):
    srv = start(tmp_path, database, "sync", "0")
    try:
        api = Client(srv.base_url)
        user = signed_up(api, INTERNAL_PROJECT)
        sid = session_id_of(user)
        assert stored(database, sid, user["user_id"])[0] is not None  # the sign-in's use
        api.advance_clock(60_000)
        access = assert_json(refresh(api, INTERNAL_PROJECT, user["refresh_token"]))["access_token"]
        used_at, active = seen(api, user, access)
        assert stored(database, sid, user["user_id"]) == (used_at, "127.0.0.1", active)
        # Killed without a chance to write anything more: nothing was pending.
        srv.process.send_signal(signal.SIGKILL)
        srv.process.wait(timeout=20)
    finally:
        srv.stop(check=False)

    again = start(tmp_path, database, "again", "0")
    try:
        assert seen(Client(again.base_url), user, access) == (used_at, active)
    finally:
        assert again.stop() == 0


@pytest.mark.parametrize("value", ["-1", "60001", "soon", ""])
def test_bad_flush_interval_is_refused_at_start(tmp_path, value):
    res = subprocess.run([str(_binary()), "serve", "--database", str(tmp_path / "never.db"),
                          "--port", "0", "--activity-flush-ms", value],
                         env=_server_env(), cwd=tmp_path, capture_output=True, text=True,
                         timeout=30, stdin=subprocess.DEVNULL)
    assert res.returncode != 0
    assert "--activity-flush-ms" in res.stderr, res.stderr
    assert "listening" not in res.stdout
    assert not (tmp_path / "never.db").exists()  # refused before opening anything


def test_help_documents_the_flag():
    res = subprocess.run([str(_binary()), "serve", "--help"], capture_output=True, text=True,
                         timeout=30, stdin=subprocess.DEVNULL)
    assert res.returncode == 0
    assert "--activity-flush-ms" in res.stdout
    assert "250" in res.stdout.split("--activity-flush-ms", 1)[1].split("\n  -", 1)[0]
