"""Secrets at rest (issue 19, README "Security"): the SQLite database and its
-wal/-shm files are private to the server's user, and the server secret may
come from a file instead of the database. SQLite only: these are files."""
from __future__ import annotations

import os
import sqlite3
import stat
import subprocess

import pytest

from auth_helpers import sign_up
from conftest import Server, _binary
from latchkey_e2e import Client

pytestmark = pytest.mark.skipif(
    os.environ.get("LATCHKEY_TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="file modes concern the SQLite store")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def start(workdir, database, *args, env=None) -> Server:
    srv = Server(_binary(), workdir, str(database), extra_args=args)
    if env is not None:
        srv.env = env(srv.env)
    srv.start()
    return srv


def signs_up(srv: Server) -> None:
    # A write, so that SQLite has its -wal and -shm files.
    r = sign_up(Client(srv.base_url))
    assert r.status_code == 200, r.text


def test_a_new_database_and_its_wal_and_shm_are_private(tmp_path):
    old = os.umask(0o022)  # the usual umask, which leaves 0644 files
    try:
        srv = start(tmp_path, tmp_path / "new.db")
    finally:
        os.umask(old)
    try:
        signs_up(srv)
        for suffix in ("", "-wal", "-shm"):
            path = tmp_path / f"new.db{suffix}"
            assert path.exists(), path
            assert mode(path) == 0o600, f"{path}: {oct(mode(path))}"
    finally:
        assert srv.stop() == 0


def test_an_existing_readable_database_is_tightened_with_a_warning(tmp_path):
    database = tmp_path / "old.db"
    sqlite3.connect(database).close()
    os.chmod(database, 0o644)
    srv = start(tmp_path, database)
    try:
        assert mode(database) == 0o600
        assert "readable by other users (mode 644); it is now 600" in srv.logs()
        signs_up(srv)
        assert mode(f"{database}-wal") == 0o600
    finally:
        assert srv.stop() == 0


def test_server_secret_from_a_file_is_not_kept_in_the_database(tmp_path):
    secret_file = tmp_path / "server-secret"
    secret_file.write_text("bWFkZS11cC1zZXJ2ZXItc2VjcmV0LWZvci10aGUtdGVzdA\n")
    secret_file.chmod(0o644)

    def without_env_secret(env):
        return {k: v for k, v in env.items() if k != "STACK_SERVER_SECRET"}

    database = tmp_path / "secret.db"
    srv = start(tmp_path, database, "--server-secret-file", str(secret_file), env=without_env_secret)
    try:
        signs_up(srv)
        assert "the server secret file" in srv.logs() and "readable by other users" in srv.logs()
    finally:
        assert srv.stop() == 0
    rows = sqlite3.connect(database).execute(
        "SELECT count(*) FROM settings WHERE key = 'server_secret'").fetchone()
    assert rows == (0,)

    # Without the file (or STACK_SERVER_SECRET) one is generated and kept.
    other = tmp_path / "generated.db"
    srv = start(tmp_path, other, env=without_env_secret)
    assert srv.stop() == 0
    rows = sqlite3.connect(other).execute(
        "SELECT count(*) FROM settings WHERE key = 'server_secret'").fetchone()
    assert rows == (1,)


@pytest.mark.parametrize("content", ["", "not base64url!", "c2hvcnQ"])
def test_a_bad_server_secret_file_stops_the_start(tmp_path, content):
    secret_file = tmp_path / "bad-secret"
    secret_file.write_text(content)
    res = subprocess.run(
        [str(_binary()), "serve", "--port", "0", "--database", str(tmp_path / "x.db"),
         "--server-secret-file", str(secret_file)],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert res.returncode != 0
    assert "--server-secret-file" in res.stdout + res.stderr
    assert "base64url secret of at least 16 bytes" in res.stdout + res.stderr
