#!/usr/bin/env python3
"""Verify a licentia authorization code offline, in Python, with the `cryptography` package.

Usage: verify.py JWKS_FILE CODE      (CODE "-" reads the code from standard input)

Environment (each optional): LICENTIA_PRODUCT (accepted pid), LICENTIA_SKU (accepted sku),
LICENTIA_ISSUER (accepted iss), LICENTIA_ALLOW_TEST=1 (accept marketplace test codes),
LICENTIA_NOW (unix seconds to judge the code at, instead of the clock).

Prints the verified claims as JSON and exits 0 when the code is valid; prints the reason on standard
error and exits 1 when it is not; exits 64 on a usage error. The format is specified in the licentia
repository's verifier/doc.go; this program follows it and uses no licentia code.
"""

import base64
import hashlib
import json
import os
import re
import sys
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CODE_TYPE = "licentia+jwt"
ALGORITHMS = ("EdDSA", "Ed25519")  # RFC 8037's name and RFC 9864's fully specified one
MAX_CODE = 8192
MAX_HEADER = 512
SIGNATURE_CHARS = 86
# Ed25519 SubjectPublicKeyInfo DER prefix; the key id is SHA-256 over prefix + key, first 8 bytes, hex.
SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class Invalid(Exception):
    """The code is not valid; the argument is a stable reason such as "expired"."""


def b64url_decode(part):
    """Strict base64url: URL-safe alphabet, no padding, canonical (zero unused bits)."""
    if not B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise Invalid("malformed")
    raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != part:
        raise Invalid("malformed")
    return raw


def load_keys(path):
    """Returns {kid: Ed25519PublicKey} for the OKP/Ed25519 signing keys of a JWKS file."""
    with open(path, "rb") as f:
        jwks = json.load(f)
    found = {}
    for k in jwks.get("keys", []):
        if "d" in k:
            raise ValueError("the key file holds a private key; ship only public keys")
        if k.get("kty") != "OKP" or k.get("crv") != "Ed25519":
            continue
        if k.get("alg", "EdDSA") not in ALGORITHMS or k.get("use", "sig") != "sig":
            continue
        x = b64url_decode(k.get("x", ""))
        if len(x) != 32:
            raise ValueError("a key of %d bytes, want 32" % len(x))
        kid = hashlib.sha256(SPKI_PREFIX + x).hexdigest()[:16]
        if k.get("kid", kid) != kid:
            raise ValueError("key id %r does not match its key (%s)" % (k["kid"], kid))
        found[kid] = Ed25519PublicKey.from_public_bytes(x)
    if not found:
        raise ValueError("no Ed25519 signing key in the key file")
    return found


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_claims(c):
    """Step 4: the claims are a JSON object with the required claims in range."""
    if not isinstance(c, dict):
        raise Invalid("malformed")
    for name in ("iss", "sub", "st", "pid", "sku", "ord", "oli", "cid"):
        if name in c and not isinstance(c[name], str):
            raise Invalid("malformed")
    for name in ("gen", "iat", "nbf", "exp", "grace", "qty"):
        if name in c and (not is_int(c[name]) or c[name] < 0):
            raise Invalid("malformed")
    if "test" in c and not isinstance(c["test"], bool):
        raise Invalid("malformed")
    if not c.get("sub") or not c.get("st") or c.get("gen", 0) < 1:
        raise Invalid("malformed")


def verify(keys, code, env, now):
    """Returns (claims, in_grace) or raises Invalid. Follows verifier/doc.go's checks in order."""
    code = code.strip(" \t\r\n\v\f").replace("\r", "").replace("\n", "")
    if not code or len(code) > MAX_CODE:
        raise Invalid("malformed")
    parts = code.split(".")
    if len(parts) != 3 or not parts[0] or len(parts[0]) > MAX_HEADER or not parts[1]:
        raise Invalid("malformed")
    # 1. Form: header JSON object, no crit, alg, typ.
    try:
        header = json.loads(b64url_decode(parts[0]))
    except ValueError:
        raise Invalid("malformed")
    if not isinstance(header, dict) or "crit" in header:
        raise Invalid("malformed")
    if any(n in header and not isinstance(header[n], str) for n in ("alg", "kid", "typ")):
        raise Invalid("malformed")
    if header.get("alg") not in ALGORITHMS:
        raise Invalid("wrong_algorithm")
    if header.get("typ") != CODE_TYPE:
        raise Invalid("wrong_type")
    # 2. Key, by kid only.
    key = keys.get(header.get("kid", ""))
    if key is None:
        raise Invalid("unknown_key")
    # 3. Signature (exactly 64 bytes) over the ASCII of header "." claims; the claims are decoded after.
    if len(parts[2]) != SIGNATURE_CHARS:
        raise Invalid("malformed")
    signature = b64url_decode(parts[2])
    try:
        key.verify(signature, (parts[0] + "." + parts[1]).encode("ascii"))
    except InvalidSignature:
        raise Invalid("bad_signature")
    payload = b64url_decode(parts[1])
    # 4. Claims.
    try:
        claims = json.loads(payload)
    except ValueError:
        raise Invalid("malformed")
    check_claims(claims)
    # 5. Scope, when configured.
    if env.get("LICENTIA_ISSUER") and claims.get("iss", "") != env["LICENTIA_ISSUER"]:
        raise Invalid("wrong_issuer")
    if env.get("LICENTIA_PRODUCT") and claims.get("pid", "") != env["LICENTIA_PRODUCT"]:
        raise Invalid("wrong_product")
    if env.get("LICENTIA_SKU") and claims.get("sku", "") != env["LICENTIA_SKU"]:
        raise Invalid("wrong_sku")
    # 6. Test codes.
    if claims.get("test") and env.get("LICENTIA_ALLOW_TEST") != "1":
        raise Invalid("test_code")
    # 8. Status.
    if claims["st"] == "revoked":
        raise Invalid("revoked")
    if claims["st"] != "active":
        raise Invalid("inactive")
    # 10. Time: valid while now < exp; then in grace while now < exp + grace.
    if now < claims.get("nbf", 0):
        raise Invalid("not_yet_valid")
    exp = claims.get("exp", 0)
    if exp and now >= exp + claims.get("grace", 0):
        raise Invalid("expired")
    return claims, bool(exp) and exp <= now


def main(argv, env):
    if len(argv) != 3:
        print("usage: verify.py JWKS_FILE CODE   (CODE - reads standard input)", file=sys.stderr)
        return 64
    try:
        keys = load_keys(argv[1])
        code = sys.stdin.read(1 << 20) if argv[2] == "-" else argv[2]
        now = int(env["LICENTIA_NOW"]) if env.get("LICENTIA_NOW") else int(time.time())
    except (OSError, ValueError) as e:
        print("verify.py: %s" % e, file=sys.stderr)
        return 1
    try:
        claims, in_grace = verify(keys, code, env, now)
    except Invalid as e:
        print("verify.py: invalid code: %s" % e.args[0], file=sys.stderr)
        return 1
    if in_grace:
        print("verify.py: the license has expired and is in its grace period; renew it", file=sys.stderr)
    print(json.dumps(claims, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv, os.environ))
