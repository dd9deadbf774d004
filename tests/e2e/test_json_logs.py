"""Structured logs (issue 21, README "Operations"): `--log-format json`
writes one JSON object a line, an access line per request with its request
id, method, route template, status, duration and project id; and none of
the secrets a run used (passwords, tokens, keys, codes) appears anywhere in
what the server printed."""
from __future__ import annotations

import json
import uuid

import pytest

from auth_helpers import ME, PASSWORD, REFRESH, sign_in, signed_up
from conftest import Server, _binary
from email_fixtures import SmtpSink, project_factory, smtp_env
from latchkey_e2e import Client

OTP_SEND = "/api/v1/auth/otp/send-sign-in-code"
OTP_SIGN_IN = "/api/v1/auth/otp/sign-in"
CALLBACK = "http://localhost:3000/handler/magic-link-callback"
# The lines a server prints for people and scripts, not logs.
ANNOUNCEMENTS = ("listening on http://", "metrics on http://")


def lines_of(srv: Server) -> list[str]:
    text = srv.stdout_path.read_text() + srv.stderr_path.read_text()
    return [line for line in text.splitlines() if line.strip()]


def json_lines(srv: Server) -> list[dict]:
    out = []
    for line in lines_of(srv):
        if line.startswith(ANNOUNCEMENTS):
            continue
        out.append(json.loads(line))  # every other line is one JSON object
    return out


@pytest.fixture
def sink():
    s = SmtpSink()
    s.start()
    yield s
    s.stop()


def start(tmp_path, name: str, env: dict | None = None) -> Server:
    workdir = tmp_path / name
    workdir.mkdir()
    srv = Server(_binary(), workdir, str(workdir / "latchkey.db"),
                 extra_args=("--log-format", "json"))
    if env:
        srv.env.update(env)
    srv.start()
    return srv


def test_json_logs_carry_the_request_fields_and_no_secret(tmp_path, sink):
    srv = start(tmp_path, "mail", smtp_env(sink.port))
    secrets = []
    try:
        api = Client(srv.base_url)
        project = project_factory(srv, api)(magic_link_enabled=True)
        secrets += list(project.keys.values())
        password = f"pw-{uuid.uuid4().hex}"
        secrets.append(password)
        user = signed_up(api, project, password=password)
        secrets += [user["access_token"], user["refresh_token"]]
        r = sign_in(api, project, user["email"], password)
        assert r.status_code == 200, r.text
        secrets += [r.json()["access_token"], r.json()["refresh_token"]]
        assert sign_in(api, project, user["email"], "wrong " + password).status_code == 400
        h = api.headers("client", project)
        h["x-stack-refresh-token"] = user["refresh_token"]
        r = api.post(REFRESH, headers=h)
        assert r.status_code == 200, r.text
        secrets.append(r.json()["access_token"])
        r = api.get(ME, headers=api.headers("client", project, access_token=user["access_token"]))
        assert r.status_code == 200, r.text
        assert api.get(f"/api/v1/users/{uuid.uuid4()}",
                       headers=api.headers("server", project)).status_code == 404

        address = f"otp-{uuid.uuid4().hex[:8]}@example.com"
        r = api.post(OTP_SEND, headers=api.headers("client", project),
                     json={"email": address, "callback_url": CALLBACK})
        assert r.status_code == 200, r.text
        secrets.append(r.json()["nonce"])
        mail = sink.wait_for(address)[-1]
        link_code = mail.link_code(CALLBACK)
        secrets.append(link_code)
        r = api.post(OTP_SIGN_IN, headers=api.headers("client", project),
                     json={"code": link_code})
        assert r.status_code == 200, r.text
        secrets += [r.json()["access_token"], r.json()["refresh_token"]]
    finally:
        assert srv.stop() == 0

    entries = json_lines(srv)
    assert entries, srv.logs()
    for e in entries:
        assert {"timestamp", "level", "message"} <= set(e), e
        assert e["timestamp"].endswith("Z")
    access = [e for e in entries if e["message"] == "request"]
    routes = {(e["method"], e["route"], e["status"]) for e in access}
    assert ("POST", "/auth/password/sign-in", 200) in routes
    assert ("POST", "/auth/password/sign-in", 400) in routes
    assert ("GET", "/users/{user_id}", 404) in routes
    assert ("GET", "/health", 200) in routes
    me = [e for e in access if e["route"] == "/users/me"]
    assert me and me[0]["project_id"] == project.id
    assert len(me[0]["request_id"]) >= 16
    assert isinstance(me[0]["duration_ms"], float)

    printed = "\n".join(lines_of(srv))
    for secret in secrets:
        assert secret not in printed, f"a secret ({secret[:6]}...) is in the logs"


def test_a_log_only_email_is_redacted_in_json_logs(tmp_path):
    srv = start(tmp_path, "log-only")
    try:
        api = Client(srv.base_url)
        project = project_factory(srv, api)(magic_link_enabled=True)
        r = api.post(OTP_SEND, headers=api.headers("client", project),
                     json={"email": f"otp-{uuid.uuid4().hex[:8]}@example.com",
                           "callback_url": CALLBACK})
        assert r.status_code == 200, r.text
    finally:
        assert srv.stop() == 0
    mails = [e for e in json_lines(srv) if e["message"].startswith("E-mail (log only")]
    assert mails, srv.logs()
    assert "[redacted]" in mails[0]["message"]
    assert "?code=" not in mails[0]["message"].replace("?code=[redacted]", "")
