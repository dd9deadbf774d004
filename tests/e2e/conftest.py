"""Starts one Latchkey server for the whole e2e session.

Binary: $LATCHKEY_BIN (the binary, or a build directory containing
`latchkey`), else <repo>/build/latchkey.
Database: $LATCHKEY_TEST_DATABASE_URL when set (a PostgreSQL server URL: the
same suite then runs against that store, on a fresh database created for
each server start and dropped afterwards), else a fresh SQLite file in a
temporary directory. The CLI (`latchkey project create`) is pointed at the
same database.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import uuid
import urllib.parse
from pathlib import Path

import pytest
import requests

from latchkey_e2e import INTERNAL_KEYS, INTERNAL_PROJECT, SERVER_SECRET, Client, Project

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 15
SHUTDOWN_TIMEOUT_S = 20


def _binary() -> Path:
    configured = os.environ.get("LATCHKEY_BIN")
    if configured:
        path = Path(configured)
        if path.is_dir():
            path = path / "latchkey"
    else:
        path = REPO_ROOT / "build" / "latchkey"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"latchkey binary not found at {path} (build it, or set LATCHKEY_BIN)", pytrace=False)
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env() -> dict:
    # Start from the caller's environment minus anything that configures a
    # Stack backend, so the server sees exactly the test configuration.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STACK_", "NEXT_PUBLIC_STACK_"))}
    env.update({
        "STACK_SERVER_SECRET": SERVER_SECRET,
        "STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY": INTERNAL_KEYS["client"],
        "STACK_SEED_INTERNAL_PROJECT_SECRET_SERVER_KEY": INTERNAL_KEYS["server"],
        "STACK_SEED_INTERNAL_PROJECT_SUPER_SECRET_ADMIN_KEY": INTERNAL_KEYS["admin"],
        "STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED": "true",
        "STACK_SEED_INTERNAL_PROJECT_OTP_ENABLED": "true",
        "STACK_SEED_INTERNAL_PROJECT_ALLOW_LOCALHOST": "true",
        "STACK_SEED_INTERNAL_PROJECT_OAUTH_PROVIDERS": "github,spotify,google,microsoft",
        "STACK_ACCESS_TOKEN_EXPIRATION_TIME": "10min",
    })
    return env


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgres://", "postgresql://"))


@contextlib.contextmanager
def fresh_database(server_url: str):
    """Yields the URL of a new, empty database on the PostgreSQL server of
    `server_url` (whose own database is only used to connect); drops it
    afterwards."""
    import psycopg2  # Debian's python3-psycopg2; needed only for PostgreSQL runs

    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = psycopg2.connect(server_url, connect_timeout=10)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        parts = urllib.parse.urlsplit(server_url)
        yield urllib.parse.urlunsplit(parts._replace(path="/" + name))
    finally:
        try:
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg2.Error:
            pass  # the server is down (a restart test failed): the cluster goes anyway
        admin.close()


class Server:
    def __init__(self, binary: Path, workdir: Path, database: str, extra_args: tuple = ()):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.workdir = workdir
        self.database = database
        self.env = _server_env()
        self.port = 0
        # Instances behind one load balancer share one public URL (the token
        # issuer); None: this server's own address.
        self.public_url: str | None = None
        self.process: subprocess.Popen | None = None
        self.stdout_path = workdir / "server.stdout.log"
        self.stderr_path = workdir / "server.stderr.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        out = self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""
        err = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        return f"--- stdout ---\n{out[-6000:]}\n--- stderr ---\n{err[-6000:]}"

    def start(self) -> None:
        for attempt in range(3):
            self.port = _free_port()
            args = [
                str(self.binary), "serve",
                "--host", "127.0.0.1",
                "--port", str(self.port),
                "--database", self.database,
                "--public-url", self.public_url or self.base_url,
                "--test-mode",
                *self.extra_args,
            ]
            with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
                self.process = subprocess.Popen(args, stdout=out, stderr=err, env=self.env,
                                                cwd=self.workdir, stdin=subprocess.DEVNULL)
            failure = self._wait_ready()
            if failure is None:
                return
            logs = self.logs()
            if "in use" in logs.lower() and attempt < 2:
                continue  # lost the race for the port; try another one
            self.stop(check=False)
            pytest.fail(f"latchkey did not start: {failure}\n{logs}", pytrace=False)

    def _wait_ready(self) -> str | None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        assert self.process is not None
        while time.monotonic() < deadline:
            rc = self.process.poll()
            if rc is not None:
                return f"exited with status {rc} during start-up"
            if "listening on" in self.logs():
                try:
                    with requests.Session() as s:
                        s.trust_env = False
                        r = s.get(self.base_url + "/health", timeout=2)
                    if r.status_code == 200 and r.json() == {"ok": True}:
                        return None
                except (requests.RequestException, ValueError):
                    pass
            time.sleep(0.05)
        return f"not ready after {STARTUP_TIMEOUT_S}s"

    def stop(self, check: bool = True) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            rc = self.process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            if check:
                pytest.fail(f"latchkey did not exit within {SHUTDOWN_TIMEOUT_S}s of SIGTERM\n{self.logs()}",
                            pytrace=False)
            return None
        return rc

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.binary), *args], env=self.env, cwd=self.workdir,
                              capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)

    def create_project(self, name: str) -> dict:
        res = self.cli("project", "create", "--name", name, "--json", "--database", self.database)
        assert res.returncode == 0, f"project create failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
        return _parse_json_output(res.stdout)

    def list_projects(self) -> list:
        res = self.cli("project", "list", "--json", "--database", self.database)
        assert res.returncode == 0, f"project list failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
        return _parse_json_output(res.stdout)


def _parse_json_output(stdout: str):
    try:
        return json.loads(stdout)
    except ValueError:
        # tolerate log lines around the JSON document
        for line in stdout.splitlines():
            line = line.strip()
            if line.startswith(("{", "[")):
                return json.loads(line)
        raise AssertionError(f"no JSON in CLI output: {stdout!r}")


def suite_database(stack: contextlib.ExitStack, workdir: Path) -> str:
    """The database of a server of the suite: a fresh PostgreSQL database
    (dropped when `stack` closes) when LATCHKEY_TEST_DATABASE_URL names a
    server, that path when it names a file, else a new SQLite file in
    `workdir`."""
    configured = os.environ.get("LATCHKEY_TEST_DATABASE_URL")
    if configured and is_postgres_url(configured):
        return stack.enter_context(fresh_database(configured))
    return configured or str(workdir / "latchkey.db")


@contextlib.contextmanager
def servers_on_one_database(tmp_path: Path, *arg_lists: tuple, public_url: str | None = None):
    """Starts one server per argument list, all on one fresh database of the
    suite's engine (a new PostgreSQL database when LATCHKEY_TEST_DATABASE_URL
    names a server, else a SQLite file: then only one instance may write
    it), as instances behind one load balancer with `public_url` as their
    common token issuer; yields the servers and stops them afterwards."""
    with contextlib.ExitStack() as stack:
        configured = os.environ.get("LATCHKEY_TEST_DATABASE_URL", "")
        if is_postgres_url(configured):
            database = stack.enter_context(fresh_database(configured))
        else:
            database = str(tmp_path / "instances.db")
        started = []
        for i, args in enumerate(arg_lists):
            workdir = tmp_path / f"server-{i}"
            workdir.mkdir()
            srv = Server(_binary(), workdir, database, extra_args=tuple(args))
            srv.public_url = public_url
            srv.start()
            stack.callback(srv.stop, check=False)
            started.append(srv)
        yield started


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    binary = _binary()
    workdir = tmp_path_factory.mktemp("latchkey")
    with contextlib.ExitStack() as stack:
        database = suite_database(stack, workdir)
        # test_mfa checks the 20 tries an MFA attempt code allows, which the
        # per-user TOTP limit (10 wrong codes per 15 min by default) would cut
        # short; test_rate_limits.py tests that limit on a server of its own.
        srv = Server(binary, workdir, database,
                     extra_args=("--limit-totp-failures-per-user", "25/15min"))
        srv.start()
        yield srv
        rc = srv.stop()
        assert rc == 0, f"latchkey exited with {rc} after SIGTERM\n{srv.logs()}"


@pytest.fixture(scope="session")
def api(server) -> Client:
    return Client(server.base_url)


@pytest.fixture(scope="session")
def make_project(server, api):
    """Factory: creates a project through the CLI (`latchkey project create`)
    and registers its keys with the client."""
    def make(name: str | None = None) -> Project:
        out = server.create_project(name or f"e2e {uuid.uuid4().hex[:8]}")
        keys = {access: out[field] for access, field in (
            ("client", "publishable_client_key"), ("server", "secret_server_key"),
            ("admin", "super_secret_admin_key")) if out.get(field)}
        project = Project(out["id"], out["display_name"], keys)
        api.projects[project.id] = project
        return project
    return make


@pytest.fixture
def project(make_project) -> Project:
    """A fresh project of its own for one test."""
    return make_project()


@pytest.fixture(scope="session")
def shared_project(make_project) -> Project:
    """An extra project for tests that only read it."""
    return make_project("e2e shared project")


@pytest.fixture(scope="session")
def internal_project() -> Project:
    return INTERNAL_PROJECT

