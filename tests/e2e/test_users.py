"""The users API: spec/users.md (GET/PATCH/DELETE /users/me, GET/POST /users,
GET/PATCH/DELETE /users/{user_id}).

Access tokens for /users/me are minted here with the key derivation of
tokens.md §2 (sub = a user created through POST /users), so these tests do not
depend on the session endpoints; the sign-out-on-password-change test uses
POST /auth/sessions.
"""
from __future__ import annotations

import uuid

import pytest

from latchkey_e2e import (
    assert_access_token_expired,
    assert_insufficient_access_type,
    assert_invalid_key,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_schema_error,
    assert_schema_error_contains,
    assert_unparsable_token,
    MSG,
)

USERS = "/api/v1/users"
ME = "/api/v1/users/me"
PROJECT_ADMIN = "/api/v1/internal/projects/current"

SERVER_KEYS = {
    "id", "display_name", "primary_email", "primary_email_verified", "primary_email_auth_enabled",
    "profile_image_url", "signed_up_at_millis", "last_active_at_millis", "is_anonymous",
    "client_metadata", "client_read_only_metadata", "server_metadata", "has_password",
    "otp_auth_enabled", "passkey_auth_enabled", "auth_with_email", "requires_totp_mfa",
    "oauth_providers", "selected_team_id", "selected_team",
}
# A REST client without a client version reads Stack's shape of a5734defb;
# the fields later SDKs read are in test_sdk_compat.py.
CLIENT_KEYS = SERVER_KEYS - {"last_active_at_millis", "server_metadata", "primary_email_auth_enabled"}

# bcrypt hashes of "hunter22" (cost 10) and of another password at cost 17.
BCRYPT_HUNTER22 = "$2a$10$abcdefghijklmnopqrstuu8ghF75pz3E166qWsJO7qgiWIujvDbnu"
BCRYPT_COST_17 = "$2a$17$abcdefghijklmnopqrstuuPOLBI9MCvTzYYFbnEon.eLMSSxUG.im"

CANNOT_GET_OWN = "You have specified 'me' as a userId, but did not provide authentication for a user."
GIF = "data:image/gif;base64,R0lGODlhAQABAAAAACw="


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def email() -> str:
    return f"u-{uuid.uuid4().hex[:12]}@example.com"


def create(api, project, expected: int = 201, access: str = "server", **body):
    r = api.post(USERS, headers=api.headers(access, project), json=body)
    if expected != 201:
        return r
    return assert_json(r, 201)


def get(api, project, user_id: str) -> dict:
    return assert_json(api.get(f"{USERS}/{user_id}", headers=api.headers("server", project)))


def patch(api, project, user_id: str, **body):
    return api.patch(f"{USERS}/{user_id}", headers=api.headers("server", project), json=body)


def token(api, project, user_id: str, **kw) -> str:
    return api.mint(project.id, sub=user_id, **kw)


def me_headers(api, project, access: str, user_id: str, **kw) -> dict:
    return api.headers(access, project, access_token=token(api, project, user_id, **kw))


def set_config(api, project, **config) -> None:
    r = api.patch(PROJECT_ADMIN, headers=api.headers("admin", project), json={"config": config})
    assert r.status_code == 200, r.text


def user_count(api, project) -> int:
    return assert_json(api.get(PROJECT_ADMIN, headers=api.headers("admin", project)))["user_count"]


def assert_user_not_found(r) -> None:
    assert_known_error(r, 404, "USER_NOT_FOUND", "User not found.")


def assert_cannot_get_own(r) -> None:
    assert_known_error(r, 400, "CANNOT_GET_OWN_USER_WITHOUT_USER", CANNOT_GET_OWN)


def assert_email_exists(r, address: str) -> None:
    assert_known_error(r, 409, "USER_EMAIL_ALREADY_EXISTS",
                       f'A user with email "{address}" already exists.', {"email": address})


# --------------------------------------------------------------------------
# POST /users
# --------------------------------------------------------------------------


def test_create_empty_body_gives_defaults(api, project):
    u = create(api, project)
    assert set(u) == SERVER_KEYS
    assert uuid.UUID(u["id"]).version == 4
    assert isinstance(u["signed_up_at_millis"], int)
    assert u["last_active_at_millis"] == u["signed_up_at_millis"]
    expected = {
        "display_name": None, "primary_email": None, "primary_email_verified": False,
        "primary_email_auth_enabled": False, "profile_image_url": None, "is_anonymous": False,
        "client_metadata": None, "client_read_only_metadata": None, "server_metadata": None,
        "has_password": False, "otp_auth_enabled": False, "passkey_auth_enabled": False,
        "auth_with_email": False, "requires_totp_mfa": False, "oauth_providers": [],
        "selected_team_id": None, "selected_team": None,
    }
    assert {k: u[k] for k in expected} == expected
    assert get(api, project, u["id"]) == u


def test_create_with_fields(api, project):
    address = email()
    u = create(api, project, primary_email=address, primary_email_auth_enabled=True,
               display_name="John Dough", server_metadata="test",
               client_metadata={"a": [1, 2]}, client_read_only_metadata=42,
               profile_image_url="http://localhost:8101/x.png")
    assert u["primary_email"] == address
    assert u["primary_email_auth_enabled"] is True
    assert u["primary_email_verified"] is False
    assert u["auth_with_email"] is False  # no password, no OTP
    assert u["display_name"] == "John Dough"
    assert u["server_metadata"] == "test"
    assert u["client_metadata"] == {"a": [1, 2]}
    assert u["client_read_only_metadata"] == 42
    assert u["profile_image_url"] == "http://localhost:8101/x.png"


def test_create_normalises_email_and_empty_display_name(api, project):
    local = uuid.uuid4().hex[:10]
    u = create(api, project, primary_email=f"Mixed.{local}@Example.COM", display_name="",
               primary_email_verified=True)
    assert u["primary_email"] == f"mixed.{local}@example.com"
    assert u["primary_email_verified"] is True
    assert u["display_name"] is None


def test_create_accepts_lenient_email(api, project):
    u = create(api, project, primary_email="invalid_email@gmai")
    assert u["primary_email"] == "invalid_email@gmai"


def test_create_with_password_and_sign_in(api, project):
    address = email()
    u = create(api, project, primary_email=address, primary_email_auth_enabled=True,
               password="short")  # the users API has no minimum length
    assert u["has_password"] is True and u["auth_with_email"] is True
    r = api.post("/api/v1/auth/password/sign-in", headers=api.headers("client", project),
                 json={"email": address, "password": "short"})
    body = assert_json(r)
    assert body["user_id"] == u["id"]


def test_create_with_imported_bcrypt_hash_signs_in(api, project):
    address = email()
    u = create(api, project, primary_email=address, primary_email_auth_enabled=True,
               password_hash=BCRYPT_HUNTER22)
    assert u["has_password"] is True
    r = api.post("/api/v1/auth/password/sign-in", headers=api.headers("client", project),
                 json={"email": address, "password": "hunter22"})
    assert assert_json(r)["user_id"] == u["id"]
    r = api.post("/api/v1/auth/password/sign-in", headers=api.headers("client", project),
                 json={"email": address, "password": "hunter23"})
    assert_known_error(r, 400, "EMAIL_PASSWORD_MISMATCH")


def test_create_same_auth_email_twice_conflicts(api, project):
    address = email()
    create(api, project, primary_email=address, primary_email_auth_enabled=True)
    before = user_count(api, project)
    r = create(api, project, 409, primary_email=address, primary_email_auth_enabled=True)
    assert_email_exists(r, address)
    # Mixed case is normalised before the check.
    r = create(api, project, 409, primary_email=address.upper(), primary_email_auth_enabled=True)
    assert_email_exists(r, address)
    assert user_count(api, project) == before


def test_create_same_email_without_auth_is_allowed(api, project):
    address = email()
    create(api, project, primary_email=address, primary_email_auth_enabled=True)
    a = create(api, project, primary_email=address)
    b = create(api, project, primary_email=address, primary_email_auth_enabled=False)
    assert a["primary_email"] == b["primary_email"] == address
    other = email()
    create(api, project, primary_email=other)
    create(api, project, primary_email=other, primary_email_auth_enabled=True)


def test_create_anonymous(api, project):
    u = create(api, project, is_anonymous=True)
    assert u["is_anonymous"] is True
    assert u["display_name"] is None and u["has_password"] is False


def test_create_totp_secret_does_not_require_mfa(api, project):
    u = create(api, project, totp_secret_base64="ZXhhbXBsZSB2YWx1ZQ==")
    assert u["requires_totp_mfa"] is False
    assert "totp_secret_base64" not in u


def test_create_passkey_auth_enabled_is_ignored(api, project):
    u = create(api, project, passkey_auth_enabled=True)
    assert u["passkey_auth_enabled"] is False


def test_create_otp_needs_magic_link(api, project):
    r = create(api, project, 400, otp_auth_enabled=True)
    assert_plain_text(r, 400, "OTP auth not enabled in the project")
    set_config(api, project, magic_link_enabled=True)
    u = create(api, project, otp_auth_enabled=True, primary_email=email(),
               primary_email_auth_enabled=True)
    assert u["otp_auth_enabled"] is True and u["auth_with_email"] is True


def test_create_password_needs_credential_auth(api, project):
    set_config(api, project, credential_enabled=False)
    before = user_count(api, project)
    r = create(api, project, 400, primary_email=email(), password="whatever")
    assert_plain_text(r, 400, "Password auth not enabled in the project")
    r = create(api, project, 400, password_hash=BCRYPT_HUNTER22)
    assert_plain_text(r, 400, "Password auth not enabled in the project")
    assert user_count(api, project) == before


def test_create_password_rules(api, project):
    r = create(api, project, 400, password="abc", password_hash=BCRYPT_HUNTER22)
    assert_plain_text(r, 400, "Cannot set both password and password_hash at the same time.")
    bad_hash = "Invalid password hash. Make sure it's a supported algorithm in Modular Crypt Format."
    for value in (BCRYPT_COST_17, "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$abc$def",
                  BCRYPT_HUNTER22[:-1], BCRYPT_HUNTER22.replace("$2a$", "$2x$")):
        assert_plain_text(create(api, project, 400, password_hash=value), 400, bad_hash)
    r = create(api, project, 400, password="x" * 71)
    assert_schema_error(r, "POST", USERS, ["body.password must be at most 70 characters"])
    r = create(api, project, 400, password_hash="")
    assert_schema_error(r, "POST", USERS, ["body.password_hash must not be empty"])
    u = create(api, project, password="x" * 70)
    assert u["has_password"] is True
    u = create(api, project, password=None)
    assert u["has_password"] is False


def test_create_email_flag_rules(api, project):
    r = create(api, project, 400, primary_email_auth_enabled=True)
    assert_plain_text(r, 400, "primary_email_auth_enabled cannot be true without primary_email")
    r = create(api, project, 400, primary_email_verified=True)
    assert_plain_text(r, 400, "primary_email_verified cannot be true without primary_email")


def test_create_oauth_provider_must_be_configured(api, project):
    r = create(api, project, 400, oauth_providers=[{"id": "github", "account_id": "1", "email": None}])
    assert_plain_text(r, 400, "OAuth provider github not found")
    r = create(api, project, 400, oauth_providers=[{"id": "github"}])
    assert_schema_error(r, "POST", USERS, ["body.oauth_providers[0].account_id must be defined"])


def test_create_schema_errors(api, project):
    r = create(api, project, 400, primary_email="")
    assert_schema_error(r, "POST", USERS, ["body.primary_email must not be empty"])
    r = create(api, project, 400, primary_email="not-an-email")
    assert_schema_error(r, "POST", USERS, ["body.primary_email must be a valid email"])
    r = create(api, project, 400, profile_image_url="")
    assert_schema_error(r, "POST", USERS, ["body.profile_image_url is not a valid URL"])
    r = create(api, project, 400, profile_image_url="http://x y.com/a.png")
    assert_schema_error(r, "POST", USERS, ["body.profile_image_url contains spaces",
                                           "body.profile_image_url is not a valid URL"])
    long_url = "https://example.com/" + "a" * (1_000_000 - len("https://example.com/"))
    assert create(api, project, profile_image_url=long_url)["profile_image_url"] == long_url
    r = create(api, project, 400, profile_image_url=long_url + "a")
    assert_schema_error(r, "POST", USERS, ["body.profile_image_url must be at most 1000000 characters"])
    r = create(api, project, 400, totp_secret_base64="not base64!")
    assert_schema_error(r, "POST", USERS, ["body.totp_secret_base64 is not valid base64"])
    r = create(api, project, 400, totp_secret_base64="ZXhhbXBsZSB2YWx1ZQ")  # unpadded
    assert_schema_error(r, "POST", USERS, ["body.totp_secret_base64 is not valid base64"])
    r = create(api, project, 400, selected_team_id=str(uuid.uuid4()))
    assert_schema_error(r, "POST", USERS, ["body contains unknown properties: selected_team_id"])
    r = create(api, project, 400, display_name=True)
    assert_schema_error(r, "POST", USERS, [
        "body.display_name must be a `string` type, but the final value was: `true`."])
    r = create(api, project, 400, primary_email_verified="maybe", otp_auth_enabled=[])
    assert_schema_error_contains(r, "POST", USERS, [
        'body.primary_email_verified must be a `boolean` type, but the final value was: `"maybe"`.',
        "body.otp_auth_enabled must be a `boolean` type, but the final value was: `[]`."])
    r = create(api, project, 400, foo=1, bar=2)
    assert_schema_error(r, "POST", USERS, ["body contains unknown properties: foo, bar"])
    r = api.post(USERS, headers=api.headers("server", project), json=[1])
    assert_known_error(r, 400, "SCHEMA_ERROR", details={"message": r.json().get("error")})
    r = api.post(USERS, headers=api.headers("server", project, content_type="application/json"),
                 data="{")
    assert_known_error(r, 400, "BODY_PARSING_ERROR", MSG["BODY_PARSING_INVALID_JSON"])


def test_create_huge_values_are_clean_answers(api, project):
    """Near-megabyte values must neither crash the server nor be a 500."""
    r = create(api, project, 400, primary_email="a" * 900_000 + "@example.com")
    assert_schema_error(r, "POST", USERS, ["body.primary_email must be a valid email"])
    r = create(api, project, 400, primary_email="a@" + "b" * 900_000 + ".com")
    assert_schema_error(r, "POST", USERS, ["body.primary_email must be a valid email"])
    u = create(api, project, totp_secret_base64="QUFB" * 200_000)
    assert u["requires_totp_mfa"] is False
    r = create(api, project, 400, totp_secret_base64="QUFB" * 200_000 + "!")
    assert_schema_error(r, "POST", USERS, ["body.totp_secret_base64 is not valid base64"])
    image = "data:image/png;base64," + "A" * 900_000
    r = api.patch(ME, headers=me_headers(api, project, "client", u["id"]),
                  json={"profile_image_url": image})
    assert assert_json(r)["profile_image_url"] == image
    r = api.patch(ME, headers=me_headers(api, project, "client", u["id"]),
                  json={"profile_image_url": image + "!"})
    assert_plain_text(r, 400, "Invalid profile image URL")
    assert api.get("/health").json() == {"ok": True}


def test_create_access_rules(api, project):
    assert_insufficient_access_type(create(api, project, 401, access="client"), "client",
                                    ["server", "admin"])
    assert create(api, project, access="admin")["id"]
    r = api.post(USERS, json={})
    assert_known_error(r, 400, "ACCESS_TYPE_REQUIRED", MSG["ACCESS_TYPE_REQUIRED"])
    r = api.post(USERS, headers=api.headers("server", project, secret_server_key="ssk_wrong"), json={})
    assert_invalid_key(r, "server", project.id)


def test_user_count_follows_creates_and_deletes(api, project):
    assert user_count(api, project) == 0
    a = create(api, project)
    create(api, project)
    assert user_count(api, project) == 2
    assert_json(api.delete(f"{USERS}/{a['id']}", headers=api.headers("server", project)))
    assert user_count(api, project) == 1


# --------------------------------------------------------------------------
# GET /users/{user_id}
# --------------------------------------------------------------------------


def test_get_user_by_id(api, project, shared_project):
    u = create(api, project, display_name="Alice")
    assert get(api, project, u["id"]) == u
    assert get(api, project, u["id"].upper()) == u
    r = api.get(f"{USERS}/{u['id']}", headers=api.headers("admin", project))
    assert assert_json(r) == u
    # Users are per project.
    assert_user_not_found(api.get(f"{USERS}/{u['id']}", headers=api.headers("server", shared_project)))
    assert_user_not_found(api.get(f"{USERS}/{uuid.uuid4()}", headers=api.headers("server", project)))


def test_get_user_bad_id_and_access(api, project):
    r = api.get(f"{USERS}/not-a-uuid", headers=api.headers("server", project))
    assert_schema_error(r, "GET", f"{USERS}/not-a-uuid", ["params.user_id must be a valid UUID"])
    u = create(api, project)
    r = api.get(f"{USERS}/{u['id']}", headers=api.headers("client", project))
    assert_insufficient_access_type(r, "client", ["server", "admin"])
    r = api.get(f"{USERS}/{u['id']}", headers=api.headers("client", project,
                                                          access_token=token(api, project, u["id"])))
    assert_insufficient_access_type(r, "client", ["server", "admin"])


def test_user_id_me(api, project):
    u = create(api, project)
    r = api.get(f"{USERS}/me", headers=me_headers(api, project, "server", u["id"]))
    assert assert_json(r)["id"] == u["id"]
    assert_cannot_get_own(api.get(f"{USERS}/me", headers=api.headers("server", project)))
    r = api.patch(f"{USERS}/me", headers=me_headers(api, project, "admin", u["id"]),
                  json={"server_metadata": {"x": 1}})
    assert assert_json(r)["server_metadata"] == {"x": 1}


# --------------------------------------------------------------------------
# /users/me
# --------------------------------------------------------------------------


def test_get_me_shape_follows_access_type(api, project):
    u = create(api, project, primary_email=email(), server_metadata={"s": 1},
               client_read_only_metadata="ro")
    client = assert_json(api.get(ME, headers=me_headers(api, project, "client", u["id"])))
    assert set(client) == CLIENT_KEYS
    assert client == {k: v for k, v in u.items() if k in CLIENT_KEYS}
    for access in ("server", "admin"):
        server = assert_json(api.get(ME, headers=me_headers(api, project, access, u["id"])))
        assert server == u


def test_me_without_user(api, project):
    for method in ("GET", "PATCH", "DELETE"):
        for access in ("client", "server", "admin"):
            r = api.request(method, ME, headers=api.headers(access, project), json={})
            assert_cannot_get_own(r)
    # A token for a user that does not exist (any more) signs nobody in.
    r = api.get(ME, headers=me_headers(api, project, "client", str(uuid.uuid4())))
    assert_cannot_get_own(r)


def test_me_token_errors(api, project):
    u = create(api, project)
    r = api.get(ME, headers=api.headers("client", project, access_token="not-a-jwt"))
    assert_unparsable_token(r)
    exp = api.now_seconds() - 10
    r = api.get(ME, headers=me_headers(api, project, "client", u["id"], exp=exp, iat=exp - 600))
    assert_access_token_expired(r, exp)
    r = api.get(ME, headers=api.headers("client", project, access_token=token(api, project, u["id"]),
                                        publishable_client_key="pck_wrong"))
    assert_invalid_key(r, "client", project.id)
    r = api.get(ME, headers={"x-stack-project-id": project.id,
                             "x-stack-access-token": token(api, project, u["id"])})
    assert_known_error(r, 400, "ACCESS_TYPE_REQUIRED", MSG["ACCESS_TYPE_REQUIRED"])


def test_patch_me_as_client(api, project):
    set_config(api, project, magic_link_enabled=True)
    u = create(api, project)
    h = me_headers(api, project, "client", u["id"])
    r = api.patch(ME, headers=h, json={
        "display_name": "Me", "profile_image_url": GIF, "client_metadata": {"theme": "dark"},
        "otp_auth_enabled": True, "totp_secret_base64": "ZXhhbXBsZSB2YWx1ZQ==",
        "passkey_auth_enabled": False, "selected_team_id": None})
    body = assert_json(r)
    assert set(body) == CLIENT_KEYS
    assert body["display_name"] == "Me"
    assert body["profile_image_url"] == GIF
    assert body["client_metadata"] == {"theme": "dark"}
    assert body["otp_auth_enabled"] is True and body["auth_with_email"] is True
    assert body["requires_totp_mfa"] is True
    r = api.patch(ME, headers=h, json={"totp_secret_base64": None, "profile_image_url": None})
    body = assert_json(r)
    assert body["requires_totp_mfa"] is False and body["profile_image_url"] is None


def test_patch_me_client_restrictions(api, project):
    u = create(api, project)
    h = me_headers(api, project, "client", u["id"])
    for key, value in (("server_metadata", {}), ("client_read_only_metadata", 1),
                       ("primary_email", email()), ("password", "abcdefgh"),
                       ("is_anonymous", False), ("primary_email_verified", True)):
        r = api.patch(ME, headers=h, json={key: value})
        assert_schema_error(r, "PATCH", ME, [f"body contains unknown properties: {key}"])
    for url in ("http://localhost:8101/x.png", "data:image/not-valid;base64,test",
                "data:image/png;base64,???"):
        r = api.patch(ME, headers=h, json={"profile_image_url": url})
        assert_plain_text(r, 400, "Invalid profile image URL")
    assert get(api, project, u["id"])["profile_image_url"] is None
    r = api.patch(ME, headers=h, json={"otp_auth_enabled": True})
    assert_plain_text(r, 400, "OTP auth not enabled in the project")
    r = api.patch(ME, headers=h, json={"passkey_auth_enabled": True})
    assert_plain_text(r, 400, "Cannot manually enable passkey auth, it is enabled iff there is a passkey auth method")


def test_patch_me_as_server_upgrades_anonymous(api, project):
    u = create(api, project, is_anonymous=True, display_name="Anonymous user")
    r = api.patch(ME, headers=me_headers(api, project, "server", u["id"]), json={"is_anonymous": False})
    body = assert_json(r)
    assert set(body) == SERVER_KEYS
    assert body["is_anonymous"] is False and body["display_name"] == "Anonymous user"
    r = api.patch(ME, headers=me_headers(api, project, "server", u["id"]), json={"is_anonymous": True})
    assert_schema_error(r, "PATCH", ME, ["body.is_anonymous must be one of the following values: false"])


def test_patch_me_server_email_auth_toggle(api, project):
    u = create(api, project, primary_email=email(), primary_email_auth_enabled=True, password="pw")
    h = me_headers(api, project, "server", u["id"])
    body = assert_json(api.patch(ME, headers=h, json={"primary_email_auth_enabled": False}))
    assert body["primary_email_auth_enabled"] is False and body["auth_with_email"] is True
    body = assert_json(api.patch(ME, headers=h, json={"primary_email_auth_enabled": True}))
    assert body["primary_email_auth_enabled"] is True


def test_delete_me_as_client_needs_project_setting(api, project):
    u = create(api, project)
    r = api.delete(ME, headers=me_headers(api, project, "client", u["id"]))
    assert_plain_text(r, 400, "Client user deletion is not enabled for this project")
    get(api, project, u["id"])
    set_config(api, project, client_user_deletion_enabled=True)
    r = api.delete(ME, headers=me_headers(api, project, "client", u["id"]),
                   json={})  # the JS SDK sends {} on DELETE
    assert assert_json(r) == {"success": True}
    assert_user_not_found(api.get(f"{USERS}/{u['id']}", headers=api.headers("server", project)))
    assert_cannot_get_own(api.get(ME, headers=me_headers(api, project, "client", u["id"])))


def test_delete_me_as_server(api, project):
    u = create(api, project)
    r = api.delete(ME, headers=me_headers(api, project, "server", u["id"]))
    assert assert_json(r) == {"success": True}
    assert_user_not_found(api.get(f"{USERS}/{u['id']}", headers=api.headers("server", project)))


# --------------------------------------------------------------------------
# PATCH /users/{user_id}
# --------------------------------------------------------------------------


def test_patch_profile_and_metadata(api, project):
    u = create(api, project, display_name="A", client_metadata={"k": 1}, server_metadata=[1])
    body = assert_json(patch(api, project, u["id"], display_name="B", server_metadata=None,
                             client_read_only_metadata={"deep": {"x": True}}))
    assert body["display_name"] == "B"
    assert body["server_metadata"] is None
    assert body["client_metadata"] == {"k": 1}  # absent: untouched
    assert body["client_read_only_metadata"] == {"deep": {"x": True}}
    body = assert_json(patch(api, project, u["id"], client_read_only_metadata={"other": 1},
                             display_name=""))
    assert body["client_read_only_metadata"] == {"other": 1}  # replaced, not merged
    assert body["display_name"] is None
    body = assert_json(patch(api, project, u["id"], profile_image_url="https://example.com/p.png"))
    assert body["profile_image_url"] == "https://example.com/p.png"
    assert get(api, project, u["id"]) == body


def test_patch_primary_email_lifecycle(api, project):
    first, second = email(), email()
    u = create(api, project, primary_email=first, primary_email_verified=True,
               primary_email_auth_enabled=True, password="pw-one")
    body = assert_json(patch(api, project, u["id"], primary_email=second.upper()))
    assert body["primary_email"] == second
    assert body["primary_email_verified"] is True  # not reset by a new value
    assert body["primary_email_auth_enabled"] is True
    # The old address is free again for someone else's sign-in.
    create(api, project, primary_email=first, primary_email_auth_enabled=True)
    # Password sign-in works with the new address.
    r = api.post("/api/v1/auth/password/sign-in", headers=api.headers("client", project),
                 json={"email": second, "password": "pw-one"})
    assert assert_json(r)["user_id"] == u["id"]
    body = assert_json(patch(api, project, u["id"], primary_email_verified=False))
    assert body["primary_email_verified"] is False
    body = assert_json(patch(api, project, u["id"], primary_email=None))
    assert body["primary_email"] is None
    assert body["primary_email_verified"] is False and body["primary_email_auth_enabled"] is False
    assert body["has_password"] is True and body["auth_with_email"] is True
    # Removing an address that is not there is a no-op.
    assert assert_json(patch(api, project, u["id"], primary_email=None))["primary_email"] is None
    # A new address on a user without one: created unverified.
    body = assert_json(patch(api, project, u["id"], primary_email=first))
    assert body["primary_email"] == first
    assert body["primary_email_verified"] is False and body["primary_email_auth_enabled"] is False


def test_patch_email_conflicts(api, project):
    taken = email()
    create(api, project, primary_email=taken, primary_email_auth_enabled=True)
    u = create(api, project, primary_email=email(), primary_email_auth_enabled=True)
    r = patch(api, project, u["id"], primary_email=taken, display_name="should not stick")
    assert_email_exists(r, taken)
    after = get(api, project, u["id"])
    assert after["primary_email"] == u["primary_email"] and after["display_name"] is None
    # Without auth the address may be shared.
    body = assert_json(patch(api, project, u["id"], primary_email=taken,
                             primary_email_auth_enabled=False))
    assert body["primary_email"] == taken and body["primary_email_auth_enabled"] is False
    # Turning auth back on for an address someone else signs in with: 409, not a 500.
    assert_email_exists(patch(api, project, u["id"], primary_email_auth_enabled=True), taken)


def test_patch_email_flag_rules(api, project):
    u = create(api, project)
    r = patch(api, project, u["id"], primary_email_auth_enabled=True)
    assert_plain_text(r, 400, "primary_email_auth_enabled cannot be true without primary_email")
    r = patch(api, project, u["id"], primary_email_verified=True)
    assert_plain_text(r, 400, "primary_email_verified cannot be true without primary_email")
    r = patch(api, project, u["id"], primary_email_verified=False)
    assert_plain_text(r, 400, "primary_email_verified cannot be set without primary_email")
    r = patch(api, project, u["id"], primary_email_auth_enabled=False)
    assert_plain_text(r, 400, "primary_email_auth_enabled cannot be set without primary_email")
    v = create(api, project, primary_email=email(), primary_email_auth_enabled=True)
    r = patch(api, project, v["id"], primary_email=None, primary_email_auth_enabled=True)
    assert_plain_text(r, 400, "primary_email_auth_enabled cannot be true without primary_email")
    assert get(api, project, v["id"])["primary_email"] == v["primary_email"]
    body = assert_json(patch(api, project, v["id"], primary_email=None, primary_email_verified=False))
    assert body["primary_email"] is None


def test_patch_password_rules(api, project):
    u = create(api, project, primary_email=email(), primary_email_auth_enabled=True)
    bad_hash = "Invalid password hash. Make sure it's a supported algorithm in Modular Crypt Format."
    # Password checks come before the user lookup.
    r = patch(api, project, str(uuid.uuid4()), password="a", password_hash=BCRYPT_HUNTER22)
    assert_plain_text(r, 400, "Cannot set both password and password_hash at the same time.")
    assert_plain_text(patch(api, project, str(uuid.uuid4()), password_hash=BCRYPT_COST_17), 400, bad_hash)
    body = assert_json(patch(api, project, u["id"], password="first-password"))
    assert body["has_password"] is True and body["auth_with_email"] is True
    body = assert_json(patch(api, project, u["id"], password_hash=BCRYPT_HUNTER22))
    assert body["has_password"] is True
    r = api.post("/api/v1/auth/password/sign-in", headers=api.headers("client", project),
                 json={"email": u["primary_email"], "password": "hunter22"})
    assert assert_json(r)["user_id"] == u["id"]
    body = assert_json(patch(api, project, u["id"], password=None))
    assert body["has_password"] is False and body["auth_with_email"] is False
    # No primary e-mail: a new password is refused (the reference 500s).
    v = create(api, project)
    r = patch(api, project, v["id"], password="abcdefgh")
    assert_plain_text(r, 400, "password is set but primary_email is not set")
    r = patch(api, project, v["id"], password="x" * 71)
    assert_schema_error(r, "PATCH", f"{USERS}/{v['id']}", ["body.password must be at most 70 characters"])


def test_patch_password_needs_credential_auth(api, project):
    u = create(api, project, primary_email=email(), password="pw")
    set_config(api, project, credential_enabled=False)
    r = patch(api, project, create(api, project, primary_email=email())["id"], password="abc")
    assert_plain_text(r, 400, "Password auth not enabled in the project")
    # A user that already has a password may change it.
    assert assert_json(patch(api, project, u["id"], password="other"))["has_password"] is True


def test_patch_password_signs_out_every_session(api, project):
    u = create(api, project, primary_email=email(), primary_email_auth_enabled=True, password="pw")
    sessions = []
    for _ in range(2):
        r = api.post("/api/v1/auth/sessions", headers=api.headers("server", project),
                     json={"user_id": u["id"]})
        sessions.append(assert_json(r))

    def refresh(refresh_token):
        return api.post("/api/v1/auth/sessions/current/refresh",
                        headers=api.headers("client", project, refresh_token=refresh_token))

    for s in sessions:
        assert_json(refresh(s["refresh_token"]))
    # A PATCH without password fields keeps the sessions.
    assert_json(patch(api, project, u["id"], display_name="x"))
    assert_json(refresh(sessions[0]["refresh_token"]))
    # password: null counts too.
    assert_json(patch(api, project, u["id"], password=None))
    for s in sessions:
        assert_known_error(refresh(s["refresh_token"]), 401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED")
    # The access token stays valid until it expires.
    r = api.get(ME, headers=api.headers("client", project, access_token=sessions[0]["access_token"]))
    assert assert_json(r)["id"] == u["id"]


def test_patch_otp_passkey_totp_anonymous(api, project):
    u = create(api, project, is_anonymous=True)
    r = patch(api, project, u["id"], otp_auth_enabled=True, display_name="not written")
    assert_plain_text(r, 400, "OTP auth not enabled in the project")
    assert get(api, project, u["id"])["display_name"] is None  # no partial write
    set_config(api, project, magic_link_enabled=True)
    assert assert_json(patch(api, project, u["id"], otp_auth_enabled=True))["otp_auth_enabled"] is True
    set_config(api, project, magic_link_enabled=False)
    # Already enabled: no error even though the project has OTP off now.
    assert assert_json(patch(api, project, u["id"], otp_auth_enabled=True))["otp_auth_enabled"] is True
    assert assert_json(patch(api, project, u["id"], otp_auth_enabled=False))["otp_auth_enabled"] is False
    r = patch(api, project, u["id"], passkey_auth_enabled=True)
    assert_plain_text(r, 400, "Cannot manually enable passkey auth, it is enabled iff there is a passkey auth method")
    assert assert_json(patch(api, project, u["id"], passkey_auth_enabled=False))["passkey_auth_enabled"] is False
    body = assert_json(patch(api, project, u["id"], totp_secret_base64="ZXhhbXBsZSB2YWx1ZQ=="))
    assert body["requires_totp_mfa"] is True
    assert assert_json(patch(api, project, u["id"], totp_secret_base64=None))["requires_totp_mfa"] is False
    r = patch(api, project, u["id"], totp_secret_base64="%%%")
    assert_schema_error(r, "PATCH", f"{USERS}/{u['id']}", ["body.totp_secret_base64 is not valid base64"])
    r = patch(api, project, u["id"], is_anonymous=True)
    assert_schema_error(r, "PATCH", f"{USERS}/{u['id']}",
                        ["body.is_anonymous must be one of the following values: false"])
    assert assert_json(patch(api, project, u["id"], is_anonymous=False))["is_anonymous"] is False


def test_patch_selected_team(api, project):
    u = create(api, project)
    team = str(uuid.uuid4())
    r = patch(api, project, u["id"], selected_team_id=team)
    assert_known_error(r, 404, "TEAM_MEMBERSHIP_NOT_FOUND", f"User {u['id']} is not found in team {team}.",
                       {"team_id": team, "user_id": u["id"]})
    body = assert_json(patch(api, project, u["id"], selected_team_id=None))
    assert body["selected_team_id"] is None and body["selected_team"] is None
    r = patch(api, project, u["id"], selected_team_id="nope")
    assert_schema_error(r, "PATCH", f"{USERS}/{u['id']}", ["body.selected_team_id must be a valid UUID"])
    # Through /users/me as a client too.
    r = api.patch(ME, headers=me_headers(api, project, "client", u["id"]), json={"selected_team_id": team})
    assert_known_error(r, 404, "TEAM_MEMBERSHIP_NOT_FOUND", details={"team_id": team, "user_id": u["id"]})


def test_patch_errors(api, project):
    missing = str(uuid.uuid4())
    assert_user_not_found(patch(api, project, missing, display_name="x"))
    u = create(api, project)
    path = f"{USERS}/{u['id']}"
    assert_schema_error(patch(api, project, u["id"], oauth_providers=[]), "PATCH", path,
                        ["body contains unknown properties: oauth_providers"])
    assert_schema_error(patch(api, project, u["id"], primary_email=""), "PATCH", path,
                        ["body.primary_email must not be empty"])
    r = api.patch(path, headers=api.headers("client", project), json={})
    assert_insufficient_access_type(r, "client", ["server", "admin"])
    r = api.patch(f"{USERS}/xyz", headers=api.headers("server", project), json={"foo": 1})
    assert_schema_error(r, "PATCH", f"{USERS}/xyz", ["params.user_id must be a valid UUID",
                                                   "body contains unknown properties: foo"])
    # An empty PATCH changes nothing.
    assert assert_json(patch(api, project, u["id"])) == get(api, project, u["id"])


# --------------------------------------------------------------------------
# DELETE /users/{user_id}
# --------------------------------------------------------------------------


def test_delete_user_cascades(api, project):
    address = email()
    u = create(api, project, primary_email=address, primary_email_auth_enabled=True, password="pw")
    s = assert_json(api.post("/api/v1/auth/sessions", headers=api.headers("server", project),
                             json={"user_id": u["id"]}))
    before = user_count(api, project)
    r = api.delete(f"{USERS}/{u['id']}", headers=api.headers("server", project))
    assert assert_json(r) == {"success": True}
    assert user_count(api, project) == before - 1
    assert_user_not_found(api.get(f"{USERS}/{u['id']}", headers=api.headers("server", project)))
    assert_user_not_found(api.delete(f"{USERS}/{u['id']}", headers=api.headers("server", project)))
    # The e-mail channel went with the user; its session too.
    create(api, project, primary_email=address, primary_email_auth_enabled=True)
    r = api.post("/api/v1/auth/sessions/current/refresh",
                 headers=api.headers("client", project, refresh_token=s["refresh_token"]))
    assert_known_error(r, 401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED")


def test_delete_user_errors(api, project):
    u = create(api, project)
    r = api.delete(f"{USERS}/{u['id']}", headers=api.headers("client", project))
    assert_insufficient_access_type(r, "client", ["server", "admin"])
    r = api.delete(f"{USERS}/123", headers=api.headers("server", project))
    assert_schema_error(r, "DELETE", f"{USERS}/123", ["params.user_id must be a valid UUID"])
    assert_user_not_found(api.delete(f"{USERS}/{uuid.uuid4()}", headers=api.headers("admin", project)))
    get(api, project, u["id"])


# --------------------------------------------------------------------------
# GET /users
# --------------------------------------------------------------------------


def list_users(api, project, **params):
    return api.get(USERS, headers=api.headers("server", project), params=params)


def test_list_empty_project(api, project):
    assert assert_json(list_users(api, project)) == {
        "items": [], "is_paginated": True, "pagination": {"next_cursor": None}}


def test_list_pagination(api, project):
    ids = []
    for i in range(5):
        ids.append(create(api, project, display_name=f"user {i}")["id"])
        api.advance_clock(5)  # distinct sign-up times, so the order is the creation order
    body = assert_json(list_users(api, project))
    assert [u["id"] for u in body["items"]] == ids
    assert body["pagination"] == {"next_cursor": None} and body["is_paginated"] is True
    assert set(body["items"][0]) == SERVER_KEYS
    page1 = assert_json(list_users(api, project, limit=2))
    assert [u["id"] for u in page1["items"]] == ids[:2]
    assert page1["pagination"]["next_cursor"] == ids[2]
    page2 = assert_json(list_users(api, project, limit=3, cursor=page1["pagination"]["next_cursor"]))
    assert [u["id"] for u in page2["items"]] == ids[2:]
    assert page2["pagination"]["next_cursor"] is None
    # Exactly `limit` users left: no next page.
    assert assert_json(list_users(api, project, limit=5))["pagination"]["next_cursor"] is None
    desc = assert_json(list_users(api, project, desc="true", limit=2))
    assert [u["id"] for u in desc["items"]] == ids[::-1][:2]
    assert desc["pagination"]["next_cursor"] == ids[2]
    desc2 = assert_json(list_users(api, project, desc="1", cursor=ids[2]))
    assert [u["id"] for u in desc2["items"]] == [ids[2], ids[1], ids[0]]
    assert [u["id"] for u in assert_json(list_users(api, project, desc="0", order_by="signed_up_at"))["items"]] == ids
    assert assert_json(list_users(api, project, cursor=str(uuid.uuid4())))["items"] == []


def test_list_filters(api, project):
    a = create(api, project, display_name="Zelda Quartz")
    b = create(api, project, primary_email=f"quartz-{uuid.uuid4().hex[:6]}@example.com")
    c = create(api, project, display_name="Other", is_anonymous=True)

    def ids(**params):
        return {u["id"] for u in assert_json(list_users(api, project, **params))["items"]}

    assert ids(query="QUARTZ") == {a["id"], b["id"]}
    assert ids(query="zelda") == {a["id"]}
    assert ids(query=f" <{c['id'].upper()}> ") == {c["id"]}
    assert ids(query="") == {a["id"], b["id"], c["id"]}  # anonymous users are listed too
    assert ids(query="no such text") == set()
    assert ids(team_id=str(uuid.uuid4())) == set()


def test_list_bad_input(api, project):
    r = list_users(api, project, limit=0)
    assert_schema_error(r, "GET", USERS, ["query.limit must be greater than or equal to 1"])
    r = list_users(api, project, order_by="created_at")
    assert_schema_error(r, "GET", USERS, ["query.order_by must be one of the following values: signed_up_at"])
    r = list_users(api, project, cursor="abc")
    assert_schema_error(r, "GET", USERS, ["query.cursor must be a valid UUID"])
    r = list_users(api, project, team_id="abc")
    assert_schema_error(r, "GET", USERS, ["query.team_id must be a valid UUID"])
    r = list_users(api, project, desc="sometimes")
    assert_schema_error_contains(r, "GET", USERS)
    r = list_users(api, project, limit="ten")
    assert_schema_error_contains(r, "GET", USERS)
    r = list_users(api, project, foo="1")
    assert_schema_error(r, "GET", USERS, ["query contains unknown properties: foo"])
    r = api.get(USERS, headers=api.headers("client", project))
    assert_insufficient_access_type(r, "client", ["server", "admin"])
    r = api.get(USERS, headers=api.headers("server", project, secret_server_key=None))
    assert_known_error(r, 401, "SERVER_AUTHENTICATION_REQUIRED", MSG["SERVER_AUTHENTICATION_REQUIRED"])
