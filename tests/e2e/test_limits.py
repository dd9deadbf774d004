"""HTTP limits (issue: foundation): request body and header sizes, slow
clients, and draining in-flight requests on SIGTERM. These run against a
server of their own, started with a short read timeout."""
import socket
import threading
import time

import pytest
import requests

from conftest import Server, _binary
from latchkey_e2e import INTERNAL_PROJECT

MAX_BODY = 64 * 1024


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("latchkey-limits")
    srv = Server(_binary(), workdir, str(workdir / "limits.db"),
                 extra_args=("--read-timeout-seconds", "1", "--max-body-bytes", str(MAX_BODY)))
    srv.start()
    yield srv
    assert srv.stop() == 0


def _client_headers():
    return {
        "x-stack-access-type": "client",
        "x-stack-project-id": "internal",
        "x-stack-publishable-client-key": INTERNAL_PROJECT.keys["client"],
        "content-type": "application/json",
    }


def test_body_over_the_limit_is_413(limited_server):
    body = b'{"email": "' + b"a" * (MAX_BODY + 10) + b'"}'
    r = requests.post(limited_server.base_url + "/api/v1/auth/password/sign-in",
                      headers=_client_headers(), data=body, timeout=10)
    assert r.status_code == 413
    assert r.text == "Request body too large"
    # The server is still there.
    assert requests.get(limited_server.base_url + "/health", timeout=5).status_code == 200


def test_body_under_the_limit_is_read(limited_server):
    body = b'{"email": "' + b"a" * (MAX_BODY // 2) + b'", "password": "x"}'
    r = requests.post(limited_server.base_url + "/api/v1/auth/password/sign-in",
                      headers=_client_headers(), data=body, timeout=10)
    assert r.status_code == 400
    assert r.json()["code"] == "SCHEMA_ERROR"


def test_headers_over_the_limit_are_431(limited_server):
    headers = _client_headers()
    headers["x-filler"] = "b" * (20 * 1024)
    r = requests.get(limited_server.base_url + "/api/v1/projects/current", headers=headers, timeout=10)
    assert r.status_code == 431


def _read_all(sock: socket.socket, deadline: float) -> bytes:
    data = b""
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            return data
        data += chunk
    raise AssertionError("the server did not close the connection")


def test_slow_client_is_disconnected(limited_server):
    # Half a request, then silence: the server gives up after its read
    # timeout (1 s here) instead of holding the connection forever.
    with socket.create_connection(("127.0.0.1", limited_server.port), timeout=5) as sock:
        sock.sendall(b"GET /api/v1/projects/current HTTP/1.1\r\nHost: x\r\nx-stack-acc")
        started = time.monotonic()
        data = _read_all(sock, started + 8)
        assert data == b""
        assert time.monotonic() - started < 8


def test_idle_keep_alive_connection_is_closed(limited_server):
    with socket.create_connection(("127.0.0.1", limited_server.port), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        data = _read_all(sock, time.monotonic() + 8)
        assert data.startswith(b"HTTP/1.1 200")


def test_sigterm_drains_in_flight_requests(tmp_path):
    srv = Server(_binary(), tmp_path, str(tmp_path / "drain.db"))
    srv.start()
    try:
        results = []

        def slow_request():
            # A test-mode route that stays on a worker for 1.5 s.
            results.append(requests.post(srv.base_url + "/latchkey-test/sleep",
                                         json={"millis": 1500}, timeout=30))

        t = threading.Thread(target=slow_request)
        t.start()
        time.sleep(0.5)  # the request is in flight (it sleeps 1.5 s)
        srv.process.send_signal(15)
        time.sleep(0.2)
        # No new connections once SIGTERM arrived...
        with pytest.raises(requests.ConnectionError):
            requests.get(srv.base_url + "/health", timeout=2)
        t.join(timeout=30)
        # ...but the request in flight was answered, then the server exited 0.
        assert len(results) == 1 and results[0].status_code == 200, results
        assert results[0].json() == {"slept_millis": 1500}
        assert srv.process.wait(timeout=15) == 0
    finally:
        srv.stop(check=False)
