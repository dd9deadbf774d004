"""Access tokens and the JWKS endpoint: spec/tokens.md §1, §2, §4, §5, §8.

Until sign-up exists there is no server-issued token, so tokens are minted
here with the key derivation of tokens.md §2; the server must accept exactly
those and reject the malformed variants.
"""
from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from latchkey_e2e import (
    OMIT,
    SERVER_SECRET,
    assert_access_token_expired,
    assert_invalid_project_for_token,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_unparsable_token,
    b64url,
    derive_key,
    invalid_access_type_message,
    issuer_for,
    random_private_key,
    welcome_text,
)

ROOT = "/api/v1"
PROJECT = "/api/v1/projects/current"


def jwks_path(project_id: str, prefix: str = "v1") -> str:
    return f"/api/{prefix}/projects/{project_id}/.well-known/jwks.json"


# --------------------------------------------------------------------------
# key derivation (tokens.md §2)
# --------------------------------------------------------------------------


def test_derivation_matches_spec_test_vector():
    key = derive_key("23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo", "internal")
    assert key.per_audience_secret == "ctJ1FA8jzH5Zprd6oxlYt8uWBSD6KYO68wUHxVO7o7c"
    assert key.kid == "M5zZLA6iQw2n"
    assert key.d == "IheOz2KuLWZ5b7tD6WwR4GohgzC6R-LctuIy4hdKMGk"
    assert key.x == "1nTfAlWSPsAvLhYQkp_fGz7RckPtP6ZEZjVj6jZd70k"
    assert key.y == "vePcQBEJl4Mv2f2KA3MM4AIQvNWTCgo2fiKL-f_Pkb4"


def test_derivation_differs_per_audience():
    a, b = derive_key(SERVER_SECRET, "internal"), derive_key(SERVER_SECRET, str(uuid.uuid4()))
    assert a.kid != b.kid and a.x != b.x


# --------------------------------------------------------------------------
# JWKS (tokens.md §5)
# --------------------------------------------------------------------------


def test_jwks_of_internal_project_is_the_spec_example(api):
    r = api.get(jwks_path("internal"))
    body = assert_json(r)
    assert body == {"keys": [{"kty": "EC", "crv": "P-256", "alg": "ES256", "kid": "M5zZLA6iQw2n",
                              "x": "1nTfAlWSPsAvLhYQkp_fGz7RckPtP6ZEZjVj6jZd70k",
                              "y": "vePcQBEJl4Mv2f2KA3MM4AIQvNWTCgo2fiKL-f_Pkb4"}]}
    assert "use" not in body["keys"][0]


def test_jwks_of_created_project_is_its_derived_key(api, shared_project):
    body = assert_json(api.get(jwks_path(shared_project.id)))
    assert body == {"keys": [derive_key(SERVER_SECRET, shared_project.id).jwk]}


@pytest.mark.parametrize("prefix", ["latest", "v2beta1", "v2beta4"])
def test_jwks_under_version_aliases(api, prefix):
    assert assert_json(api.get(jwks_path("internal", prefix))) == {"keys": [derive_key(SERVER_SECRET, "internal").jwk]}


@pytest.mark.parametrize("project_id", ["no-such-project", str(uuid.uuid4())])
def test_jwks_unknown_project(api, project_id):
    assert_plain_text(api.get(jwks_path(project_id)), 404, "Project not found")


def test_jwks_needs_no_auth_but_runs_header_auth(api):
    assert_json(api.get(jwks_path("internal"), headers=api.headers("client")))
    r = api.get(jwks_path("internal"), headers=api.headers("bogus"))
    assert_known_error(r, 400, "INVALID_ACCESS_TYPE", invalid_access_type_message("bogus"))


def test_jwks_key_loads_with_pyjwt(api, shared_project):
    for project_id in ["internal", shared_project.id]:
        jwk = api.get(jwks_path(project_id)).json()["keys"][0]
        public = ECAlgorithm.from_jwk(json.dumps(jwk))
        expected = derive_key(SERVER_SECRET, project_id).private_key.public_key()
        assert public.public_numbers() == expected.public_numbers()


def test_self_minted_token_verifies_through_served_jwks(api, shared_project):
    for project_id in ["internal", shared_project.id]:
        # PyJWT checks iat against the real clock, which the test-mode clock may be ahead of
        token = api.mint(project_id, now=int(time.time()))
        client = jwt.PyJWKClient(api.url(jwks_path(project_id)))
        signing_key = client.get_signing_key_from_jwt(token)
        claims = jwt.decode(token, signing_key.key, algorithms=["ES256"], audience=project_id,
                            issuer=issuer_for(api.base_url, project_id))
        assert claims["aud"] == project_id
        assert claims["role"] == "authenticated"


def test_served_jwks_rejects_token_of_other_project(api, shared_project):
    token = api.mint(shared_project.id, kid=derive_key(SERVER_SECRET, "internal").kid)
    jwk = api.get(jwks_path("internal")).json()["keys"][0]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, ECAlgorithm.from_jwk(json.dumps(jwk)), algorithms=["ES256"],
                   audience=shared_project.id)


# --------------------------------------------------------------------------
# incoming access tokens (tokens.md §4, §8) on a normal route
# --------------------------------------------------------------------------


def _get_project(api, token, access_type="client", project=None):
    return api.get(PROJECT, headers=api.headers(access_type, project, access_token=token))


@pytest.mark.parametrize("access_type", ["client", "server", "admin"])
def test_valid_token_accepted(api, access_type):
    r = _get_project(api, api.mint("internal"), access_type)
    assert assert_json(r)["id"] == "internal"


def test_valid_token_of_created_project(api, shared_project):
    r = _get_project(api, api.mint(shared_project.id), "client", shared_project)
    assert assert_json(r)["id"] == shared_project.id


def test_token_without_refresh_token_id_accepted(api):
    assert_json(_get_project(api, api.mint("internal", refresh_token_id=OMIT)))


def test_token_without_kid_header_accepted(api):
    # the kid is only compared when the header has one
    assert_json(_get_project(api, api.mint("internal", kid=OMIT)))


def test_iat_and_nbf_not_checked(api):
    now = api.now_seconds()
    assert_json(_get_project(api, api.mint("internal", iat=now + 3600, exp=now + 7200)))
    token = _resign(_with_claims(api.mint("internal"), nbf=now + 3600))
    assert_json(_get_project(api, token))


def _with_claims(token: str, **extra) -> str:
    header, payload, sig = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims.update(extra)
    return f"{header}.{b64url(json.dumps(claims).encode())}.{sig}"


def _resign(token: str, aud: str = "internal") -> str:
    header, payload, _ = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    return jwt.encode(claims, derive_key(SERVER_SECRET, aud).private_key, algorithm="ES256",
                      headers={"typ": None, "kid": derive_key(SERVER_SECRET, aud).kid})


def _der_signed(api, aud="internal"):
    token = api.mint(aud)
    signing_input = token.rsplit(".", 1)[0].encode()
    der = derive_key(SERVER_SECRET, aud).private_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
    return f"{signing_input.decode()}.{b64url(der)}"


def _alg_none(api):
    header = b64url(json.dumps({"alg": "none"}).encode())
    now = api.now_seconds()
    payload = b64url(json.dumps({"sub": str(uuid.uuid4()), "branchId": "main", "aud": "internal",
                                 "iss": issuer_for(api.base_url, "internal"), "iat": now,
                                 "exp": now + 600}).encode())
    return f"{header}.{payload}."


def _hs256(api):
    now = api.now_seconds()
    claims = {"sub": str(uuid.uuid4()), "branchId": "main", "aud": "internal",
              "iss": issuer_for(api.base_url, "internal"), "iat": now, "exp": now + 600}
    return jwt.encode(claims, SERVER_SECRET, algorithm="HS256",
                      headers={"kid": derive_key(SERVER_SECRET, "internal").kid})


UNPARSABLE_TOKENS = {
    "not-a-jwt": lambda api: "not-a-jwt",
    "three-garbage-parts": lambda api: "a.b.c",
    "bad-base64-payload": lambda api: "eyJhbGciOiJFUzI1NiJ9.!!!.abc",
    "alg-none": _alg_none,
    "hs256": _hs256,
    "der-signature": _der_signed,
    "wrong-key": lambda api: api.mint("internal", key=random_private_key()),
    "other-server-secret": lambda api: api.mint("internal", secret="another-secret-another-secret-another-se"),
    "key-of-other-project": lambda api: api.mint("internal", key=derive_key(SERVER_SECRET, "other").private_key),
    "unknown-kid": lambda api: api.mint("internal", kid="AAAAAAAAAAAA"),
    "truncated-signature": lambda api: api.mint("internal")[:-8],
    "tampered-payload": lambda api: _tamper(api.mint("internal")),
    "wrong-issuer-other-project": lambda api: api.mint("internal", iss=issuer_for(api.base_url, "other")),
    "wrong-issuer-other-origin": lambda api: api.mint("internal", iss="http://example.com/api/v1/projects/internal"),
    "legacy-issuer": lambda api: api.mint("internal", iss="https://access-token.jwt-signature.stack-auth.com"),
    "no-issuer": lambda api: api.mint("internal", iss=OMIT),
    "no-aud": lambda api: api.mint(OMIT, key_audience="internal"),
    "aud-array": lambda api: api.mint(["internal"], key_audience="internal"),
    "no-branch-id": lambda api: api.mint("internal", branch_id=OMIT),
    "expired-and-wrong-key": lambda api: api.mint("internal", key=random_private_key(),
                                                  iat=api.now_seconds() - 3600, exp=api.now_seconds() - 60),
    "expired-and-wrong-issuer": lambda api: api.mint("internal", iss="https://example.com",
                                                     iat=api.now_seconds() - 3600, exp=api.now_seconds() - 60),
}


def _tamper(token: str) -> str:
    return _with_claims(token, sub=str(uuid.uuid4()))


@pytest.mark.parametrize("kind", list(UNPARSABLE_TOKENS))
def test_unparsable_tokens(api, kind):
    token = UNPARSABLE_TOKENS[kind](api)
    assert_unparsable_token(_get_project(api, token))


@pytest.mark.parametrize("kind", ["not-a-jwt", "wrong-key", "legacy-issuer", "no-aud"])
def test_unparsable_admin_tokens(api, kind):
    token = UNPARSABLE_TOKENS[kind](api)
    r = api.get(PROJECT, headers=api.headers("admin", admin_access_token=token))
    assert_unparsable_token(r, admin=True)


def test_expired_token(api):
    now = api.now_seconds()
    exp = now - 3600
    r = _get_project(api, api.mint("internal", iat=now - 7200, exp=exp))
    assert_access_token_expired(r, exp)


def test_expired_token_of_other_project_is_expired_first(api):
    # expiry is detected while verifying; the project comparison comes after
    now = api.now_seconds()
    exp = now - 60
    r = _get_project(api, api.mint("some-other-project", iat=now - 600, exp=exp))
    assert_access_token_expired(r, exp)


def test_token_for_other_project(api, shared_project):
    r = _get_project(api, api.mint(shared_project.id))
    assert_invalid_project_for_token(r, "internal", shared_project.id)
    r = _get_project(api, api.mint("internal"), "server", shared_project)
    assert_invalid_project_for_token(r, shared_project.id, "internal")


def test_clock_advance_endpoint(api):
    before = api.advance_clock(0)
    after = api.advance_clock(1500)
    assert after == before + 1500


def test_token_expires_when_server_clock_moves(api):
    now = api.now_seconds()
    token = api.mint("internal", iat=now, exp=now + 30)
    r = api.get(ROOT, headers=api.headers("client", access_token=token))
    assert_plain_text(r, 200, welcome_text("client"))
    api.advance_clock(90_000)
    r = api.get(ROOT, headers=api.headers("client", access_token=token))
    assert_access_token_expired(r, now + 30)


def test_admin_token_expires_when_server_clock_moves(api):
    now = api.now_seconds()
    token = api.mint("internal", iat=now, exp=now + 30)
    # before expiry the user lookup fails (no such user): plain-text 401
    r = api.get(ROOT, headers=api.headers("admin", admin_access_token=token))
    assert r.status_code == 401 and "x-stack-known-error" not in r.headers, r.text
    api.advance_clock(90_000)
    r = api.get(ROOT, headers=api.headers("admin", admin_access_token=token))
    assert_access_token_expired(r, now + 30, admin=True)
