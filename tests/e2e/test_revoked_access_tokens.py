"""--refuse-revoked-access-tokens (README "Security"): an access token whose
session was signed out, revoked or deleted is refused as ACCESS_TOKEN_EXPIRED
(so an SDK tries its refresh token, which fails, and signs out) — at once on
the instance that ended the session, and on another instance sharing the
database within --cache-ttl-ms. Without the flag a token works until it
expires, as in Stack.

Runs on the suite's engine (a fresh SQLite file, or a fresh PostgreSQL
database when LATCHKEY_TEST_DATABASE_URL is a postgres:// URL); the
two-instance test needs PostgreSQL.
"""
from __future__ import annotations

import contextlib
import os
import time

import pytest

from auth_helpers import ME, SESSIONS, signed_up
from conftest import is_postgres_url, servers_on_one_database
from latchkey_e2e import INTERNAL_PROJECT, Client, assert_json, assert_known_error

DATABASE_URL = os.environ.get("LATCHKEY_TEST_DATABASE_URL", "")
PUBLIC_URL = "http://latchkey-revocation.invalid"
CACHE_TTL_MS = 400
FLAG = "--refuse-revoked-access-tokens"


@contextlib.contextmanager
def servers(tmp_path, *arg_lists: tuple):
    """One server per argument list, all on one fresh database."""
    with servers_on_one_database(tmp_path, *(("--cache-ttl-ms", str(CACHE_TTL_MS), *args)
                                              for args in arg_lists),
                                 public_url=PUBLIC_URL) as started:
        yield [Client(s.base_url) for s in started]


def me(client: Client, user: dict):
    return client.get(ME, headers=client.headers("client", INTERNAL_PROJECT,
                                                 access_token=user["access_token"]))


def assert_refused(r) -> None:
    # Expired "now": no expiry time to give (Stack's message without it).
    assert_known_error(r, 401, "ACCESS_TOKEN_EXPIRED",
                       "Access token has expired. Please refresh it and try again.",
                       {"expired_at_millis": None})


def sign_out(client: Client, user: dict) -> None:
    h = client.headers("client", INTERNAL_PROJECT, access_token=user["access_token"],
                       refresh_token=user["refresh_token"])
    assert_json(client.delete("/api/v1/auth/sessions/current", headers=h))


def test_signed_out_token_is_refused_at_once_with_the_flag(tmp_path):
    with servers(tmp_path, (FLAG,)) as (client,):
        user = signed_up(client, INTERNAL_PROJECT)
        other = signed_up(client, INTERNAL_PROJECT)
        assert assert_json(me(client, user))["id"] == user["user_id"]  # session cached as live
        sign_out(client, user)
        assert_refused(me(client, user))
        # Another user's session is untouched.
        assert assert_json(me(client, other))["id"] == other["user_id"]


def test_session_revoked_by_the_server_is_refused_with_the_flag(tmp_path):
    with servers(tmp_path, (FLAG,)) as (client,):
        user = signed_up(client, INTERNAL_PROJECT)
        h = client.headers("server", INTERNAL_PROJECT)
        sessions = assert_json(client.get(f"{SESSIONS}?user_id={user['user_id']}", headers=h))
        [session] = sessions["items"]
        assert_json(client.delete(f"{SESSIONS}/{session['id']}?user_id={user['user_id']}",
                                  headers=h))
        assert_refused(me(client, user))


def test_without_the_flag_a_signed_out_token_works_until_it_expires(tmp_path):
    with servers(tmp_path, ()) as (client,):
        user = signed_up(client, INTERNAL_PROJECT)
        sign_out(client, user)
        assert assert_json(me(client, user))["id"] == user["user_id"]


@pytest.mark.skipif(not is_postgres_url(DATABASE_URL),
                    reason="two instances need a shared PostgreSQL database")
def test_sign_out_through_one_instance_is_refused_by_the_other_within_the_cache_ttl(tmp_path):
    with servers(tmp_path, (FLAG,), (FLAG,)) as (a, b):
        user = signed_up(a, INTERNAL_PROJECT)
        assert assert_json(me(a, user))["id"] == user["user_id"]  # live, cached on A
        sign_out(b, user)
        deadline = time.monotonic() + CACHE_TTL_MS / 1000 * 3
        while me(a, user).status_code == 200:
            assert time.monotonic() < deadline, "A still accepts the token after 3 cache TTLs"
            time.sleep(0.05)
        assert_refused(me(a, user))
