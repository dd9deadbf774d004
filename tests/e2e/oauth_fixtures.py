"""A real OpenID Connect provider (node `oidc-provider`, tests/oidc/) on
loopback and a Latchkey server that uses it, for the OAuth tests
(spec/auth-endpoints.md §6).

The provider serves Google's endpoint paths; the Latchkey server started here
gets LATCHKEY_OAUTH_TEST_BASE_URL_GOOGLE pointing at it (honoured only with
--test-mode), so the standard `google` provider signs in against it, and the
generic `oidc` provider uses its discovery document. Its login/consent step is
a form the helpers below post (see tests/oidc/server.js).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

from conftest import REPO_ROOT, Server  # noqa: F401 (re-used helpers)
from email_fixtures import free_port, project_factory, start_server
from latchkey_e2e import Client, Project

OIDC_DIR = REPO_ROOT / "tests" / "oidc"
CLIENT_ID = "latchkey-e2e-client"
CLIENT_SECRET = "latchkey-e2e-secret"
# A client-side redirect URI: trusted through allow_localhost (the default),
# never actually requested.
CLIENT_REDIRECT = "http://localhost:3000/oauth-callback"
V1 = "/api/v1"
AUTHORIZE = f"{V1}/auth/oauth/authorize"
CALLBACK = f"{V1}/auth/oauth/callback"
TOKEN = f"{V1}/auth/oauth/token"


class OidcProvider:
    def __init__(self, port: int, workdir: Path, redirect_base: str):
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.log_path = workdir / "oidc-provider.log"
        self.redirect_base = redirect_base
        # The registered clients; None: Latchkey's test client for `oidc`
        # and `google`.
        self.clients: Optional[list] = None
        self.process: Optional[subprocess.Popen] = None

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def start(self) -> None:
        node = shutil.which("node")
        if node is None:
            pytest.fail("node is not installed (scripts/deps.sh --test installs the test tools)",
                        pytrace=False)
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            pytest.fail("tests/oidc/node_modules is missing: run `npm ci` in tests/oidc "
                        "(scripts/deps.sh --test does)", pytrace=False)
        clients = self.clients or [{
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{self.redirect_base}{CALLBACK}/{p}" for p in ("oidc", "google")],
        }]
        env = dict(os.environ, PORT=str(self.port), OIDC_CLIENTS=json.dumps(clients))
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([node, "server.js"], cwd=OIDC_DIR, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"oidc-provider exited:\n{self.log()}", pytrace=False)
            try:
                with requests.Session() as s:
                    s.trust_env = False
                    if s.get(self.discovery_url, timeout=2).status_code == 200:
                        return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"oidc-provider did not start:\n{self.log()}", pytrace=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def oidc_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def oauth_server(tmp_path_factory, oidc_port):
    srv = start_server(tmp_path_factory, "latchkey-oauth",
                       LATCHKEY_OAUTH_TEST_BASE_URL_GOOGLE=f"http://127.0.0.1:{oidc_port}")
    yield srv
    rc = srv.stop()
    assert rc == 0, f"latchkey exited with {rc} after SIGTERM\n{srv.logs()}"


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory, oauth_server, oidc_port):
    provider = OidcProvider(oidc_port, tmp_path_factory.mktemp("oidc"), oauth_server.base_url)
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def oauth_api(oauth_server) -> Client:
    return Client(oauth_server.base_url)


@pytest.fixture(scope="session")
def make_oauth_project(oauth_server, oauth_api) -> Callable[..., Project]:
    """Factory: a project on the OAuth server, with optional config."""
    return project_factory(oauth_server, oauth_api)


def oidc_entry(provider: OidcProvider, **overrides) -> dict:
    entry = {"id": "oidc", "type": "standard", "client_id": CLIENT_ID,
             "client_secret": CLIENT_SECRET, "discovery_url": provider.discovery_url}
    entry.update(overrides)
    return entry


def google_entry(**overrides) -> dict:
    entry = {"id": "google", "type": "standard", "client_id": CLIENT_ID,
             "client_secret": CLIENT_SECRET}
    entry.update(overrides)
    return entry


@pytest.fixture
def oidc_project(make_oauth_project, oidc_provider) -> Project:
    """A fresh project with the generic OIDC provider and Google (both the
    local provider)."""
    return make_oauth_project(oauth_providers=[oidc_entry(oidc_provider), google_entry()])


# --- the flow -----------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple:
    verifier = b64url(secrets.token_bytes(32))
    return verifier, b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_login(prefix: str = "acct") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def browser() -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    return s


class Flow:
    """One sign-in as a browser would do it: GET authorize, follow every
    redirect, post the provider's login form, and stop at the client's
    redirect URI (or an error answer)."""

    def __init__(self, api: Client, project: Project, provider: str = "oidc", *,
                 redirect_uri: str = CLIENT_REDIRECT, login: Optional[str] = None, **params):
        self.api = api
        self.project = project
        self.provider = provider
        self.redirect_uri = redirect_uri
        self.login = login or new_login()
        self.verifier, challenge = pkce_pair()
        self.state = "client-state-" + uuid.uuid4().hex[:8]
        self.session = browser()
        query = {
            "client_id": project.id,
            "client_secret": project.keys["client"],
            "redirect_uri": redirect_uri,
            "scope": "legacy",
            "state": self.state,
            "grant_type": "authorization_code",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "response_type": "code",
        }
        for k, v in params.items():
            if v is None:
                query.pop(k, None)
            else:
                query[k] = v
        self.query = query
        self.callback_url: Optional[str] = None  # the provider's redirect to Latchkey

    def authorize(self) -> requests.Response:
        return self.session.get(self.api.url(f"{AUTHORIZE}/{self.provider}"), params=self.query,
                                allow_redirects=False, timeout=15)

    def run(self, *, deny: bool = False, form: Optional[dict] = None,
            tamper: Optional[Callable[[str], str]] = None, stop_at_callback: bool = False,
            stop_prefixes: tuple = ()) -> requests.Response:
        """Drives the flow; returns the last response (the 303 to the client,
        an error, or — with stop_at_callback — the provider's redirect to
        Latchkey's callback, not yet followed)."""
        r = self.authorize()
        stops = (self.redirect_uri,) + tuple(stop_prefixes)
        for _ in range(25):
            if r.status_code in (301, 302, 303, 307, 308):
                location = urljoin(r.url, r.headers["Location"])
                if any(location.startswith(p) for p in stops):
                    return r
                if f"{CALLBACK}/" in location:
                    self.callback_url = location
                    if stop_at_callback:
                        return r
                    if tamper is not None:
                        location = tamper(location)
                r = self.session.get(location, allow_redirects=False, timeout=15)
                continue
            if r.status_code == 200 and "/interaction/" in r.url:
                data = {"decision": "deny"} if deny else {"login": self.login, **(form or {})}
                r = self.session.post(r.url, data=data, allow_redirects=False, timeout=15)
                continue
            return r
        raise AssertionError("too many redirects")

    def code(self, r: requests.Response) -> str:
        assert r.status_code == 303, f"{r.status_code}: {r.text!r}"
        location = r.headers["Location"]
        assert location.startswith(self.redirect_uri), location
        q = parse_qs(urlparse(location).query)
        assert q["state"] == [self.state], location
        return q["code"][0]

    def exchange(self, code: str, **overrides) -> requests.Response:
        body = {
            "grant_type": "authorization_code",
            "client_id": self.project.id,
            "client_secret": self.project.keys["client"],
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
        }
        for k, v in overrides.items():
            if v is None:
                body.pop(k, None)
            else:
                body[k] = v
        return self.api.post(TOKEN, data=body)

    def sign_in(self, **run_args) -> dict:
        """The whole flow; returns the token answer."""
        r = self.exchange(self.code(self.run(**run_args)))
        assert r.status_code == 200, r.text
        return r.json()
