"""The request pipeline shared by every route: spec/overview.md §1–§10.

Routes used as probes: `GET /api/v1` (auth optional), `GET /projects/current`
(client or higher), `/internal/api-keys` (admin only) and an unknown path.
"""
from __future__ import annotations

import json
import uuid
from urllib.parse import urljoin

import pytest
import requests

from latchkey_e2e import (
    ADMIN_TOKEN_USER_GONE,
    CORS_HEADERS,
    INTERNAL_KEYS,
    INTERNAL_PROJECT_ID,
    JSON_CT,
    KEY_HEADERS,
    MSG,
    REQUEST_ID_RE,
    TEXT_CT,
    access_type_without_project_message,
    assert_access_token_expired,
    assert_auth_required,
    assert_cors,
    assert_insufficient_access_type,
    assert_invalid_key,
    assert_invalid_project_for_token,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_route_headers,
    assert_schema_error,
    assert_schema_error_contains,
    assert_static_headers,
    assert_unparsable_token,
    compact,
    invalid_access_type_message,
    not_found_text,
    pretty,
    random_private_key,
    raw_exchange,
    welcome_text,
)

ROOT = "/api/v1"
PROJECT = "/api/v1/projects/current"
KEYS = "/api/v1/internal/api-keys"
ADMIN_PROJECT = "/api/v1/internal/projects/current"
ACCESS_TYPES = ["client", "server", "admin"]
PREFIXES = ["v1", "v2beta1", "v2beta2", "v2beta3", "v2beta4", "latest"]
GARBAGE_TOKEN = "this-is-not-a-jwt"


def valid_key_set_body(api) -> dict:
    return {
        "description": "pipeline key set",
        "expires_at_millis": api.now_millis() + 3600 * 1000,
        "has_publishable_client_key": True,
        "has_secret_server_key": False,
        "has_super_secret_admin_key": False,
    }


# --------------------------------------------------------------------------
# §1 base path, versions, slashes
# --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_version_prefix_root(api, prefix):
    r = api.get(f"/api/{prefix}")
    assert_plain_text(r, 200, welcome_text())


@pytest.mark.parametrize("prefix", PREFIXES)
def test_version_prefix_serves_same_route(api, prefix):
    expected = assert_json(api.get(PROJECT, headers=api.headers("client")))
    r = api.get(f"/api/{prefix}/projects/current", headers=api.headers("client"))
    assert assert_json(r) == expected


@pytest.mark.parametrize("prefix", PREFIXES)
def test_version_prefix_runs_same_checks(api, prefix):
    r = api.get(f"/api/{prefix}/internal/api-keys", headers=api.headers("client"))
    assert_insufficient_access_type(r, "client", ["admin"])


def test_unknown_version_is_unknown_route(api):
    r = api.get("/api/v3/projects/current")
    assert_plain_text(r, 404, not_found_text(api.url("/api/v3/projects/current")))


def _check_redirect_or_direct(api, r, expected_path):
    """Either the server normalised the path itself (final answer), or it
    answered 308 pointing at the normalised path."""
    if r.status_code == 308:
        location = r.headers.get("location")
        assert location, "308 without Location"
        assert urljoin(api.url("/"), location) == api.url(expected_path), location
        return True
    return False


def test_trailing_slash_root(api):
    r = api.get("/api/v1/")
    if not _check_redirect_or_direct(api, r, "/api/v1"):
        assert_plain_text(r, 200, welcome_text())
    r = api.get("/api/v1/", allow_redirects=True)
    assert_plain_text(r, 200, welcome_text())


def test_trailing_slash_route(api):
    headers = api.headers("server")
    r = api.get(PROJECT + "/", headers=headers)
    if not _check_redirect_or_direct(api, r, PROJECT):
        assert assert_json(r)["id"] == INTERNAL_PROJECT_ID
    r = api.get(PROJECT + "/", headers=headers, allow_redirects=True)
    assert assert_json(r)["id"] == INTERNAL_PROJECT_ID


@pytest.mark.parametrize("path", ["//api/v1/projects/current", "/api/v1//projects/current",
                                  "/api//v1/projects/current"])
def test_repeated_slashes(api, path):
    # The Python docs' helper produces `//api/v1/...` (overview.md §12.1);
    # `requests` must end in success, by normalisation or by a 308.
    headers = api.headers("server")
    r = api.get(path, headers=headers)
    if not _check_redirect_or_direct(api, r, PROJECT):
        assert assert_json(r)["id"] == INTERNAL_PROJECT_ID
    r = api.get(path, headers=headers, allow_redirects=True)
    body = assert_json(r)
    assert body["id"] == INTERNAL_PROJECT_ID
    assert set(body) == {"id", "display_name", "config"}


# Open-redirect probes (issue 19): the slash-normalising 308 never sends a
# browser to another host. Sent raw, so no client library re-encodes them.
OFF_HOST_PATHS = [
    "/%5Cevil.example/", "/%5cevil.example//", "/%09/evil.example/", "/%2F/evil.example/",
    "/%2fevil.example/", "/%0D%0A/evil.example/", "/%5C%5Cevil.example/", "/\\evil.example/",
    "/api/v1/%5Cevil.example/",
]


def _location(header_block: str):
    for line in header_block.split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "location":
            return value.strip()
    return None


@pytest.mark.parametrize("path", OFF_HOST_PATHS)
def test_slash_redirect_never_leaves_the_host(api, path):
    status_line, header_block, _ = raw_exchange(api.base_url, "GET", path)
    location = _location(header_block)
    assert location is None, f"{path} redirected to {location!r} ({status_line})"
    assert " 404 " in status_line + " ", status_line


@pytest.mark.parametrize("path,expected", [
    ("//evil.example/", "/evil.example"),
    ("///evil.example", "/evil.example"),
    ("//evil.example//x/", "/evil.example/x"),
    ("/api/v1/?next=//evil.example", "/api/v1?next=//evil.example"),
])
def test_slash_redirect_collapses_to_a_path_on_this_host(api, path, expected):
    status_line, header_block, _ = raw_exchange(api.base_url, "GET", path)
    assert " 308 " in status_line, status_line
    assert _location(header_block) == expected


def test_never_301_or_302(api):
    for path in ["/api/v1/", "//api/v1", PROJECT + "/", "/api/v1/nope/"]:
        r = api.get(path)
        assert r.status_code not in (301, 302), (path, r.status_code)


# A path is routed as sent: split at its own slashes, then each segment is
# percent-decoded once. An encoded slash is part of its segment, never a
# separator, and %25 decodes to a literal "%" that is not decoded again.


def test_encoded_slash_stays_in_its_path_parameter(api):
    path = "/api/v1/users/abc%2Fdef"
    r = api.get(path, headers=api.headers("server"))
    assert_schema_error(r, "GET", path, ["params.user_id must be a valid UUID"])


def test_encoded_slash_does_not_reach_a_longer_route(api):
    # Decoded first, this was POST /team-memberships/{team_id}/{user_id}.
    path = f"/api/v1/team-memberships/{uuid.uuid4()}%2F{uuid.uuid4()}"
    r = api.post(path, headers=api.headers("server"), json={})
    assert_plain_text(r, 404, not_found_text(api.url(path)))


def test_encoded_slash_is_no_separator_in_the_version_prefix(api):
    r = api.get("/api%2Fv1/projects/current", headers=api.headers("server"))
    assert_plain_text(r, 404, "Not found", route=False)


def _get_as_written(api, path):
    """GET with the path byte for byte (requests would turn %61 into "a")."""
    with requests.Session() as session:
        session.trust_env = False
        prepared = requests.Request("GET", api.url(path)).prepare()
        prepared.url = api.url(path)
        return session.send(prepared, timeout=15, allow_redirects=False)


def test_path_segments_are_decoded_once(api):
    once = _get_as_written(api, "/api/v1/projects/intern%61l/.well-known/jwks.json")
    assert assert_json(once) == assert_json(api.get("/api/v1/projects/internal/.well-known/jwks.json"))
    # %2561 is an encoded "%61": the project id is the text "intern%61l".
    twice = _get_as_written(api, "/api/v1/projects/intern%2561l/.well-known/jwks.json")
    assert_plain_text(twice, 404, "Project not found")


def test_slash_redirect_keeps_the_path_encoded(api):
    r = api.get("/api/v1/users/abc%2F/")
    assert r.status_code == 308
    assert r.headers["location"] == "/api/v1/users/abc%2F"


# --------------------------------------------------------------------------
# §3.1 header authentication, in order
# --------------------------------------------------------------------------

# step 1


@pytest.mark.parametrize("header", [
    "x-stack-publishable-client-key", "x-stack-secret-server-key",
    "x-stack-super-secret-admin-key", "x-stack-admin-access-token"])
def test_key_without_access_type(api, header):
    r = api.get(ROOT, headers={"x-stack-project-id": "internal", header: "some-value"})
    assert_known_error(r, 400, "PROJECT_KEY_WITHOUT_ACCESS_TYPE", MSG["PROJECT_KEY_WITHOUT_ACCESS_TYPE"])


def test_key_without_access_type_on_route_needing_auth(api):
    # header auth runs before the endpoint's ACCESS_TYPE_REQUIRED
    r = api.get(PROJECT, headers={"x-stack-publishable-client-key": INTERNAL_KEYS["client"]})
    assert_known_error(r, 400, "PROJECT_KEY_WITHOUT_ACCESS_TYPE", MSG["PROJECT_KEY_WITHOUT_ACCESS_TYPE"])


@pytest.mark.parametrize("header", [
    "x-stack-publishable-client-key", "x-stack-secret-server-key",
    "x-stack-super-secret-admin-key", "x-stack-admin-access-token"])
def test_empty_key_without_access_type_is_absent(api, header):
    r = api.get(ROOT, headers={header: ""})
    assert_plain_text(r, 200, welcome_text())


# step 2


def test_no_access_type_means_no_auth(api):
    r = api.get(ROOT, headers={"x-stack-project-id": "internal"})
    assert_plain_text(r, 200, welcome_text())


def test_empty_access_type_is_absent(api):
    r = api.get(ROOT, headers={"x-stack-access-type": "", "x-stack-project-id": "internal"})
    assert_plain_text(r, 200, welcome_text())


def test_empty_access_type_with_key_is_key_without_access_type(api):
    r = api.get(ROOT, headers={"x-stack-access-type": "", "x-stack-project-id": "internal",
                               "x-stack-publishable-client-key": INTERNAL_KEYS["client"]})
    assert_known_error(r, 400, "PROJECT_KEY_WITHOUT_ACCESS_TYPE", MSG["PROJECT_KEY_WITHOUT_ACCESS_TYPE"])


@pytest.mark.parametrize("token_kind", ["garbage", "expired", "wrong-project"])
def test_access_token_ignored_without_access_type(api, token_kind):
    now = api.now_seconds()
    token = {
        "garbage": GARBAGE_TOKEN,
        "expired": api.mint("internal", iat=now - 3600, exp=now - 60),
        "wrong-project": api.mint("some-other-project"),
    }[token_kind]
    r = api.get(ROOT, headers={"x-stack-project-id": "internal", "x-stack-access-token": token})
    assert_plain_text(r, 200, welcome_text())


def test_branch_ignored_without_access_type(api):
    r = api.get(ROOT, headers={"x-stack-project-id": "internal", "x-stack-branch-id": "dev"})
    assert_plain_text(r, 200, welcome_text())


def test_empty_access_type_on_route_needing_auth(api):
    r = api.get(PROJECT, headers={"x-stack-access-type": "", "x-stack-project-id": "internal"})
    assert_known_error(r, 400, "ACCESS_TYPE_REQUIRED", MSG["ACCESS_TYPE_REQUIRED"])


# §2 header handling


def test_header_names_are_case_insensitive(api):
    headers = {"X-STACK-ACCESS-TYPE": "server", "X-Stack-Project-Id": "internal",
               "X-Stack-Secret-Server-Key": INTERNAL_KEYS["server"]}
    assert_plain_text(api.get(ROOT, headers=headers), 200, welcome_text("server"))


def test_header_values_are_stripped(api):
    # surrounding whitespace is removed by HTTP parsing; requests refuses to
    # send it, so the request is written by hand
    status_line, _, body = raw_exchange(api.base_url, "GET", ROOT, {
        "x-stack-access-type": "  client ",
        "x-stack-project-id": " internal  ",
        "x-stack-publishable-client-key": "   " + INTERNAL_KEYS["client"] + "\t",
    })
    assert status_line.split(" ")[1] == "200", (status_line, body)
    assert body.decode() == welcome_text("client")


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_keys_compared_exactly(api, access_type):
    for variant in [INTERNAL_KEYS[access_type].upper(), INTERNAL_KEYS[access_type] + "x",
                    INTERNAL_KEYS[access_type][:-1]]:
        headers = api.headers(access_type)
        headers[KEY_HEADERS[access_type]] = variant
        assert_invalid_key(api.get(ROOT, headers=headers), access_type, "internal")


# step 3


@pytest.mark.parametrize("value", ["bogus", "Client", "ADMIN", "client,server"])
def test_invalid_access_type(api, value):
    headers = api.headers("client")
    headers["x-stack-access-type"] = value
    r = api.get(ROOT, headers=headers)
    assert_known_error(r, 400, "INVALID_ACCESS_TYPE", invalid_access_type_message(value))


def test_invalid_access_type_before_missing_project(api):
    r = api.get(ROOT, headers={"x-stack-access-type": "bogus", "x-stack-access-token": GARBAGE_TOKEN})
    assert_known_error(r, 400, "INVALID_ACCESS_TYPE", invalid_access_type_message("bogus"))


# step 4


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_access_type_without_project_id(api, access_type):
    headers = api.headers(access_type, project_id=None)
    r = api.get(ROOT, headers=headers)
    assert_known_error(r, 400, "ACCESS_TYPE_WITHOUT_PROJECT_ID",
                       access_type_without_project_message(access_type), {"request_type": access_type})


def test_empty_project_id_is_absent(api):
    r = api.get(ROOT, headers=api.headers("server", project_id=""))
    assert_known_error(r, 400, "ACCESS_TYPE_WITHOUT_PROJECT_ID",
                       access_type_without_project_message("server"), {"request_type": "server"})


def test_missing_project_id_before_access_token(api):
    r = api.get(ROOT, headers=api.headers("client", project_id=None, access_token=GARBAGE_TOKEN))
    assert_known_error(r, 400, "ACCESS_TYPE_WITHOUT_PROJECT_ID",
                       access_type_without_project_message("client"), {"request_type": "client"})


# step 5 (token details in test_tokens.py)


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_unparsable_access_token(api, access_type):
    r = api.get(ROOT, headers=api.headers(access_type, access_token=GARBAGE_TOKEN))
    assert_unparsable_token(r)


def test_access_token_checked_before_missing_key(api):
    r = api.get(ROOT, headers=api.headers("client", publishable_client_key=None, access_token=GARBAGE_TOKEN))
    assert_unparsable_token(r)


def test_access_token_checked_before_invalid_key(api):
    r = api.get(ROOT, headers=api.headers("client", publishable_client_key="pck_wrong",
                                          access_token=GARBAGE_TOKEN))
    assert_unparsable_token(r)


def test_access_token_checked_before_unknown_project(api):
    # the project need not exist for the token check; the token is for another audience
    token = api.mint("internal")
    r = api.get(ROOT, headers=api.headers("client", project="no-such-project",
                                          publishable_client_key="pck_x", access_token=token))
    assert_invalid_project_for_token(r, "no-such-project", "internal")


def test_expired_access_token(api):
    now = api.now_seconds()
    exp = now - 120
    token = api.mint("internal", iat=now - 3600, exp=exp)
    r = api.get(ROOT, headers=api.headers("client", access_token=token))
    assert_access_token_expired(r, exp)


def test_access_token_of_other_project(api):
    token = api.mint("some-other-project")
    r = api.get(ROOT, headers=api.headers("server", access_token=token))
    assert_invalid_project_for_token(r, "internal", "some-other-project")


def test_expired_access_token_fails_on_every_route(api):
    # (quirk, kept) an expired token with an access type fails even where
    # the endpoint would not need a user
    now = api.now_seconds()
    exp = now - 5
    token = api.mint("internal", iat=now - 600, exp=exp)
    r = api.get(PROJECT, headers=api.headers("client", access_token=token))
    assert_access_token_expired(r, exp)


def test_valid_access_token_of_unknown_user_is_signed_out(api):
    r = api.get(ROOT, headers=api.headers("client", access_token=api.mint("internal")))
    assert_plain_text(r, 200, welcome_text("client"))


def test_empty_access_token_is_absent(api):
    r = api.get(ROOT, headers=api.headers("client", access_token=""))
    assert_plain_text(r, 200, welcome_text("client"))


def test_token_branch_claim_not_compared_with_header(api):
    token = api.mint("internal", branch_id="some-branch")
    r = api.get(ROOT, headers=api.headers("client", access_token=token))
    assert_plain_text(r, 200, welcome_text("client"))


# step 6: development override (§3.4). The server runs with --test-mode, but
# the spec lets an implementation omit the feature entirely, answering every
# use with the "only allowed in development or test environments" text.

OVERRIDE_OMITTED = "Development key override is only allowed in development or test environments"


def _override_headers(api, project, key):
    return api.headers("admin", project=project, super_secret_admin_key=None, development_override_key=key)


@pytest.fixture(scope="module")
def override_supported(api, shared_project):
    r = api.get(ROOT, headers=_override_headers(api, shared_project.id, INTERNAL_KEYS["admin"]))
    return not (r.status_code == 401 and r.text == OVERRIDE_OMITTED)


def test_development_override_grants_any_access(api, shared_project, override_supported):
    r = api.get(ADMIN_PROJECT, headers=_override_headers(api, shared_project.id, INTERNAL_KEYS["admin"]))
    if not override_supported:
        assert_plain_text(r, 401, OVERRIDE_OMITTED)
        return
    body = assert_json(r)
    assert body["id"] == shared_project.id


def test_development_override_invalid_key(api, shared_project, override_supported):
    # the project's own (valid) admin key alongside does not matter: step 6 skips 7-8
    headers = api.headers("admin", project=shared_project, development_override_key=INTERNAL_KEYS["client"])
    r = api.get(ADMIN_PROJECT, headers=headers)
    assert_plain_text(r, 401, "Invalid development key override" if override_supported else OVERRIDE_OMITTED)


def test_development_override_unknown_project(api, override_supported):
    # step 9: with the override, a missing project is PROJECT_NOT_FOUND
    r = api.get(ROOT, headers=_override_headers(api, "no-such-project", INTERNAL_KEYS["admin"]))
    if not override_supported:
        assert_plain_text(r, 401, OVERRIDE_OMITTED)
        return
    assert_known_error(r, 404, "PROJECT_NOT_FOUND",
                       "Project no-such-project not found or is not accessible with the current user.",
                       {"project_id": "no-such-project"})


# step 7: admin access tokens (§3.3)


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_unparsable_admin_access_token(api, access_type):
    r = api.get(ROOT, headers=api.headers(access_type, admin_access_token=GARBAGE_TOKEN))
    assert_unparsable_token(r, admin=True)


def test_admin_access_token_wrong_issuer(api):
    token = api.mint("internal", iss="https://access-token.jwt-signature.stack-auth.com")
    r = api.get(ROOT, headers=api.headers("admin", admin_access_token=token))
    assert_unparsable_token(r, admin=True)


def test_admin_access_token_bad_signature(api):
    token = api.mint("internal", key=random_private_key())
    r = api.get(ROOT, headers=api.headers("admin", admin_access_token=token))
    assert_unparsable_token(r, admin=True)


def test_admin_access_token_expired(api):
    now = api.now_seconds()
    exp = now - 30
    token = api.mint("internal", iat=now - 900, exp=exp)
    r = api.get(ROOT, headers=api.headers("admin", admin_access_token=token))
    assert_access_token_expired(r, exp, admin=True)


def test_admin_access_token_not_of_internal_project(api, shared_project):
    token = api.mint(shared_project.id)
    r = api.get(ROOT, headers=api.headers("admin", project=shared_project, admin_access_token=token))
    assert_known_error(r, 401, "ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN", MSG["ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN"])


@pytest.mark.parametrize("target", ["internal", "shared"])
def test_admin_access_token_user_gone(api, shared_project, target):
    project = "internal" if target == "internal" else shared_project
    token = api.mint("internal")  # a validly signed token of a user that does not exist
    r = api.get(ROOT, headers=api.headers("client", project=project, admin_access_token=token))
    assert_plain_text(r, 401, ADMIN_TOKEN_USER_GONE)


def test_admin_access_token_replaces_keys(api):
    # a valid key alongside an invalid admin token does not help: the token is checked instead
    r = api.get(ROOT, headers=api.headers("client", admin_access_token=GARBAGE_TOKEN))
    assert_unparsable_token(r, admin=True)
    r = api.get(ROOT, headers=api.headers("server", secret_server_key="ssk_wrong", admin_access_token=GARBAGE_TOKEN))
    assert_unparsable_token(r, admin=True)


def test_user_token_checked_before_admin_token(api):
    r = api.get(ROOT, headers=api.headers("admin", access_token=GARBAGE_TOKEN, admin_access_token=GARBAGE_TOKEN))
    assert_unparsable_token(r)


def test_empty_admin_access_token_is_absent(api):
    r = api.get(ROOT, headers=api.headers("admin", admin_access_token=""))
    assert_plain_text(r, 200, welcome_text("admin"))


# step 8: keys


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_valid_key(api, access_type):
    r = api.get(ROOT, headers=api.headers(access_type))
    assert_plain_text(r, 200, welcome_text(access_type))


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_missing_key(api, access_type):
    headers = api.headers(access_type)
    del headers[KEY_HEADERS[access_type]]
    r = api.get(ROOT, headers=headers)
    assert_auth_required(r, access_type)


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_empty_key_is_missing(api, access_type):
    headers = api.headers(access_type)
    headers[KEY_HEADERS[access_type]] = ""
    r = api.get(ROOT, headers=headers)
    assert_auth_required(r, access_type)


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_wrong_key(api, access_type):
    headers = api.headers(access_type)
    headers[KEY_HEADERS[access_type]] = "pck_definitely-not-a-key"
    r = api.get(ROOT, headers=headers)
    assert_invalid_key(r, access_type, "internal")


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_only_matching_key_header_is_read(api, access_type):
    # all the other (correct) keys, but not the one for the declared type
    headers = {"x-stack-access-type": access_type, "x-stack-project-id": "internal"}
    for other, header in KEY_HEADERS.items():
        if other != access_type:
            headers[header] = INTERNAL_KEYS[other]
    r = api.get(ROOT, headers=headers)
    assert_auth_required(r, access_type)


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_key_of_other_access_type_in_header(api, access_type):
    other = {"client": "server", "server": "admin", "admin": "client"}[access_type]
    headers = api.headers(access_type)
    headers[KEY_HEADERS[access_type]] = INTERNAL_KEYS[other]
    r = api.get(ROOT, headers=headers)
    assert_invalid_key(r, access_type, "internal")


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_nonexistent_project(api, access_type):
    # not PROJECT_NOT_FOUND: the key is simply not valid for it
    headers = api.headers(access_type, project_id="no-such-project")
    r = api.get(ROOT, headers=headers)
    assert_invalid_key(r, access_type, "no-such-project")


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_keys_of_another_project(api, shared_project, access_type):
    # internal's keys sent for the shared project, and the shared project's for internal
    headers = api.headers(access_type, project_id=shared_project.id)
    r = api.get(ROOT, headers=headers)
    assert_invalid_key(r, access_type, shared_project.id)
    headers = api.headers(access_type, project=shared_project, project_id="internal")
    r = api.get(ROOT, headers=headers)
    assert_invalid_key(r, access_type, "internal")


@pytest.mark.parametrize("access_type", ACCESS_TYPES)
def test_keys_of_extra_project_work(api, shared_project, access_type):
    r = api.get(ROOT, headers=api.headers(access_type, project=shared_project))
    assert_plain_text(r, 200, welcome_text(access_type, shared_project.id))


# step 10: branches


def test_main_branch(api):
    r = api.get(ROOT, headers=api.headers("client", branch_id="main"))
    assert_plain_text(r, 200, welcome_text("client"))


@pytest.mark.parametrize("branch", ["dev", "Main", ""])
def test_branch_does_not_exist(api, branch):
    # an empty value is *not* treated as absent (quirk, overview.md §2)
    r = api.get(ROOT, headers=api.headers("server", branch_id=branch))
    assert_known_error(r, 400, "BRANCH_DOES_NOT_EXIST", f"The branch with ID {branch} does not exist.",
                       {"branch_id": branch})


def test_branch_checked_after_keys(api):
    r = api.get(ROOT, headers=api.headers("server", secret_server_key="ssk_wrong", branch_id="dev"))
    assert_invalid_key(r, "server", "internal")


def test_branch_checked_on_routes(api):
    r = api.get(PROJECT, headers=api.headers("client", branch_id="dev"))
    assert_known_error(r, 400, "BRANCH_DOES_NOT_EXIST", "The branch with ID dev does not exist.",
                       {"branch_id": "dev"})


# --------------------------------------------------------------------------
# §4 request validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("method,path", [("GET", PROJECT), ("GET", KEYS), ("GET", ADMIN_PROJECT)])
def test_access_type_required(api, method, path):
    r = api.request(method, path)
    assert_known_error(r, 400, "ACCESS_TYPE_REQUIRED", MSG["ACCESS_TYPE_REQUIRED"])


def test_access_type_required_before_schema_error(api):
    r = api.post(KEYS, json={"unknown": 1})
    assert_known_error(r, 400, "ACCESS_TYPE_REQUIRED", MSG["ACCESS_TYPE_REQUIRED"])


@pytest.mark.parametrize("access_type", ["client", "server"])
@pytest.mark.parametrize("method,path", [("GET", KEYS), ("GET", ADMIN_PROJECT)])
def test_insufficient_access_type(api, access_type, method, path):
    r = api.request(method, path, headers=api.headers(access_type))
    assert_insufficient_access_type(r, access_type, ["admin"])


def test_insufficient_access_type_before_schema_error(api):
    r = api.post(KEYS, headers=api.headers("client"), json={"unknown": 1})
    assert_insufficient_access_type(r, "client", ["admin"])


def test_schema_error_query_on_root(api):
    r = api.get(ROOT, params={"extra": "param"})
    assert_schema_error(r, "GET", "/api/v1", ["query contains unknown properties: extra"])


def test_schema_error_query_on_root_with_auth(api):
    r = api.get(ROOT, headers=api.headers("client"), params={"extra": "param"})
    assert_schema_error(r, "GET", "/api/v1", ["query contains unknown properties: extra"])


def test_auth_error_before_schema_error(api):
    r = api.get(ROOT, headers=api.headers("bogus"), params={"extra": "param"})
    assert_known_error(r, 400, "INVALID_ACCESS_TYPE", invalid_access_type_message("bogus"))


def test_schema_error_body(api):
    r = api.post(KEYS, headers=api.headers("admin"), json={})
    assert_schema_error_contains(r, "POST", KEYS, [
        "body.description must be defined",
        "body.expires_at_millis must be defined",
        "body.has_publishable_client_key must be defined",
        "body.has_secret_server_key must be defined",
        "body.has_super_secret_admin_key must be defined",
    ])


def test_schema_error_unknown_body_property(api):
    body = valid_key_set_body(api)
    body["foo"] = 1
    r = api.post(KEYS, headers=api.headers("admin"), json=body)
    assert_schema_error(r, "POST", KEYS, ["body contains unknown properties: foo"])


# --------------------------------------------------------------------------
# §5 bodies and content types
# --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"{not json", b"", b"{\"a\": 1", b"undefined"])
def test_invalid_json_body(api, raw):
    r = api.post(KEYS, headers=api.headers("admin", content_type="application/json"), data=raw)
    assert_known_error(r, 400, "BODY_PARSING_ERROR", MSG["BODY_PARSING_INVALID_JSON"])


@pytest.mark.parametrize("content_type", ["multipart/form-data", "text/xml", "Application/JSON", "application/xml"])
def test_unknown_content_type(api, content_type):
    r = api.post(KEYS, headers=api.headers("admin", content_type=content_type), data=b"x")
    assert_known_error(r, 400, "BODY_PARSING_ERROR", f"Unknown content type in request body: {content_type}")


@pytest.mark.parametrize("headers_kind", ["none", "bogus-type", "bad-key", "garbage-token"])
def test_body_parse_error_wins_over_auth(api, headers_kind):
    headers = {
        "none": {},
        "bogus-type": api.headers("bogus"),
        "bad-key": api.headers("admin", super_secret_admin_key="sak_wrong"),
        "garbage-token": api.headers("admin", access_token=GARBAGE_TOKEN),
    }[headers_kind]
    headers["content-type"] = "application/json"
    r = api.post(KEYS, headers=headers, data=b"{oops")
    assert_known_error(r, 400, "BODY_PARSING_ERROR", MSG["BODY_PARSING_INVALID_JSON"])


@pytest.mark.parametrize("depth", [600, 100000])
def test_deeply_nested_json_is_refused_and_server_survives(api, depth):
    # Deep nesting used to crash the server in a recursive walk; it is now a
    # clean parse error, and the server keeps answering.
    for body in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        r = api.post("/api/v1/auth/password/sign-in",
                     headers=api.headers("client", content_type="application/json"), data=body)
        assert_known_error(r, 400, "BODY_PARSING_ERROR", MSG["BODY_PARSING_INVALID_JSON"])
    assert api.get("/health").status_code == 200


def test_moderately_nested_json_is_parsed(api):
    body = b"[" * 100 + b"]" * 100
    r = api.post(KEYS, headers=api.headers("admin", content_type="application/json"), data=body)
    assert r.status_code == 400 and r.json()["code"] == "SCHEMA_ERROR"


def test_body_parse_error_on_patch(api):
    r = api.patch(ADMIN_PROJECT, headers=api.headers("client", content_type="application/json"), data=b"[")
    assert_known_error(r, 400, "BODY_PARSING_ERROR", MSG["BODY_PARSING_INVALID_JSON"])


def test_body_parse_error_on_unknown_route(api):
    r = api.post("/api/v1/no-such-route", headers={"content-type": "application/json"}, data=b"{oops")
    assert_known_error(r, 400, "BODY_PARSING_ERROR", MSG["BODY_PARSING_INVALID_JSON"])


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data", "text/xml"])
def test_get_body_is_ignored(api, content_type):
    r = api.get(ROOT, headers={"content-type": content_type}, data=b"{not json")
    assert_plain_text(r, 200, welcome_text())
    r = api.get(PROJECT, headers=api.headers("client", content_type=content_type), data=b"{not json")
    assert assert_json(r)["id"] == "internal"


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/json;charset=UTF-8",
                                          "application/json; foo=bar"])
def test_json_content_type_with_parameters(api, shared_project, content_type):
    body = valid_key_set_body(api)
    r = api.post(KEYS, headers=api.headers("admin", shared_project, content_type=content_type),
                 data=json.dumps(body).encode())
    created = assert_json(r)
    assert created["description"] == body["description"]


def test_delete_body_is_parsed(api, project):
    # DELETE bodies are parsed too: a broken one stops the request before anything happens
    r = api.delete(ADMIN_PROJECT, headers=api.headers("admin", project, content_type="application/json"),
                   data=b"{broken")
    assert_known_error(r, 400, "BODY_PARSING_ERROR", MSG["BODY_PARSING_INVALID_JSON"])
    assert_json(api.get(ADMIN_PROJECT, headers=api.headers("admin", project)))


def test_form_urlencoded_body_is_coerced(api, shared_project):
    # form values are strings; yup-style coercion turns them into numbers and booleans
    expires = api.now_millis() + 3600 * 1000
    form = (f"description=first&description=last&expires_at_millis={expires}"
            "&has_publishable_client_key=true&has_secret_server_key=false&has_super_secret_admin_key=false")
    r = api.post(KEYS, headers=api.headers("admin", shared_project,
                                           content_type="application/x-www-form-urlencoded"),
                 data=form.encode())
    created = assert_json(r)
    assert created["description"] == "last"  # last value wins
    assert created["expires_at_millis"] == expires
    assert created["publishable_client_key"].startswith("pck_")
    assert "secret_server_key" not in created and "super_secret_admin_key" not in created


@pytest.mark.parametrize("content_type,raw", [
    ("text/plain", b"hello"),
    ("application/octet-stream", b"\x00\x01\x02"),
    ("application/json", b"[1, 2]"),
    ("application/json", b"\"a string\""),
])
def test_non_object_bodies_are_schema_errors(api, content_type, raw):
    r = api.post(KEYS, headers=api.headers("admin", content_type=content_type), data=raw)
    assert_schema_error_contains(r, "POST", KEYS)


def test_invalid_utf8_is_lenient(api):
    # invalid bytes decode to U+FFFD instead of failing
    raw = b'{"description": "bad \xff byte"}'
    r = api.post(KEYS, headers=api.headers("admin", content_type="application/json"), data=raw)
    assert_schema_error_contains(r, "POST", KEYS, ["body.expires_at_millis must be defined"])


# --------------------------------------------------------------------------
# §6 responses
# --------------------------------------------------------------------------


def test_request_id_format_and_uniqueness(api):
    ids = set()
    for _ in range(5):
        r = api.get(ROOT)
        assert r.status_code == 200
        rid = r.headers["x-stack-request-id"]
        assert REQUEST_ID_RE.match(rid), rid
        ids.add(rid)
    assert len(ids) == 5


def _sample_responses(api):
    return {
        "text": api.get(ROOT),
        "json": api.get(PROJECT, headers=api.headers("client")),
        "known-error": api.get(ROOT, headers=api.headers("bogus")),
        "schema-error": api.get(ROOT, params={"extra": "1"}),
        "not-found": api.get("/api/v1/nope"),
        "plain-error": api.get("/api/v1/projects/no-such-project/.well-known/jwks.json"),
        "body-error": api.post(KEYS, headers={"content-type": "application/json"}, data=b"{"),
    }


def test_route_headers_on_every_route_response(api):
    for kind, r in _sample_responses(api).items():
        try:
            assert_route_headers(r)
        except AssertionError as e:
            raise AssertionError(f"{kind} ({r.status_code}): {e}") from e


def test_static_headers_on_non_route_responses(api):
    for r in [api.patch(PROJECT), api.options(PROJECT), api.head(ROOT)]:
        assert_static_headers(r)


def test_content_types(api):
    assert api.get(ROOT).headers["content-type"] == TEXT_CT
    assert api.get(PROJECT, headers=api.headers("client")).headers["content-type"] == JSON_CT


def test_compact_json_by_default(api):
    r = api.get(PROJECT, headers=api.headers("client", accept="application/json"))
    body = assert_json(r)
    assert r.text == compact(body)


@pytest.mark.parametrize("accept", ["text/html", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"])
def test_pretty_json_for_html_accept(api, accept):
    r = api.get(PROJECT, headers=api.headers("client", accept=accept))
    assert r.status_code == 200
    assert r.headers["content-type"] == JSON_CT
    body = r.json()
    assert r.text == pretty(body)
    assert r.text != compact(body)


# --------------------------------------------------------------------------
# §7 error envelope
# --------------------------------------------------------------------------


def test_error_envelope_exact_text_with_details(api):
    r = api.get(ROOT, headers={"x-stack-access-type": "admin"})
    msg = access_type_without_project_message("admin")
    expected = ('{\n  "code": "ACCESS_TYPE_WITHOUT_PROJECT_ID",\n  "details": {\n    "request_type": "admin"\n  },\n'
                f'  "error": {json.dumps(msg)}\n}}')
    assert r.status_code == 400
    assert r.headers["x-stack-known-error"] == "ACCESS_TYPE_WITHOUT_PROJECT_ID"
    assert r.text == expected


def test_error_envelope_exact_text_without_details(api):
    r = api.get(ROOT, headers=api.headers("bogus"))
    expected = ('{\n  "code": "INVALID_ACCESS_TYPE",\n'
                f'  "error": {json.dumps(invalid_access_type_message("bogus"))}\n}}')
    assert r.status_code == 400
    assert r.text == expected


def test_error_envelope_pretty_even_without_html_accept(api):
    r = api.get(ROOT, headers=api.headers("bogus", accept="application/json"))
    assert_known_error(r, 400, "INVALID_ACCESS_TYPE", invalid_access_type_message("bogus"))


# §7.4 status override


@pytest.mark.parametrize("value", ["true", "false", "1", "anything"])
def test_override_error_status_known_error(api, value):
    plain = api.get(ROOT, headers=api.headers("client", publishable_client_key="pck_wrong"))
    r = api.get(ROOT, headers=api.headers("client", publishable_client_key="pck_wrong",
                                          override_error_status=value))
    assert r.status_code == 200
    assert r.headers.get("x-stack-actual-status") == "401"
    assert r.headers.get("x-stack-known-error") == "INVALID_PUBLISHABLE_CLIENT_KEY"
    assert r.headers.get("content-type") == JSON_CT
    assert r.text == plain.text
    assert_route_headers(r)


def test_override_error_status_body_parsing_error(api):
    r = api.post(KEYS, headers={"content-type": "application/json", "x-stack-override-error-status": "true"},
                 data=b"{")
    assert r.status_code == 200
    assert r.headers.get("x-stack-actual-status") == "400"
    assert r.headers.get("x-stack-known-error") == "BODY_PARSING_ERROR"
    assert r.json()["code"] == "BODY_PARSING_ERROR"


def test_override_error_status_plain_text_errors(api):
    r = api.get("/api/v1/nope", headers={"x-stack-override-error-status": "true"})
    assert r.status_code == 200
    assert r.headers.get("x-stack-actual-status") == "404"
    assert r.headers.get("content-type") == TEXT_CT
    assert r.text == not_found_text(api.url("/api/v1/nope"))
    token = api.mint("internal")
    r = api.get(ROOT, headers=api.headers("client", admin_access_token=token, override_error_status="true"))
    assert r.status_code == 200
    assert r.headers.get("x-stack-actual-status") == "401"
    assert r.text == ADMIN_TOKEN_USER_GONE


def test_override_error_status_leaves_success_alone(api):
    r = api.get(PROJECT, headers=api.headers("client", override_error_status="true"))
    assert_json(r)
    assert "x-stack-actual-status" not in r.headers


def test_override_error_status_not_for_bare_405(api):
    r = api.patch(PROJECT, headers={"x-stack-override-error-status": "true"})
    assert r.status_code == 405
    assert "x-stack-actual-status" not in r.headers


# --------------------------------------------------------------------------
# §8 CORS
# --------------------------------------------------------------------------


def test_cors_headers_on_every_api_response(api):
    responses = _sample_responses(api)
    responses["405"] = api.delete(PROJECT)
    responses["override"] = api.get(ROOT, headers=api.headers("bogus", override_error_status="1"))
    for kind, r in responses.items():
        try:
            assert_cors(r)
        except AssertionError as e:
            raise AssertionError(f"{kind} ({r.status_code}): {e}") from e


@pytest.mark.parametrize("path", [ROOT, PROJECT, KEYS, "/api/v1/nope", "/api/v1/internal/api-keys/not-a-uuid",
                                  "/api/latest/projects/current"])
def test_preflight(api, path):
    headers = {
        "Origin": "https://example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-stack-access-type",
        # none of these may be looked at before the preflight answer
        "x-stack-access-type": "bogus",
        "x-stack-publishable-client-key": "pck_wrong",
        "x-stack-access-token": GARBAGE_TOKEN,
        "content-type": "application/json",
    }
    r = api.options(path, headers=headers, data=b"{not json")
    assert r.status_code == 200, r.text
    assert r.content == b""
    assert "x-stack-known-error" not in r.headers
    for name, value in CORS_HEADERS.items():
        assert r.headers.get(name) == value, name
    assert "Access-Control-Allow-Credentials" not in r.headers


# The request headers each SDK sends from a browser (read from the published
# packages' client-interface.js): a preflight must allow every one of them.
SDK_BROWSER_HEADERS = {
    "2.8.39": ["x-stack-override-error-status", "x-stack-project-id", "x-stack-access-type",
               "x-stack-client-version", "x-stack-access-token", "x-stack-refresh-token",
               "x-stack-allow-anonymous-user", "x-stack-publishable-client-key",
               "x-stack-admin-access-token", "x-stack-random-nonce", "ngrok-skip-browser-warning",
               "content-type"],
    "2.8.108": ["x-hexclave-override-error-status", "x-hexclave-project-id", "x-hexclave-access-type",
                "x-hexclave-client-version", "x-hexclave-access-token", "x-hexclave-refresh-token",
                "x-hexclave-allow-anonymous-user", "x-hexclave-publishable-client-key",
                "x-hexclave-admin-access-token", "x-hexclave-random-nonce",
                "x-hexclave-secret-server-key", "x-hexclave-super-secret-admin-key",
                "ngrok-skip-browser-warning", "content-type"],
}


@pytest.mark.parametrize("version", sorted(SDK_BROWSER_HEADERS))
def test_preflight_allows_every_sdk_header(api, version):
    requested = SDK_BROWSER_HEADERS[version] + ["x-stack-allow-restricted-user"]
    r = api.options(ROOT, headers={
        "Origin": "http://127.0.0.1:5173",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": ", ".join(requested),
    })
    assert r.status_code == 200
    allowed = {h.strip() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert set(requested) <= allowed, set(requested) - allowed
    exposed = {h.strip() for h in r.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"x-hexclave-known-error", "x-hexclave-actual-status", "x-stack-known-error"} <= exposed


# --------------------------------------------------------------------------
# §9 GET /api/v1
# --------------------------------------------------------------------------


def test_root_without_auth(api):
    r = api.get(ROOT)
    assert_plain_text(r, 200, welcome_text())
    assert r.text == (
        "Welcome to the Stack API endpoint! Please refer to the documentation at https://docs.stack-auth.com.\n"
        "\nAuthentication: None")


@pytest.mark.parametrize("access_type,label", [("client", "Client"), ("server", "Server"), ("admin", "Admin")])
def test_root_with_auth(api, access_type, label):
    r = api.get(ROOT, headers=api.headers(access_type))
    assert_plain_text(r, 200, (
        "Welcome to the Stack API endpoint! Please refer to the documentation at https://docs.stack-auth.com.\n"
        f"\nAuthentication: {label}\n  Project: internal\n  User: None"))


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_root_other_methods(api, method):
    r = api.request(method, ROOT)
    _assert_bare_405(r)


# --------------------------------------------------------------------------
# §10 unknown routes and wrong methods
# --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/projects/current/extra", "/api/v1/internal",
                                  "/api/nothing-here"])
def test_unknown_route(api, method, path):
    r = api.request(method, path)
    assert_plain_text(r, 404, not_found_text(api.url(path)))


def test_unknown_route_url_includes_query(api):
    r = api.get("/api/v1/nope?x=1&y=two")
    assert_plain_text(r, 404, not_found_text(api.url("/api/v1/nope?x=1&y=two")))


def test_unknown_route_with_valid_auth(api):
    r = api.get("/api/v1/nope", headers=api.headers("admin"))
    assert_plain_text(r, 404, not_found_text(api.url("/api/v1/nope")))


def test_unknown_route_runs_header_auth(api):
    r = api.get("/api/v1/nope", headers=api.headers("bogus"))
    assert_known_error(r, 400, "INVALID_ACCESS_TYPE", invalid_access_type_message("bogus"))
    r = api.get("/api/v1/nope", headers=api.headers("client", publishable_client_key="pck_wrong"))
    assert_invalid_key(r, "client", "internal")
    r = api.post("/api/v1/nope", headers=api.headers("server", access_token=GARBAGE_TOKEN))
    assert_unparsable_token(r)


def _assert_bare_405(r):
    assert r.status_code == 405, f"{r.status_code}: {r.text!r}"
    assert r.content == b""
    assert "content-type" not in r.headers, r.headers.get("content-type")
    assert "x-stack-known-error" not in r.headers
    assert_cors(r)


@pytest.mark.parametrize("method,path", [
    ("PATCH", PROJECT), ("DELETE", PROJECT), ("POST", PROJECT), ("PUT", PROJECT),
    ("PUT", KEYS), ("DELETE", KEYS), ("PATCH", KEYS),
    ("POST", ADMIN_PROJECT), ("PUT", ADMIN_PROJECT),
    ("POST", "/api/v1/projects/internal/.well-known/jwks.json"),
])
def test_wrong_method(api, method, path):
    r = api.request(method, path)
    _assert_bare_405(r)


@pytest.mark.parametrize("headers_kind", ["valid-admin", "bogus-type"])
def test_wrong_method_regardless_of_auth(api, headers_kind):
    headers = api.headers("admin") if headers_kind == "valid-admin" else api.headers("bogus")
    _assert_bare_405(api.patch(PROJECT, headers=headers, json={}))


@pytest.mark.parametrize("path", [ROOT, PROJECT, KEYS, "/api/v1/projects/internal/.well-known/jwks.json"])
def test_head_on_get_route(api, path):
    r = api.head(path)
    assert r.status_code == 405
    assert r.headers.get("content-type") == TEXT_CT
    assert "x-stack-known-error" not in r.headers
    # a HEAD answer carries no body; if the length of the would-be body is
    # announced it is that of "Method not allowed"
    if "content-length" in r.headers:
        assert r.headers["content-length"] == str(len("Method not allowed"))
    assert_cors(r)


@pytest.mark.parametrize("path", [ROOT, PROJECT, "/api/v1/nope"])
def test_head_response_carries_no_body(api, path):
    # RFC 9112 §6.3: a response to HEAD ends with its header section; bytes
    # after it would be read as the start of the next response on a
    # keep-alive connection
    status_line, _, rest = raw_exchange(api.base_url, "HEAD", path)
    assert status_line.split(" ")[1] in ("404", "405"), status_line
    assert rest == b"", f"HEAD {path} answered with a body: {rest!r}"


def test_removed_global_jwks(api):
    r = api.get("/.well-known/jwks.json")
    assert r.status_code == 404
