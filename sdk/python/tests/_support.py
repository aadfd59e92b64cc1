"""Shared test fixtures: the golden vectors of the Go verifier (verifier/testdata/vectors.json)."""

import base64
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def vectors_path():
    """LICENTIA_VECTORS, or the file in the licentia repository this test directory sits in."""
    return os.environ.get("LICENTIA_VECTORS") or os.path.join(HERE, "..", "..", "..", "verifier", "testdata",
                                                              "vectors.json")


def load_vectors():
    with open(vectors_path(), encoding="utf-8") as f:
        return json.load(f)


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwks_of(vf):
    """The vectors' public key as a JWKS document."""
    der = base64.b64decode("".join(l for l in vf["public_key_pem"].splitlines() if not l.startswith("-----")))
    return json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64(der[-32:]), "kid": vf["key_id"],
                                 "alg": "EdDSA", "use": "sig"}]})


def signer(vf):
    """sign(payload, typ="licentia+jwt", alg="EdDSA", kid=None) with the vectors' private key (its seed)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vf["seed"]))

    def sign(payload, typ="licentia+jwt", alg="EdDSA", kid=None):
        header = json.dumps({"alg": alg, "kid": kid or vf["key_id"], "typ": typ}, separators=(",", ":"))
        body = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
        signing_input = b64(header.encode()) + "." + b64(body)
        return signing_input + "." + b64(key.sign(signing_input.encode()))

    return sign


def claims(**over):
    """Claims of an active code of product OFFI001, valid through 2026, changed by over."""
    c = {"iss": "licentia", "sub": "inst-0100", "gen": 2, "iat": 1767225600, "nbf": 1767225600,
         "exp": 1798761600, "st": "active", "pid": "OFFI001", "sku": "sku-std", "ord": "CS0100"}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}
