"""A real SMTP sink (Debian's python3-aiosmtpd) and a Latchkey server that
delivers to it, for the e-mail tests (spec/emails.md §4.5).

The suite's default `server` fixture has no SMTP configured (log-only
mode); the fixtures here start a second server with
STACK_EMAIL_HOST/PORT pointing at the sink, and helpers read what arrived.

Test modules import the fixtures they use from here.
"""
from __future__ import annotations

import atexit
import contextlib
import email
import email.policy
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable, List, Optional

import pytest
from aiosmtpd.controller import Controller

from conftest import (Server, _binary, _parse_json_output,  # noqa: F401 (re-used helpers)
                      fresh_database, is_postgres_url)

# Databases created for the servers below; dropped when the test run ends.
_PG_DATABASES = contextlib.ExitStack()
atexit.register(_PG_DATABASES.close)
from latchkey_e2e import Client, Project

SENDER = "noreply@example.com"
V1 = "/api/v1"
ADMIN_PROJECT = f"{V1}/internal/projects/current"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mail:
    mail_from: str           # SMTP envelope sender
    rcpt_tos: List[str]      # SMTP envelope recipients
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def from_header(self) -> str:
        return str(self.message["From"])

    @property
    def to_header(self) -> str:
        return str(self.message["To"])

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()

    def link_code(self, callback: str) -> str:
        """The 45-character code of the link `callback?code=…` in the text part."""
        m = re.search(re.escape(callback) + r"\?code=([a-zA-Z0-9]+)", self.text)
        assert m, f"no link to {callback} in:\n{self.text}"
        return m.group(1)

    @property
    def otp(self) -> str:
        m = re.search(r"Your code is ([0-9A-Z]{6})$", self.subject)
        assert m, self.subject
        return m.group(1)


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"


class SmtpSink:
    """aiosmtpd on a free loopback port, collecting every message."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: List[Mail] = []
        self.port = free_port()
        self.controller: Optional[Controller] = None

    def start(self) -> None:
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> List[Mail]:
        with self.lock:
            return [m for m in self.messages if address in m.rcpt_tos]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> List[Mail]:
        """The first `count` messages to `address`, waiting for asynchronous
        sends (the sign-up verification e-mail)."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.to(address)
            if len(got) >= count or time.monotonic() > deadline:
                assert len(got) >= count, f"{len(got)} message(s) to {address}, wanted {count}"
                return got
            time.sleep(0.05)

    def last(self, address: str) -> Mail:
        got = self.to(address)
        assert got, f"no message to {address}"
        return got[-1]


def start_server(tmp_path_factory, name: str, **env: str) -> Server:
    """A server of its own (SMTP settings differ from the shared one's), on
    the engine the suite runs on: a fresh PostgreSQL database when
    LATCHKEY_TEST_DATABASE_URL names a server (dropped with the throw-away
    cluster), else a SQLite file."""
    workdir = tmp_path_factory.mktemp(name)
    configured = os.environ.get("LATCHKEY_TEST_DATABASE_URL")
    if configured and is_postgres_url(configured):
        database = _PG_DATABASES.enter_context(fresh_database(configured))
    else:
        database = str(workdir / "latchkey.db")
    srv = Server(_binary(), workdir, database)
    srv.env.update(env)
    srv.start()
    return srv


def smtp_env(port: int) -> dict:
    return {
        "STACK_EMAIL_HOST": "127.0.0.1",
        "STACK_EMAIL_PORT": str(port),
        "STACK_EMAIL_USERNAME": "does not matter",
        "STACK_EMAIL_PASSWORD": "does not matter",
        "STACK_EMAIL_SENDER": SENDER,
    }


def project_factory(srv: Server, client: Client) -> Callable[..., Project]:
    def make(name: Optional[str] = None, **config) -> Project:
        out = srv.create_project(name or f"mail {uuid.uuid4().hex[:8]}")
        keys = {access: out[field] for access, field in (
            ("client", "publishable_client_key"), ("server", "secret_server_key"),
            ("admin", "super_secret_admin_key"))}
        project = Project(out["id"], out["display_name"], keys)
        client.projects[project.id] = project
        if config:
            set_config(client, project, **config)
        return project
    return make


def set_config(client: Client, project: Project, **config) -> dict:
    r = client.patch(ADMIN_PROJECT, headers=client.headers("admin", project), json={"config": config})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def mail_server(tmp_path_factory, smtp_sink):
    """A Latchkey server whose shared SMTP server is the sink."""
    srv = start_server(tmp_path_factory, "latchkey-mail", **smtp_env(smtp_sink.port))
    yield srv
    rc = srv.stop()
    assert rc == 0, f"latchkey exited with {rc} after SIGTERM\n{srv.logs()}"


@pytest.fixture(scope="session")
def mail_api(mail_server) -> Client:
    return Client(mail_server.base_url)


@pytest.fixture(scope="session")
def make_mail_project(mail_server, mail_api):
    """Factory: a project on the mail server, with optional config."""
    return project_factory(mail_server, mail_api)


@pytest.fixture
def mail_project(make_mail_project) -> Project:
    """A fresh project with magic links on (OTP tests need it)."""
    return make_mail_project(magic_link_enabled=True)
