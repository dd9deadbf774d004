"""Webhooks delivered by Latchkey itself, wire-compatible with Svix.

A real receiver on loopback (tests/svix/svix_tool.mjs, Svix's npm package)
checks every delivery with svix's `Webhook.verify`; endpoints are managed
with the `svix` npm client pointed at `<server>/svix`. The server of these
tests runs with --webhooks-allow-private-addresses (the receiver is on
loopback); the session's default server shows that without it loopback is
refused.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from conftest import REPO_ROOT, Server, _binary, fresh_database, is_postgres_url
from latchkey_e2e import Client, Project

SVIX_DIR = REPO_ROOT / "tests" / "svix"
TOOL = SVIX_DIR / "svix_tool.mjs"
DATABASE_URL = os.environ.get("LATCHKEY_TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not (SVIX_DIR / "node_modules" / "svix").is_dir() or shutil.which("node") is None,
    reason="tests/svix/node_modules is missing: run scripts/deps.sh --test")


# --- the receiver and the svix client ------------------------------------------------


class Receiver:
    """svix_tool.mjs receive: verifies each delivery with Webhook.verify."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(["node", str(TOOL), "receive"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, cwd=SVIX_DIR)
        line = self.process.stdout.readline()
        assert line, f"receiver did not start: {self.process.stderr.read()}"
        self.port = json.loads(line)["port"]
        self.client = Client(f"http://127.0.0.1:{self.port}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def control(self, **settings) -> None:
        assert self.client.post("/_control", json=settings).status_code == 200

    def received(self) -> list:
        return self.client.get("/_received").json()

    def wait_for(self, count: int, timeout: float = 20) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"expected {count} deliveries, got {self.received()}")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def svix(server: Server, token: str, method: str, *args):
    """One call of the svix npm client against <server>/svix."""
    out = subprocess.run(["node", str(TOOL), "client", server.base_url + "/svix", token, method,
                          json.dumps(list(args))], capture_output=True, text=True, timeout=60,
                         cwd=SVIX_DIR)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def ok(result: dict):
    assert result["ok"], result
    return result["result"]


# --- fixtures ------------------------------------------------------------------------


def start_server(tmp_path_factory, database: str, *extra: str) -> Server:
    srv = Server(_binary(), tmp_path_factory.mktemp("webhooks"), database,
                 extra_args=("--webhooks-allow-private-addresses", *extra))
    srv.start()
    return srv


@contextlib.contextmanager
def suite_engine_database(tmp_path_factory):
    """A fresh database of the suite's engine (PostgreSQL when
    LATCHKEY_TEST_DATABASE_URL names one, else a new SQLite file)."""
    if is_postgres_url(DATABASE_URL):
        with fresh_database(DATABASE_URL) as database:
            yield database
    else:
        yield str(tmp_path_factory.mktemp("webhooks-db") / "latchkey.db")


@pytest.fixture(scope="module")
def hook_server(tmp_path_factory):
    with suite_engine_database(tmp_path_factory) as database:
        srv = start_server(tmp_path_factory, database)
        yield srv
        srv.stop(check=False)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


class Setup:
    """A project on `server`, its /svix token, and an endpoint at `url`."""

    def __init__(self, server: Server, url: str, **endpoint):
        out = server.create_project(f"webhooks {uuid.uuid4().hex[:8]}")
        self.server = server
        self.project = Project(out["id"], out["display_name"],
                               {"client": out["publishable_client_key"],
                                "server": out["secret_server_key"],
                                "admin": out["super_secret_admin_key"]})
        self.api = Client(server.base_url, {self.project.id: self.project})
        r = self.api.post("/api/v1/webhooks/svix-token", json={},
                          headers=self.api.headers("admin", self.project))
        assert r.status_code == 201, r.text
        self.token = r.json()["token"]
        self.endpoint = ok(svix(server, self.token, "endpoint.create", self.project.id,
                                {"url": url, **endpoint}))
        self.secret = ok(svix(server, self.token, "endpoint.getSecret", self.project.id,
                              self.endpoint["id"]))["key"]

    def server_call(self, method: str, path: str, **kw):
        return self.api.request(method, path, headers=self.api.headers("server", self.project),
                                **kw)

    def attempts(self) -> list:
        return ok(svix(self.server, self.token, "messageAttempt.listByEndpoint", self.project.id,
                       self.endpoint["id"]))["data"]


def types_of(deliveries: list) -> list:
    return [d["payload"]["type"] for d in deliveries]


# --- events, signatures, payloads ----------------------------------------------------


def test_every_event_type_is_delivered_signed_with_the_rest_api_object(hook_server, receiver):
    s = Setup(hook_server, receiver.url)
    receiver.control(secrets=[s.secret])

    r = s.server_call("POST", "/api/v1/users", json={"primary_email": "hook@example.com"})
    assert r.status_code == 201, r.text
    user = r.json()
    got = receiver.wait_for(1)
    assert got[0]["verified"], got[0]
    assert got[0]["payload"] == {"type": "user.created", "data": user}

    r = s.server_call("PATCH", f"/api/v1/users/{user['id']}", json={"display_name": "Hooked"})
    assert r.status_code == 200
    updated = r.json()
    r = s.server_call("POST", "/api/v1/teams", json={"display_name": "Hook team"})
    assert r.status_code == 201
    team = r.json()
    r = s.server_call("PATCH", f"/api/v1/teams/{team['id']}", json={"display_name": "Renamed"})
    renamed = r.json()
    assert s.server_call("POST", f"/api/v1/team-memberships/{team['id']}/{user['id']}",
                         json={}).status_code == 201
    assert s.server_call("POST", f"/api/v1/team-permissions/{team['id']}/{user['id']}/"
                         "$update_team", json={}).status_code == 201
    assert s.server_call("DELETE", f"/api/v1/team-permissions/{team['id']}/{user['id']}/"
                         "$update_team").status_code == 200
    r = s.api.post("/api/v1/project-permission-definitions", json={"id": "hooks_read"},
                   headers=s.api.headers("admin", s.project))
    assert r.status_code == 201, r.text
    assert s.server_call("POST", f"/api/v1/project-permissions/{user['id']}/hooks_read",
                         json={}).status_code == 201
    assert s.server_call("DELETE", f"/api/v1/project-permissions/{user['id']}/hooks_read"
                         ).status_code == 200
    assert s.server_call("DELETE", f"/api/v1/team-memberships/{team['id']}/{user['id']}"
                         ).status_code == 200
    assert s.server_call("POST", f"/api/v1/team-memberships/{team['id']}/{user['id']}",
                         json={}).status_code == 201
    assert s.server_call("DELETE", f"/api/v1/users/{user['id']}").status_code == 200
    assert s.server_call("DELETE", f"/api/v1/teams/{team['id']}").status_code == 200

    got = receiver.wait_for(16)
    time.sleep(0.5)
    got = receiver.received()
    assert all(d["verified"] for d in got), [d for d in got if not d["verified"]]
    # Two workers may reorder neighbours; the multiset is exact.
    by_type: dict = {}
    for d in got:
        by_type.setdefault(d["payload"]["type"], []).append(d["payload"]["data"])
    tm = {"team_id": team["id"], "user_id": user["id"]}
    expected = {
        "user.created": [user],
        "user.updated": [updated],
        "team.created": [team],
        "team.updated": [renamed],
        "team_membership.created": [tm, tm],
        "team_permission.created": [{"id": "$update_team", **tm}, {"id": "team_member", **tm},
                                    {"id": "team_member", **tm}],
        "team_permission.deleted": [{"id": "$update_team", **tm}],
        "project_permission.created": [{"id": "hooks_read", "user_id": user["id"]}],
        "project_permission.deleted": [{"id": "hooks_read", "user_id": user["id"]}],
        # The explicit removal, and the cascade of the user's deletion.
        "team_membership.deleted": [tm, tm],
        "user.deleted": [{"id": user["id"], "teams": [{"id": team["id"]}]}],
        "team.deleted": [{"id": team["id"]}],
    }
    canon = lambda d: {k: sorted(json.dumps(x, sort_keys=True) for x in v) for k, v in d.items()}
    assert canon(by_type) == canon(expected)
    # Each delivery carries Svix's headers: the message id and a v1 signature.
    for d in got:
        assert d["headers"]["svix-id"].startswith("msg_") and len(d["headers"]["svix-id"]) == 31
        assert d["headers"]["svix-signature"].startswith("v1,")


def test_a_signature_made_with_another_secret_does_not_verify(hook_server, receiver):
    s = Setup(hook_server, receiver.url)
    receiver.control(secrets=["whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"])
    assert s.server_call("POST", "/api/v1/teams", json={"display_name": "x"}).status_code == 201
    got = receiver.wait_for(1)
    assert not got[0]["verified"]
    assert "signature" in got[0]["error"].lower()


def test_sign_up_emits_user_created_and_a_personal_team(hook_server, receiver):
    s = Setup(hook_server, receiver.url)
    receiver.control(secrets=[s.secret])
    r = s.api.patch("/api/v1/internal/projects/current",
                    json={"config": {"create_team_on_sign_up": True, "credential_enabled": True,
                                       "allow_localhost": True}},
                    headers=s.api.headers("admin", s.project))
    assert r.status_code == 200, r.text
    r = s.api.post("/api/v1/auth/password/sign-up",
                   json={"email": "signup@example.com", "password": "a-long-password-1",
                         "verification_callback_url": "http://localhost:3000/cb"},
                   headers=s.api.headers("client", s.project))
    assert r.status_code == 200, r.text
    got = receiver.wait_for(2)
    assert sorted(types_of(got)) == ["team.created", "user.created"]
    created = next(d["payload"]["data"] for d in got if d["payload"]["type"] == "user.created")
    team = next(d["payload"]["data"] for d in got if d["payload"]["type"] == "team.created")
    assert created["primary_email"] == "signup@example.com" and created["has_password"]
    assert created["selected_team_id"] == team["id"]


def test_deliveries_to_one_receiver_keep_their_connections_open(hook_server, receiver):
    s = Setup(hook_server, receiver.url)
    receiver.control(secrets=[s.secret])
    for i in range(12):
        assert s.server_call("POST", "/api/v1/teams",
                             json={"display_name": f"kept-{i}"}).status_code == 201
        time.sleep(0.05)  # one by one, so that they are not all in one batch
    got = receiver.wait_for(12)
    assert all(d["verified"] for d in got)
    # Keep-alive: at most one connection per delivery worker (2 by default),
    # not one per event.
    assert len({d["connection"] for d in got}) <= 2, [d["connection"] for d in got]


def test_filter_types_limit_what_an_endpoint_receives(hook_server, receiver):
    s = Setup(hook_server, receiver.url, filterTypes=["team.created"])
    receiver.control(secrets=[s.secret])
    assert s.server_call("POST", "/api/v1/users", json={}).status_code == 201
    assert s.server_call("POST", "/api/v1/teams", json={"display_name": "t"}).status_code == 201
    got = receiver.wait_for(1)
    time.sleep(1)
    assert types_of(receiver.received()) == ["team.created"]
    # Both messages exist; only one was attempted.
    msgs = ok(svix(hook_server, s.token, "message.list", s.project.id))["data"]
    assert sorted(m["eventType"] for m in msgs) == ["team.created", "user.created"]
    assert len(s.attempts()) == 1 and got[0]["verified"]


def test_a_rolled_back_change_emits_nothing(hook_server, receiver):
    s = Setup(hook_server, receiver.url)
    receiver.control(secrets=[s.secret])
    r = s.api.patch("/api/v1/internal/projects/current",
                    json={"config": {"oauth_providers": [{"id": "github", "type": "shared"}]}},
                    headers=s.api.headers("admin", s.project))
    assert r.status_code == 200, r.text
    link = {"id": "github", "account_id": "gh-1", "email": None}
    assert s.server_call("POST", "/api/v1/users", json={"oauth_providers": [link]}
                         ).status_code == 201
    # The second user's row and user.created are written, then the OAuth
    # account's unique key fails and the transaction rolls back.
    r = s.server_call("POST", "/api/v1/users", json={"oauth_providers": [link]})
    assert r.status_code >= 400, r.text
    receiver.wait_for(1)
    time.sleep(1)
    assert len(receiver.received()) == 1
    msgs = ok(svix(hook_server, s.token, "message.list", s.project.id))["data"]
    assert [m["eventType"] for m in msgs] == ["user.created"]


# --- retries, failures, crash ---------------------------------------------------------


def test_500s_are_retried_on_svix_schedule_and_every_attempt_is_recorded(hook_server, receiver):
    s = Setup(hook_server, receiver.url)
    receiver.control(secrets=[s.secret], statuses=[500, 503])
    assert s.server_call("POST", "/api/v1/teams", json={"display_name": "r"}).status_code == 201
    first = receiver.wait_for(1)
    # Svix's second attempt comes 5 seconds after the first failed.
    started = time.monotonic()
    receiver.wait_for(2, timeout=15)
    assert time.monotonic() - started >= 3.5
    # The third is due 5 minutes later: move the server's clock.
    time.sleep(0.5)
    assert len(receiver.received()) == 2
    s.api.advance_clock(5 * 60 * 1000)
    got = receiver.wait_for(3)
    assert [d["status"] for d in got] == [500, 503, 200]
    assert len({d["headers"]["svix-id"] for d in got}) == 1 == len({first[0]["headers"]["svix-id"]})
    assert all(d["verified"] for d in got)
    deadline = time.monotonic() + 10
    while len(s.attempts()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    attempts = s.attempts()  # newest first
    assert [(a["status"], a["responseStatusCode"]) for a in attempts] == [(0, 200), (2, 503),
                                                                          (2, 500)]
    assert all(a["msgId"] == got[0]["headers"]["svix-id"] for a in attempts)
    by_msg = ok(svix(hook_server, s.token, "messageAttempt.listByMsg", s.project.id,
                     got[0]["headers"]["svix-id"]))["data"]
    assert [a["id"] for a in by_msg] == [a["id"] for a in attempts]


def test_a_receiver_down_then_back_gets_the_event(hook_server, tmp_path):
    # A port with nothing listening, then a receiver on it. The receiver's
    # process starts first and listens when told, so that it is up within
    # milliseconds of the first failed attempt, well before the 5 s retry
    # (moving the server's clock instead would put the retry's timestamp
    # outside Webhook.verify's tolerance).
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = Setup(hook_server, f"http://127.0.0.1:{port}/hook")
    proc = subprocess.Popen(["node", "-e", RECEIVER_ON_PORT, str(port), s.secret],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=SVIX_DIR)
    try:
        assert proc.stdout.readline().strip() == "ready"
        assert s.server_call("POST", "/api/v1/teams",
                             json={"display_name": "d"}).status_code == 201
        attempts_url = (f"{hook_server.base_url}/svix/api/v1/app/{s.project.id}/attempt/endpoint/"
                        f"{s.endpoint['id']}")
        auth = {"authorization": f"Bearer {s.token}"}
        deadline = time.monotonic() + 10
        while not (failed := s.api.get(attempts_url, headers=auth).json()["data"]):
            assert time.monotonic() < deadline, "no attempt within 10 s"
            time.sleep(0.05)
        proc.stdin.write("listen\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "up"
        assert len(failed) == 1 and failed[0]["status"] == 2
        assert failed[0]["responseStatusCode"] == 0
        line = proc.stdout.readline()  # the verified payload of the retry
        assert json.loads(line)["type"] == "team.created"
    finally:
        proc.kill()
        proc.wait()


# A receiver on a given port: prints "ready", listens once it reads a line
# on stdin and prints "up", then prints each verified payload.
RECEIVER_ON_PORT = """
import('svix').then(({ Webhook }) => {
  const [port, secret] = process.argv.slice(1);
  const server = require('http').createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const payload = new Webhook(secret).verify(body, req.headers);
      console.log(JSON.stringify(payload));
      res.end('ok');
    });
  });
  process.stdin.once('data', () =>
    server.listen(Number(port), '127.0.0.1', () => console.log('up')));
  console.log('ready');
});
"""


def test_loopback_is_refused_without_the_flag(server, receiver):
    s = Setup(server, receiver.url)
    receiver.control(secrets=[s.secret])
    assert s.server_call("POST", "/api/v1/teams", json={"display_name": "ssrf"}).status_code == 201
    deadline = time.monotonic() + 10
    while not s.attempts() and time.monotonic() < deadline:
        time.sleep(0.1)
    attempt = s.attempts()[0]
    assert attempt["status"] == 2 and attempt["responseStatusCode"] == 0
    assert "refused" in attempt["response"]
    assert receiver.received() == []


def test_a_receiver_that_times_out_is_retried_and_the_attempt_recorded(tmp_path_factory,
                                                                         receiver):
    with suite_engine_database(tmp_path_factory) as database:
        srv = start_server(tmp_path_factory, database, "--webhook-attempt-timeout-ms", "1000")
        try:
            s = Setup(srv, receiver.url)
            # The receiver answers after 3 s; the server gives up after 1 s.
            receiver.control(secrets=[s.secret], delay_ms=3000)
            assert s.server_call("POST", "/api/v1/teams",
                                 json={"display_name": "slow"}).status_code == 201
            deadline = time.monotonic() + 10
            while not s.attempts() and time.monotonic() < deadline:
                time.sleep(0.1)
            [timed_out] = s.attempts()
            assert timed_out["status"] == 2 and timed_out["responseStatusCode"] == 0, timed_out
            assert "timed out" in timed_out["response"].lower(), timed_out
            # Svix's next attempt comes 5 s later, to a receiver now quick.
            receiver.control(delay_ms=0)
            got = receiver.wait_for(2, timeout=15)
            assert len({d["headers"]["svix-id"] for d in got}) == 1
            assert all(d["verified"] for d in got)
            deadline = time.monotonic() + 10
            while len(s.attempts()) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [(a["status"], a["responseStatusCode"]) for a in s.attempts()] == [(0, 200),
                                                                                    (2, 0)]
        finally:
            srv.stop(check=False)


def test_events_survive_a_sigkill_and_are_delivered_after_restart(tmp_path_factory, receiver):
    with suite_engine_database(tmp_path_factory) as database:
        sigkill_then_restart(tmp_path_factory, database, receiver)


def sigkill_then_restart(tmp_path_factory, database: str, receiver) -> None:
    srv = start_server(tmp_path_factory, database)
    try:
        s = Setup(srv, receiver.url)
        # The receiver holds each delivery 3 s: the server dies mid-attempt.
        receiver.control(secrets=[s.secret], delay_ms=3000)
        for i in range(3):
            assert s.server_call("POST", "/api/v1/teams",
                                 json={"display_name": f"k{i}"}).status_code == 201
        receiver.wait_for(1)
        srv.process.send_signal(signal.SIGKILL)
        srv.process.wait()
        receiver.control(delay_ms=0)
        srv.start()
        s.api = Client(srv.base_url, {s.project.id: s.project})
        # The claim of the killed batch runs out (5 s + 15 s timeout + 15 s);
        # move the clock past it rather than wait.
        s.api.advance_clock(60 * 1000)
        got = receiver.wait_for(4, timeout=30)
        time.sleep(1)
        got = receiver.received()
        names = sorted({d["payload"]["data"]["display_name"] for d in got})
        assert names == ["k0", "k1", "k2"]
        assert all(d["verified"] for d in got)
        # At least once: only the attempts cut off by the kill repeat (one
        # per delivery worker, 2 by default), each message at most twice.
        assert len(got) <= 3 + 2
        per_name = [d["payload"]["data"]["display_name"] for d in got]
        assert all(per_name.count(n) <= 2 for n in names)
    finally:
        srv.stop(check=False)


@pytest.mark.skipif(not is_postgres_url(DATABASE_URL),
                    reason="needs a shared PostgreSQL database (LATCHKEY_TEST_DATABASE_URL)")
def test_two_instances_deliver_each_message_once(tmp_path_factory, receiver):
    with fresh_database(DATABASE_URL) as database:
        a = start_server(tmp_path_factory, database, "--webhook-workers", "4")
        b = start_server(tmp_path_factory, database, "--webhook-workers", "4")
        try:
            s = Setup(a, receiver.url)
            receiver.control(secrets=[s.secret])
            n = 40
            for i in range(n):
                assert s.server_call("POST", "/api/v1/teams",
                                     json={"display_name": f"t{i}"}).status_code == 201
            receiver.wait_for(n, timeout=30)
            time.sleep(1.5)
            got = receiver.received()
            ids = [d["headers"]["svix-id"] for d in got]
            assert len(ids) == n == len(set(ids))
            assert all(d["verified"] for d in got)
        finally:
            a.stop(check=False)
            b.stop(check=False)


# --- the management API --------------------------------------------------------------


def test_endpoints_are_managed_with_the_svix_client(hook_server, receiver):
    s = Setup(hook_server, receiver.url, description="first", uid="main-endpoint")
    ep = s.endpoint
    assert ep["id"].startswith("ep_") and ep["uid"] == "main-endpoint"
    assert ep["description"] == "first" and ep["version"] == 1 and not ep["disabled"]
    assert s.secret.startswith("whsec_")

    app = ok(svix(hook_server, s.token, "application.get", s.project.id))
    assert app["uid"] == s.project.id and app["id"].startswith("app_")
    assert ok(svix(hook_server, s.token, "application.get", app["id"]))["id"] == app["id"]

    got = ok(svix(hook_server, s.token, "endpoint.get", s.project.id, "main-endpoint"))
    assert got["id"] == ep["id"]
    second = ok(svix(hook_server, s.token, "endpoint.create", s.project.id,
                     {"url": "https://example.com/two"}))
    listed = ok(svix(hook_server, s.token, "endpoint.list", s.project.id, {"limit": 1}))
    assert [e["id"] for e in listed["data"]] == [second["id"]] and not listed["done"]
    rest = ok(svix(hook_server, s.token, "endpoint.list", s.project.id,
                   {"limit": 1, "iterator": listed["iterator"]}))
    assert [e["id"] for e in rest["data"]] == [ep["id"]]

    upd = ok(svix(hook_server, s.token, "endpoint.update", s.project.id, ep["id"],
                  {"url": receiver.url, "filterTypes": ["user.created"], "description": "x"}))
    assert upd["filterTypes"] == ["user.created"] and upd["description"] == "x"
    ok(svix(hook_server, s.token, "endpoint.rotateSecret", s.project.id, ep["id"], {}))
    new_secret = ok(svix(hook_server, s.token, "endpoint.getSecret", s.project.id,
                         ep["id"]))["key"]
    assert new_secret != s.secret and new_secret.startswith("whsec_")
    receiver.control(secrets=[new_secret])
    assert s.server_call("POST", "/api/v1/users", json={}).status_code == 201
    got = receiver.wait_for(1)
    assert got[0]["verified"] and got[0]["payload"]["type"] == "user.created"
    msg = ok(svix(hook_server, s.token, "message.get", s.project.id, got[0]["headers"]["svix-id"]))
    assert msg["eventType"] == "user.created" and msg["payload"] == got[0]["payload"]

    ok(svix(hook_server, s.token, "endpoint.delete", s.project.id, second["id"]))
    missing = svix(hook_server, s.token, "endpoint.get", s.project.id, second["id"])
    assert not missing["ok"] and missing["code"] == 404


def test_svix_tokens_are_scoped_to_their_project(hook_server, receiver):
    a = Setup(hook_server, receiver.url)
    b = Setup(hook_server, receiver.url)
    other = svix(hook_server, a.token, "endpoint.list", b.project.id)
    assert not other["ok"] and other["code"] == 404
    bad = svix(hook_server, "sk_latchkey_not-a-token", "endpoint.list", a.project.id)
    assert not bad["ok"] and bad["code"] == 401
    r = a.api.post("/api/v1/webhooks/svix-token", json={},
                   headers=a.api.headers("server", a.project))
    assert r.status_code == 401 and r.json()["code"] == "INSUFFICIENT_ACCESS_TYPE"
    bad_url = svix(hook_server, a.token, "endpoint.create", a.project.id, {"url": "ftp://x"})
    assert not bad_url["ok"] and bad_url["code"] == 422
