#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets that Python can make
(fuzz/corpus/<target>/): real requests, bodies, URLs, cookies, client
versions, templates, and WebAuthn registrations and assertions from the e2e
suite's software authenticator (tests/e2e/soft_authenticator.py) for the
ceremony fuzz_support.hpp fixes. The access- and ID-token seeds come from
make_seeds (C++, the server's own signing). Deterministic apart from the
authenticator's fresh keys; run it again only to change the seeds."""
from __future__ import annotations

import json
import pathlib
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "tests" / "e2e"))
import soft_authenticator as sa  # noqa: E402

CORPUS = ROOT / "corpus"
CHALLENGE = "ZnV6ei1jaGFsbGVuZ2U"
ORIGIN = "http://localhost:3000"
CREDENTIAL_ID = b"fuzz-credential"
USER_HANDLE = "ZnV6ei11c2Vy"  # base64url("fuzz-user")


def write(target: str, name: str, data: bytes | str) -> None:
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


def field(b: bytes) -> bytes:
    return struct.pack(">H", len(b)) + b


def request(lines: list[str], body: str = "") -> str:
    return "\r\n".join(lines) + "\r\n\r\n" + body


def http_requests() -> None:
    body = json.dumps({"email": "a@example.com", "password": "hunter22"})
    write("http_request_fuzz", "sign_in", request([
        "POST /api/v1/auth/password/sign-in HTTP/1.1", "Host: localhost:8102",
        "Content-Type: application/json", "X-Stack-Project-Id: internal",
        "X-Stack-Access-Type: client", "X-Stack-Publishable-Client-Key: pck_123",
        f"Content-Length: {len(body)}"], body))
    write("http_request_fuzz", "users_me_hexclave", request([
        "GET /api/v1/users/me?include=teams&x=%2F HTTP/1.1", "Host: localhost",
        "x-hexclave-access-token: eyJ.eyJ.sig", "x-stack-access-token: other",
        "x-hexclave-client-version: js @stackframe/js@2.8.108", "Connection: keep-alive"]))
    write("http_request_fuzz", "chunked", request([
        "PATCH /api/v1/users/me HTTP/1.1", "Host: a", "Transfer-Encoding: chunked",
        "Content-Type: application/json"], "5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n"))
    write("http_request_fuzz", "slash_redirect", request([
        "GET //api//v1/users/%5Cevil.example/?a=b HTTP/1.0", "Host: x"]))
    write("http_request_fuzz", "oauth_callback", request([
        "GET /api/v1/auth/oauth/callback/github?code=c&state=s1 HTTP/1.1",
        "Cookie: stack-oauth-inner-s1=true; other=1", "Host: x"]))


def bodies() -> None:
    write("body_fuzz", "json", "application/json; charset=utf-8\n" + json.dumps(
        {"email": "a@example.com", "password": "pw", "metadata": {"k": [1, 2.5, None, True]}}))
    write("body_fuzz", "form", "application/x-www-form-urlencoded\n"
          "grant_type=authorization_code&code=abc%20def&redirect_uri=http%3A%2F%2Flocalhost%2Fcb")
    write("body_fuzz", "text", "text/plain\nhello \xe2\x82\xac")
    write("body_fuzz", "octet", b"application/octet-stream\n\xff\xfe\xc0\xaf")
    write("body_fuzz", "unknown", "text/xml\n<a/>")
    write("schema_fuzz", "sign_up", json.dumps({
        "email": "a@example.com", "password": "hunter22", "url": "https://example.com/cb",
        "id": "0c6a5c3c-7f59-4a38-9a52-1b8f0e6e2f4d", "flag": True, "n": 42, "kind": "a",
        "meta": {"x": [1]}, "items": [1, "2"], "any": None, "name": "Ann",
        "child": {"email": "not an email", "n": "12", "child": {"flag": "yes"}}, "extra": 1}))
    write("schema_fuzz", "wrong_types", json.dumps({
        "email": 5, "password": "", "url": "javascript:alert(1)", "id": "x", "flag": 1,
        "n": 1e300, "kind": "c", "name": None}))


def urls() -> None:
    for name, t in {
        "query": "/api/v1/users?limit=10&order_by=signed_up_at&cursor=a%2Bb+c",
        "encoded_slash": "/api/v1/teams/a%2Fb/users/%252F/p",
        "redirect": "//users//me/?x=1",
        "backslash": "/%5Cevil.example/",
        "tab": "/%09/evil.example/",
    }.items():
        write("url_fuzz", name, t)
    write("trusted_url_fuzz", "trusted", "https://app.example.com/auth/callback?x=1")
    write("trusted_url_fuzz", "dot_segments", "https://app.example.com/auth/../admin")
    write("trusted_url_fuzz", "localhost", "http://127.0.0.1.evil.com/\nhttp://localhost:3000")
    write("trusted_url_fuzz", "own_domain", "https://EXAMPLE.org:443/%61pp#frag\nhttps://example.org/app")
    write("oauth_cookie_fuzz", "callback", "s1\nstack-oauth-inner-s1=true; a=b\n other=1;;=x")
    write("oauth_cookie_fuzz", "encoded_state", "a%3Bb+c\nstack-oauth-inner-a;b c=true")
    for name, v in {
        "js": "js @stackframe/js@2.8.41",
        "legacy": "js @stackframe/stack@2.5.37-beta.1",
        "build": "  react @stackframe/react@10.0.0+build ",
    }.items():
        write("client_version_fuzz", name, v)


def templates() -> None:
    write("email_template_fuzz", "handlebars",
          "Hi {{ userDisplayName }}\n"
          "<p>{{#if userDisplayName}}Hello, {{ userDisplayName }}{{/if}} <a href=\"x\">link</a></p>")


def webauthn() -> None:
    options = {"challenge": CHALLENGE, "user": {"id": USER_HANDLE}}
    for alg, name in ((sa.ES256, "es256"), (sa.RS256, "rs256"), (sa.EDDSA, "eddsa")):
        auth = sa.SoftAuthenticator(ORIGIN, alg)
        for fmt in ("none", "packed"):
            r = auth.create(options, fmt=fmt, credential_id=CREDENTIAL_ID)
            cdj = sa.b64url_decode(r["response"]["clientDataJSON"])
            att = sa.b64url_decode(r["response"]["attestationObject"])
            write("webauthn_registration_fuzz", f"{name}_{fmt}",
                  field(cdj) + field(CREDENTIAL_ID) + att)
            write("cbor_fuzz", f"attestation_{name}_{fmt}", att)
        cose = auth.credential.key.cose()
        write("cbor_fuzz", f"cose_{name}", cose)
        a = auth.get(options, counter=2)
        resp = a["response"]
        write("webauthn_assertion_fuzz", name,
              field(sa.b64url_decode(resp["clientDataJSON"]))
              + field(sa.b64url_decode(resp["authenticatorData"]))
              + field(sa.b64url_decode(resp["signature"]))
              + field(sa.b64url_decode(resp["userHandle"])) + cose)


if __name__ == "__main__":
    http_requests()
    bodies()
    urls()
    templates()
    webauthn()
    print(f"seeds written to {CORPUS}")
