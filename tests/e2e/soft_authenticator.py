"""A software WebAuthn authenticator for the passkey e2e tests: makes
registration (RegistrationResponseJSON) and authentication
(AuthenticationResponseJSON) responses the way a browser plus a CTAP2
authenticator would, with ES256, RS256 or EdDSA keys and "none" or "packed"
(self) attestation, and with knobs to tamper with every part the relying
party must check. CBOR is encoded by hand (canonical CTAP2 form: definite
lengths, no tags), which is all an authenticator needs.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import struct
from typing import Any, Optional
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

ES256, EDDSA, RS256 = -7, -8, -257

FLAG_UP, FLAG_UV, FLAG_BE, FLAG_BS, FLAG_AT, FLAG_ED = 0x01, 0x04, 0x08, 0x10, 0x40, 0x80


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- CBOR (RFC 8949), the subset WebAuthn uses ------------------------------------


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for extra, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | extra]) + struct.pack(fmt, n)
    raise ValueError("integer too large for CBOR")


def cbor(value: Any) -> bytes:
    """Encodes ints, bytes, str, lists and dicts (keys in insertion order)."""
    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, (bytes, bytearray)):
        return _head(2, len(value)) + bytes(value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(f"cannot CBOR-encode {type(value).__name__}")


# --- keys ---------------------------------------------------------------------------


class Key:
    def __init__(self, alg: int):
        self.alg = alg
        if alg == ES256:
            self.private = ec.generate_private_key(ec.SECP256R1())
        elif alg == RS256:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == EDDSA:
            self.private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(f"unsupported alg {alg}")

    def cose(self) -> bytes:
        pub = self.private.public_key()
        if self.alg == ES256:
            n = pub.public_numbers()
            return cbor({1: 2, 3: ES256, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")})
        if self.alg == RS256:
            n = pub.public_numbers()
            return cbor({1: 3, 3: RS256, -1: n.n.to_bytes((n.n.bit_length() + 7) // 8, "big"),
                         -2: n.e.to_bytes(3, "big")})
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
        return cbor({1: 1, 3: EDDSA, -1: 6, -2: pub.public_bytes(Encoding.Raw, PublicFormat.Raw)})

    def sign(self, data: bytes) -> bytes:
        if self.alg == ES256:
            return self.private.sign(data, ec.ECDSA(hashes.SHA256()))
        if self.alg == RS256:
            return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.private.sign(data)


def flip(data: bytes, index: Optional[int] = None) -> bytes:
    i = len(data) // 2 if index is None else index
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]


# --- the authenticator ------------------------------------------------------------


@dataclasses.dataclass
class Credential:
    key: Key
    credential_id: bytes
    user_handle: str  # base64url, from options.user.id
    counter: int = 0

    @property
    def id(self) -> str:
        return b64url(self.credential_id)


def client_data(type_: str, challenge: str, origin: str) -> bytes:
    return json.dumps({"type": type_, "challenge": challenge, "origin": origin, "crossOrigin": False},
                      separators=(",", ":")).encode()


class SoftAuthenticator:
    """Holds at most one credential (the server keeps one passkey per user)
    and answers create()/get() for an origin, e.g. http://localhost:3000."""

    def __init__(self, origin: str = "http://localhost:3000", alg: int = ES256):
        self.origin = origin
        self.alg = alg
        self.credential: Optional[Credential] = None

    @property
    def rp_id(self) -> str:
        return urlsplit(self.origin).hostname or ""

    def create(self, options: dict, *, fmt: str = "none", origin: Optional[str] = None,
               rp_id: Optional[str] = None, challenge: Optional[str] = None,
               type_: str = "webauthn.create", flags: int = FLAG_UP | FLAG_UV | FLAG_AT,
               counter: int = 0, break_signature: bool = False, alg: Optional[int] = None,
               credential_id: Optional[bytes] = None, keep: bool = True) -> dict:
        """navigator.credentials.create(): a RegistrationResponseJSON for
        `options` (the server's options_json; its rp.id placeholder is
        replaced by this origin's hostname, as the SDK does)."""
        key = Key(alg or self.alg)
        cred = Credential(key, credential_id or os.urandom(16), options["user"]["id"], counter)
        cdj = client_data(type_, challenge if challenge is not None else options["challenge"],
                          origin or self.origin)
        auth = hashlib.sha256((rp_id or self.rp_id).encode()).digest() + bytes([flags])
        auth += struct.pack(">I", counter)
        if flags & FLAG_AT:
            auth += bytes(16) + struct.pack(">H", len(cred.credential_id)) + cred.credential_id + key.cose()
        stmt: dict = {}
        if fmt == "packed":
            sig = key.sign(auth + hashlib.sha256(cdj).digest())
            stmt = {"alg": key.alg, "sig": flip(sig) if break_signature else sig}
        att = cbor({"fmt": fmt, "attStmt": stmt, "authData": auth})
        if keep:
            self.credential = cred
        return {
            "id": cred.id,
            "rawId": cred.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(cdj),
                "attestationObject": b64url(att),
                "transports": ["internal"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, options: dict, *, origin: Optional[str] = None, rp_id: Optional[str] = None,
            challenge: Optional[str] = None, type_: str = "webauthn.get",
            flags: int = FLAG_UP | FLAG_UV, counter: Optional[int] = None,
            break_signature: bool = False, user_handle: Any = ..., credential: Optional[Credential] = None,
            tamper_after_signing: bool = False) -> dict:
        """navigator.credentials.get(): an AuthenticationResponseJSON. The
        signature counter goes up by one unless `counter` is given."""
        cred = credential or self.credential
        assert cred is not None, "no credential registered"
        cred.counter = cred.counter + 1 if counter is None else counter
        cdj = client_data(type_, challenge if challenge is not None else options["challenge"],
                          origin or self.origin)
        auth = hashlib.sha256((rp_id or self.rp_id).encode()).digest() + bytes([flags])
        auth += struct.pack(">I", cred.counter)
        sig = cred.key.sign(auth + hashlib.sha256(cdj).digest())
        if break_signature:
            sig = flip(sig)
        if tamper_after_signing:
            auth = flip(auth, 33)  # the counter: the signed bytes no longer match
        return {
            "id": cred.id,
            "rawId": cred.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(cdj),
                "authenticatorData": b64url(auth),
                "signature": b64url(sig),
                "userHandle": cred.user_handle if user_handle is ... else user_handle,
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }
