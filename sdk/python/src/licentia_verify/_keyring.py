"""Trusted Ed25519 public keys, from PEM "PUBLIC KEY" blocks or a JWKS document."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Dict, Iterable, List, Optional, Union

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import _wire
from ._errors import KeyringError

MAX_KEYRING_LEN = 1 << 20
# The PKIX DER of an Ed25519 public key is this prefix and the 32 key bytes.
_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
_PEM_BLOCK = re.compile(rb"(?:^|\n)-----BEGIN ([^\n]*?)-----[ \t\r]*\n(.*?)\n-----END \1-----", re.S)
_ALGS = ("EdDSA", "Ed25519")


def key_id(raw: bytes) -> str:
    """The key id of a raw 32-byte Ed25519 public key: SHA-256 over its PKIX DER, first 8 bytes, hex."""
    return hashlib.sha256(_SPKI_PREFIX + raw).hexdigest()[:16]


class Keyring:
    """The Ed25519 public keys a Verifier trusts, by key id. Immutable; several keys allow rotation."""

    def __init__(self, public_keys: Iterable[bytes]):
        """Builds a ring from raw 32-byte public keys (duplicates kept once); raises KeyringError."""
        self._keys: Dict[str, Ed25519PublicKey] = {}
        for raw in public_keys:
            raw = bytes(raw)
            if len(raw) != 32:
                raise KeyringError("public key of %d bytes, want 32" % len(raw))
            self._keys.setdefault(key_id(raw), Ed25519PublicKey.from_public_bytes(raw))
        if not self._keys:
            raise KeyringError("no public key")

    @classmethod
    def parse(cls, pem_or_jwks: Union[bytes, str]) -> "Keyring":
        """Parses one or more PEM "PUBLIC KEY" (PKIX) blocks, or a JWKS document as served at
        /.well-known/jwks.json. Private key material is refused. Raises KeyringError."""
        data = pem_or_jwks.encode("utf-8") if isinstance(pem_or_jwks, str) else bytes(pem_or_jwks)
        if len(data) > MAX_KEYRING_LEN:
            raise KeyringError("key file larger than %d bytes" % MAX_KEYRING_LEN)
        data = data.strip()
        if data.startswith(b"{"):
            return cls(_parse_jwks(data))
        return cls(_parse_pem(data))

    @classmethod
    def from_file(cls, path: str) -> "Keyring":
        """Reads and parses a key file (PEM or JWKS). Raises KeyringError."""
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_KEYRING_LEN + 1)
        except OSError as e:
            raise KeyringError("read keys: %s" % e.strerror) from None
        return cls.parse(data)

    @property
    def key_ids(self) -> List[str]:
        """The ids of the keys, in the order they were given."""
        return list(self._keys)

    def key(self, kid: str) -> Optional[Ed25519PublicKey]:
        return self._keys.get(kid)


def _parse_pem(data: bytes) -> List[bytes]:
    blocks = [(m.group(1).decode("latin-1"), m.group(2)) for m in _PEM_BLOCK.finditer(data)]
    for typ, _ in blocks:
        if "PRIVATE" in typ:
            raise KeyringError("key file holds a %r block; ship only public keys" % typ)
    out = []
    for typ, body in blocks:
        if typ != "PUBLIC KEY":
            continue
        try:
            der = base64.b64decode(b"".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            continue  # not a PEM block after all, as Go's pem.Decode skips it
        try:
            pub = serialization.load_der_public_key(der)
        except (ValueError, TypeError, UnsupportedAlgorithm) as e:
            raise KeyringError("parse public key: %s" % e) from None
        if not isinstance(pub, Ed25519PublicKey):
            raise KeyringError("not an Ed25519 public key")
        out.append(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    if not out:
        raise KeyringError("no PUBLIC KEY block")
    return out


_JWK = {"kty": _wire.STR, "crv": _wire.STR, "x": _wire.STR, "kid": _wire.STR, "alg": _wire.STR,
        "use": _wire.STR, "d": _wire.OPT_STR}


def _parse_jwks(data: bytes) -> List[bytes]:
    try:
        doc = _wire.loads(data)
        entries = _wire.objects(_wire.fields(doc, {"keys": _wire.VALUE})["keys"])
    except _wire.WireError as e:
        raise KeyringError("jwks: %s" % e) from None
    out = []
    for i, entry in enumerate(entries):
        if entry is None:
            continue
        try:
            k = _wire.fields(entry, _JWK)
        except _wire.WireError as e:
            raise KeyringError("jwks key %d: %s" % (i, e)) from None
        if k["d"] is not None:
            raise KeyringError("jwks key %d holds private key material; ship only public keys" % i)
        if k["kty"] != "OKP" or k["crv"] != "Ed25519" or (k["alg"] and k["alg"] not in _ALGS) or (
                k["use"] and k["use"] != "sig"):
            continue
        try:
            raw = _wire.b64decode(k["x"].encode("utf-8"))
        except _wire.WireError:
            raw = b""
        if len(raw) != 32:
            raise KeyringError('jwks key %d: "x" is not a base64url Ed25519 public key' % i)
        kid = key_id(raw)
        if k["kid"] and k["kid"] != kid:
            raise KeyringError("jwks key %d: kid %r, but the key's id is %s" % (i, k["kid"], kid))
        out.append(raw)
    return out
