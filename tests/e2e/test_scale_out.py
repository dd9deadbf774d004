"""Scale-out: two Latchkey processes on one PostgreSQL database, as behind a
load balancer. What one instance writes, the other serves: projects, keys,
users and sessions; a same-e-mail sign-up race spread over both still makes
exactly one user; revocations through one instance reach the other within
the read cache's TTL (--cache-ttl-ms).

PostgreSQL only: skipped unless LATCHKEY_TEST_DATABASE_URL is a postgres://
URL (scripts/test.sh sets it on its PostgreSQL pass).
"""
from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from auth_helpers import (
    CALLBACK,
    ME,
    REFRESH,
    SIGN_UP,
    assert_email_exists,
    assert_error,
    assert_refresh_token_error,
    decode_claims,
    new_email,
    refresh,
    sign_in,
    signed_up,
)
from conftest import Server, _binary, fresh_database, is_postgres_url
from latchkey_e2e import (
    INTERNAL_PROJECT,
    Client,
    Project,
    assert_invalid_key,
    assert_json,
    assert_known_error,
)

DATABASE_URL = os.environ.get("LATCHKEY_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not is_postgres_url(DATABASE_URL),
    reason="scale-out needs a shared PostgreSQL database: set LATCHKEY_TEST_DATABASE_URL to a "
           "postgresql:// URL (scripts/test.sh does on its PostgreSQL pass)")

SIGN_UPS = 200
PUBLIC_URL = "http://latchkey-behind-a-load-balancer.invalid"
CACHE_TTL_MS = 400


class Pair:
    """Two instances on one fresh database, started together (so that both
    run the migrations at once, under the advisory lock)."""

    def __init__(self, tmp_path_factory, database: str, cache_ttl_ms: int):
        self.servers = [
            Server(_binary(), tmp_path_factory.mktemp(f"scale-{name}"), database,
                   extra_args=("--cache-ttl-ms", str(cache_ttl_ms)))
            for name in ("a", "b")
        ]
        # As behind a load balancer: one public URL, so one token issuer.
        for s in self.servers:
            s.public_url = PUBLIC_URL
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda s: s.start(), self.servers))
        self.a, self.b = (Client(s.base_url) for s in self.servers)

    def stop(self) -> None:
        for s in self.servers:
            s.stop(check=False)

    def project(self, name: str) -> Project:
        out = self.servers[0].create_project(name)
        keys = {"client": out["publishable_client_key"], "server": out["secret_server_key"],
                "admin": out["super_secret_admin_key"]}
        project = Project(out["id"], out["display_name"], keys)
        for client in (self.a, self.b):
            client.projects[project.id] = project
        return project


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Caching off: every read sees the other instance's writes at once."""
    with fresh_database(DATABASE_URL) as database:
        p = Pair(tmp_path_factory, database, 0)
        try:
            yield p
        finally:
            p.stop()


@pytest.fixture(scope="module")
def cached_pair(tmp_path_factory):
    """The read cache on, with a short TTL."""
    with fresh_database(DATABASE_URL) as database:
        p = Pair(tmp_path_factory, database, CACHE_TTL_MS)
        try:
            yield p
        finally:
            p.stop()


def test_both_instances_share_the_internal_project_and_signing_keys(pair):
    # One migration run, one internal project, one server secret: a token
    # issued by A verifies on B.
    user = signed_up(pair.a, INTERNAL_PROJECT)
    me = assert_json(pair.b.get(ME, headers=pair.b.headers("client", access_token=user["access_token"])))
    assert me["id"] == user["user_id"]
    assert me["primary_email"] == user["email"]


def test_project_created_through_one_is_visible_through_the_other(pair):
    owner = signed_up(pair.a, INTERNAL_PROJECT)
    h = pair.a.headers("client", access_token=owner["access_token"])
    created = assert_json(pair.a.post("/api/v1/internal/projects", headers=h, json={
        "display_name": "Scale-out Project",
        "config": {"allow_localhost": True, "credential_enabled": True, "sign_up_enabled": True}}), 201)
    pid = created["id"]
    # B lists it for the owner and serves it to an admin access token.
    hb = pair.b.headers("client", access_token=owner["access_token"])
    assert [p["id"] for p in assert_json(pair.b.get("/api/v1/internal/projects", headers=hb))["items"]] == [pid]
    admin = {"x-stack-project-id": pid, "x-stack-access-type": "admin",
             "x-stack-admin-access-token": owner["access_token"]}
    current = assert_json(pair.b.get("/api/v1/internal/projects/current", headers=admin))
    assert current["display_name"] == "Scale-out Project"
    # Keys created through B work through A.
    keys = assert_json(pair.b.post("/api/v1/internal/api-keys", headers=admin, json={
        "description": "scale-out", "expires_at_millis": pair.b.now_millis() + 3600_000,
        "has_publishable_client_key": True, "has_secret_server_key": True,
        "has_super_secret_admin_key": False}))
    project = Project(pid, "Scale-out Project", {"client": keys["publishable_client_key"],
                                                 "server": keys["secret_server_key"]})
    end_user = signed_up(pair.a, project)
    assert decode_claims(end_user["access_token"])["aud"] == pid
    # A change through A is what B answers next.
    r = pair.a.patch("/api/v1/internal/projects/current", headers=admin,
                     json={"display_name": "Renamed through A"})
    assert_json(r)
    current = assert_json(pair.b.get("/api/v1/internal/projects/current", headers=admin))
    assert current["display_name"] == "Renamed through A"


def test_user_created_through_one_is_visible_through_the_other(pair):
    project = pair.project("scale-out users")
    user = signed_up(pair.a, project)
    by_id = f"/api/v1/users/{user['user_id']}"
    got = assert_json(pair.b.get(by_id, headers=pair.b.headers("server", project)))
    assert got["id"] == user["user_id"]
    assert got["primary_email"] == user["email"]
    # An update through B is read back through A.
    assert_json(pair.b.patch(by_id, headers=pair.b.headers("server", project),
                             json={"display_name": "Written by B"}))
    me = assert_json(pair.a.get(ME, headers=pair.a.headers("client", project,
                                                           access_token=user["access_token"])))
    assert me["display_name"] == "Written by B"
    # Deleted through A: gone on B.
    assert_json(pair.a.delete(by_id, headers=pair.a.headers("server", project)))
    r = pair.b.get(by_id, headers=pair.b.headers("server", project))
    assert_known_error(r, 404, "USER_NOT_FOUND", "User not found.")


def test_session_refreshes_and_is_revoked_through_the_other(pair):
    project = pair.project("scale-out sessions")
    user = signed_up(pair.a, project)
    signed_in = assert_json(sign_in(pair.a, project, user["email"]))
    token = signed_in["refresh_token"]
    # Created through A, refreshed through B (and again through A).
    for client in (pair.b, pair.a):
        refreshed = assert_json(refresh(client, project, token))
        assert decode_claims(refreshed["access_token"])["sub"] == user["user_id"]
    # Revoked through B: neither instance refreshes it any more.
    access = assert_json(refresh(pair.b, project, token))["access_token"]
    r = pair.b.delete("/api/v1/auth/sessions/current",
                      headers=pair.b.headers("client", project, access_token=access))
    assert_json(r)
    for client in (pair.a, pair.b):
        assert_refresh_token_error(refresh(client, project, token))
    # The user's other session (from sign-up) is untouched.
    assert_json(refresh(pair.a, project, user["refresh_token"]))


def test_password_change_through_one_revokes_sessions_on_the_other(pair):
    project = pair.project("scale-out password")
    user = signed_up(pair.a, project)
    other = assert_json(sign_in(pair.a, project, user["email"]))
    r = pair.b.post("/api/v1/auth/password/update",
                    headers=pair.b.headers("client", project, access_token=user["access_token"]),
                    json={"old_password": "correct horse 123", "new_password": "battery staple 456"})
    assert_json(r)
    # Every other session is gone, on both instances.
    for client in (pair.a, pair.b):
        assert_refresh_token_error(refresh(client, project, other["refresh_token"]))
    assert_json(sign_in(pair.a, project, user["email"], password="battery staple 456"))


def test_concurrent_sign_ups_of_one_email_over_both_instances_make_one_user(pair):
    project = pair.project("scale-out race")
    email = new_email("scale-race")
    clients = (pair.a, pair.b)

    def attempt(i: int):
        client = clients[i % 2]
        body = {"email": email, "password": f"password-{i:03d}",
                "verification_callback_url": CALLBACK}
        # A generous timeout: 200 argon2id hashes queue on a small machine.
        return client.post(SIGN_UP, headers=client.headers("client", project), json=body,
                           timeout=180)

    with ThreadPoolExecutor(max_workers=SIGN_UPS) as pool:
        results = list(pool.map(attempt, range(SIGN_UPS)))
    fives = [r.text for r in results if r.status_code >= 500]
    assert not fives, fives[:3]
    winners = [i for i, r in enumerate(results) if r.status_code == 200]
    assert len(winners) == 1, sorted(r.status_code for r in results)
    for r in results:
        if r.status_code != 200:
            assert_email_exists(r, email)
    # Both instances agree: one user with that e-mail, the winner's password.
    for client in clients:
        listed = assert_json(client.get("/api/v1/users", headers=client.headers("server", project),
                                        params={"query": email}))["items"]
        assert [u["primary_email"] for u in listed] == [email]
    winner = winners[0]
    assert_json(sign_in(pair.b, project, email, password=f"password-{winner:03d}"))


def test_key_set_revoked_through_one_is_refused_by_the_other_after_the_cache_ttl(cached_pair):
    pair = cached_pair
    project = pair.project("scale-out cached keys")
    created = pair.a.create_key_set(project, description="revoked through B")
    key_headers = {"x-stack-project-id": project.id, "x-stack-access-type": "client",
                   "x-stack-publishable-client-key": created["publishable_client_key"]}
    user = signed_up(pair.a, project)
    me_headers = {**key_headers, "x-stack-access-token": user["access_token"]}
    assert_json(pair.a.get(ME, headers=me_headers))  # A has the key cached now
    r = pair.b.patch(f"/api/v1/internal/api-keys/{created['id']}",
                     headers=pair.b.headers("admin", project), json={"revoked": True})
    assert_json(r)
    # B wrote, so B refuses at once; A may serve from its cache until the
    # TTL has passed, and must refuse after it.
    assert_invalid_key(pair.b.get(ME, headers=me_headers), "client", project.id)
    time.sleep(CACHE_TTL_MS / 1000 * 2)
    assert_invalid_key(pair.a.get(ME, headers=me_headers), "client", project.id)


def test_user_deleted_through_one_is_gone_on_the_other_after_the_cache_ttl(cached_pair):
    pair = cached_pair
    project = pair.project("scale-out cached users")
    user = signed_up(pair.a, project)
    me = pair.a.headers("client", project, access_token=user["access_token"])
    assert assert_json(pair.a.get(ME, headers=me))["id"] == user["user_id"]  # cached on A
    assert_json(pair.b.delete(f"/api/v1/users/{user['user_id']}",
                              headers=pair.b.headers("server", project)))
    time.sleep(CACHE_TTL_MS / 1000 * 2)
    # The token's user is gone: the request is signed out.
    assert_error(pair.a.get(ME, headers=me), "CANNOT_GET_OWN_USER_WITHOUT_USER", 400)
    # And the session is gone everywhere at once (sessions are never cached).
    for client in (pair.a, pair.b):
        assert_refresh_token_error(refresh(client, project, user["refresh_token"]))


def test_refresh_after_sign_out_through_the_other_is_refused_without_waiting(cached_pair):
    # Session look-ups are not cached: a sign-out through B is effective on A
    # immediately, even with the read cache on.
    pair = cached_pair
    project = pair.project(f"scale-out sign-out {uuid.uuid4().hex[:6]}")
    user = signed_up(pair.a, project)
    assert_json(refresh(pair.a, project, user["refresh_token"]))
    h = pair.b.headers("client", project, refresh_token=user["refresh_token"], access_token=None)
    assert_json(pair.b.delete("/api/v1/auth/sessions/current", headers=h))
    assert_refresh_token_error(refresh(pair.a, project, user["refresh_token"]))
    r = pair.a.post(REFRESH, headers=pair.a.headers("client", project,
                                                    refresh_token=user["refresh_token"]))
    assert_refresh_token_error(r)


def test_refresh_activity_is_read_back_through_the_same_instance_despite_its_cache(cached_pair):
    # A refresh writes the user's last activity: the instance that wrote it
    # must not serve its cached copy of the user afterwards.
    pair = cached_pair
    project = pair.project("scale-out activity")
    user = signed_up(pair.a, project)
    # The server shape of /users/me shows last activity (of the cached user).
    me = pair.a.headers("server", project, access_token=user["access_token"])
    before = assert_json(pair.a.get(ME, headers=me))["last_active_at_millis"]  # now cached on A
    time.sleep(0.01)
    assert_json(refresh(pair.a, project, user["refresh_token"]))
    after = assert_json(pair.a.get(ME, headers=me))["last_active_at_millis"]
    assert after > before


# Activity is written behind, in batches every --activity-flush-ms (default
# 250 ms): the instance that recorded it shows it at once, another one after
# that instance's next batch. So reads through the other instance poll, for a
# bound far above the interval that only catches activity never written.
ACTIVITY_DEADLINE_S = 5


def test_refresh_activity_through_one_is_seen_by_the_other(pair):
    project = pair.project("scale-out activity across")
    user = signed_up(pair.a, project)
    me = pair.a.headers("server", project, access_token=user["access_token"])
    before = assert_json(pair.a.get(ME, headers=me))["last_active_at_millis"]
    time.sleep(0.01)
    assert_json(refresh(pair.b, project, user["refresh_token"]))
    deadline = time.monotonic() + ACTIVITY_DEADLINE_S
    while True:
        active = assert_json(pair.a.get(ME, headers=me))["last_active_at_millis"]
        sessions = assert_json(pair.a.get("/api/v1/auth/sessions", headers=me,
                                          params={"user_id": "me"}))["items"]
        if active > before and any(s.get("last_used_at", 0) > s["created_at"] for s in sessions):
            break
        assert time.monotonic() < deadline, (before, active, sessions)
        time.sleep(0.05)
