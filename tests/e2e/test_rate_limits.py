"""Throttling (issue 19, README "Security"): each limit is hit, answers 429
with Retry-After and TOO_MANY_REQUESTS, ends when its window has passed
(the test-mode clock is moved, nothing sleeps), and never stops the owner
signing in from another address.

The server here has small limits and trusts 127.0.0.1 as a proxy, so each
test speaks from addresses of its own through X-Forwarded-For. The last
test uses the shared server, which trusts no proxy and has the defaults.
"""
from __future__ import annotations

import contextlib
import itertools
import uuid

import pytest

from auth_helpers import CALLBACK, PASSWORD, sign_in, sign_up
from conftest import Server, _binary, suite_database
from email_fixtures import project_factory, smtp_env, smtp_sink  # noqa: F401 (fixture)
from latchkey_e2e import Client
from mfa_helpers import current_totp, enroll, mfa_sign_in

V1 = "/api/v1"
WINDOW_MS = 60_000
LIMITS = {
    "--limit-sign-in-failures-per-account": "6/1min",
    "--limit-sign-in-failures-per-account-ip": "3/1min",
    "--limit-totp-failures-per-user": "3/1min",
    "--limit-emails-per-address": "3/1min",
    "--limit-sign-ups-per-ip": "3/1min",
    "--limit-code-sends-per-ip": "5/1min",
}
_addresses = (f"198.51.100.{i}" for i in itertools.count(1))


def new_ip() -> str:
    return next(_addresses)


def new_email() -> str:
    return f"limit-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture(scope="module")
def limited(tmp_path_factory, smtp_sink):
    workdir = tmp_path_factory.mktemp("latchkey-rate-limits")
    with contextlib.ExitStack() as stack:
        database = suite_database(stack, workdir)
        args = ["--trusted-proxies", "127.0.0.1"]
        for flag, value in LIMITS.items():
            args += [flag, value]
        srv = Server(_binary(), workdir, database, extra_args=tuple(args))
        srv.env.update(smtp_env(smtp_sink.port))
        srv.start()
        yield srv
        assert srv.stop() == 0, srv.logs()


@pytest.fixture(scope="module")
def lk(limited) -> Client:
    """A client of the limited server (not the shared `api`)."""
    return Client(limited.base_url)


@pytest.fixture
def lk_project(limited, lk):
    # Magic links on, for the code-sending tests.
    return project_factory(limited, lk)(magic_link_enabled=True)


def assert_limited(r, max_wait_s: int = WINDOW_MS // 1000) -> int:
    assert r.status_code == 429, f"{r.status_code}: {r.text}"
    body = r.json()
    assert body["code"] == "TOO_MANY_REQUESTS"
    assert r.headers["x-stack-known-error"] == "TOO_MANY_REQUESTS"
    wait = int(r.headers["retry-after"])
    assert 1 <= wait <= max_wait_s
    assert body["details"] == {"retry_after_seconds": wait}
    assert body["error"] == f"Too many attempts. Please wait {wait} second{'s' if wait != 1 else ''} before trying again."
    return wait


def user(api, project) -> str:
    email = new_email()
    r = sign_up(api, project, email, x_forwarded_for=new_ip())
    assert r.status_code == 200, r.text
    return email


def attempt(api, project, email, password, ip):
    return sign_in(api, project, email, password, x_forwarded_for=ip)


# --- failed password sign-ins --------------------------------------------------


def test_wrong_passwords_from_one_address_are_throttled_but_the_owner_signs_in(lk, lk_project):
    api, project = lk, lk_project
    email = user(api, project)
    attacker = new_ip()
    for _ in range(3):
        assert attempt(api, project, email, "wrong password", attacker).json()["code"] == "EMAIL_PASSWORD_MISMATCH"
    # Even the right password waits: a guess that hit would not be told apart.
    assert_limited(attempt(api, project, email, PASSWORD, attacker))
    assert_limited(attempt(api, project, email, "wrong password", attacker))
    # The owner, elsewhere, is not locked out.
    assert attempt(api, project, email, PASSWORD, new_ip()).status_code == 200
    # The window passes: the address may try again.
    api.advance_clock(WINDOW_MS)
    assert attempt(api, project, email, PASSWORD, attacker).status_code == 200


def test_unknown_accounts_are_throttled_alike(lk, lk_project):
    api, project = lk, lk_project
    # No account oracle: an address without an account gets the same 429s.
    ip = new_ip()
    known, unknown = user(api, project), new_email()
    for email in (known, unknown):
        for _ in range(3):
            assert attempt(api, project, email, "wrong password", ip).status_code == 400
        assert_limited(attempt(api, project, email, "wrong password", ip))


def test_a_success_resets_the_address_count(lk, lk_project):
    api, project = lk, lk_project
    email = user(api, project)
    ip = new_ip()
    for _ in range(2):
        assert attempt(api, project, email, "wrong password", ip).status_code == 400
    assert attempt(api, project, email, PASSWORD, ip).status_code == 200
    for _ in range(2):
        assert attempt(api, project, email, "wrong password", ip).status_code == 400
    assert attempt(api, project, email, PASSWORD, ip).status_code == 200


def test_many_addresses_reach_the_account_limit_which_ends_with_its_window(lk, lk_project):
    api, project = lk, lk_project
    email = user(api, project)
    for _ in range(3):
        for _ in range(2):
            assert attempt(api, project, email, "wrong password", new_ip()).status_code == 400
    wait = assert_limited(attempt(api, project, email, PASSWORD, new_ip()))
    api.advance_clock(wait * 1000)
    assert attempt(api, project, email, PASSWORD, new_ip()).status_code == 200


# --- TOTP ------------------------------------------------------------------------


def test_totp_guesses_are_limited_per_user_across_attempt_codes(lk, lk_project):
    api, project = lk, lk_project
    email = user(api, project)
    ip = new_ip()
    signed_in = attempt(api, project, email, PASSWORD, ip).json()
    secret = enroll(api, project, signed_in)

    def attempt_code():
        r = attempt(api, project, email, PASSWORD, ip)
        assert r.json()["code"] == "MULTI_FACTOR_AUTHENTICATION_REQUIRED", r.text
        return r.json()["details"]["attempt_code"]

    right = current_totp(api, secret)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):  # a fresh attempt code for each guess
        assert mfa_sign_in(api, project, attempt_code(), wrong).json()["code"] == "INVALID_TOTP_CODE"
    code = attempt_code()
    assert_limited(mfa_sign_in(api, project, code, current_totp(api, secret)))
    api.advance_clock(WINDOW_MS)
    r = mfa_sign_in(api, project, attempt_code(), current_totp(api, secret))
    assert r.status_code == 200, r.text


# --- e-mails -----------------------------------------------------------------------


def send_reset(api, project, email, ip):
    return api.post(f"{V1}/auth/password/send-reset-code",
                    headers=api.headers("client", project, x_forwarded_for=ip),
                    json={"email": email, "callback_url": CALLBACK})


def send_otp(api, project, email, ip):
    return api.post(f"{V1}/auth/otp/send-sign-in-code",
                    headers=api.headers("client", project, x_forwarded_for=ip),
                    json={"email": email, "callback_url": CALLBACK})


def test_emails_per_address_known_or_not(lk, lk_project):
    api, project = lk, lk_project
    known, unknown = user(api, project), new_email()
    answers = {}
    for email in (known, unknown):
        got = [send_reset(api, project, email, new_ip()) for _ in range(4)]
        assert [r.status_code for r in got] == [200, 200, 200, 429]
        assert_limited(got[-1])
        answers[email] = [(r.status_code, r.json().get("code")) for r in got]
    assert answers[known] == answers[unknown]
    # Other routes share the address's count; the window ends it. (OTP to
    # `known`, an unverified password account, is refused by its contract.)
    assert_limited(send_otp(api, project, unknown, new_ip()))
    api.advance_clock(WINDOW_MS)
    assert send_otp(api, project, unknown, new_ip()).status_code == 200
    assert send_reset(api, project, known, new_ip()).status_code == 200


def test_code_sends_per_client_address(lk, lk_project):
    api, project = lk, lk_project
    ip = new_ip()
    for _ in range(5):
        assert send_otp(api, project, new_email(), ip).status_code == 200
    assert_limited(send_otp(api, project, new_email(), ip))
    assert send_otp(api, project, new_email(), new_ip()).status_code == 200
    api.advance_clock(WINDOW_MS)
    assert send_otp(api, project, new_email(), ip).status_code == 200


# --- sign-ups ----------------------------------------------------------------------


def test_sign_ups_per_client_address(lk, lk_project):
    api, project = lk, lk_project
    ip = new_ip()
    for _ in range(3):
        assert sign_up(api, project, new_email(), x_forwarded_for=ip).status_code == 200
    assert_limited(sign_up(api, project, new_email(), x_forwarded_for=ip))
    anonymous = api.post(f"{V1}/auth/anonymous/sign-up",
                         headers=api.headers("client", project, x_forwarded_for=ip))
    assert anonymous.status_code in (400, 429), anonymous.text  # off for new projects, else counted
    # Server access acts for many people from one address: not counted.
    assert sign_up(api, project, new_email(), access="server", x_forwarded_for=ip).status_code == 200
    assert sign_up(api, project, new_email(), x_forwarded_for=new_ip()).status_code == 200
    api.advance_clock(WINDOW_MS)
    assert sign_up(api, project, new_email(), x_forwarded_for=ip).status_code == 200


# --- the default server ------------------------------------------------------------


def test_defaults_throttle_and_ignore_forwarded_for_from_untrusted_peers(server, make_project):
    # The shared server trusts no proxy: a guesser changing X-Forwarded-For
    # is still one address, and meets the default limit (10 per 15 min).
    client = Client(server.base_url)
    project = make_project()
    client.projects[project.id] = project
    email = new_email()
    assert sign_up(client, project, email).status_code == 200
    for i in range(10):
        r = sign_in(client, project, email, "wrong password", x_forwarded_for=f"203.0.113.{i}")
        assert r.status_code == 400, r.text
    assert_limited(sign_in(client, project, email, PASSWORD, x_forwarded_for="203.0.113.99"),
                   max_wait_s=15 * 60)
