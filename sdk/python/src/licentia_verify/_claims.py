"""The claims of an authorization code and of the signed revocation list."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Optional, Tuple

from . import _wire
from ._deployment import DeploymentClaim, decode_dep

STATUS_ACTIVE, STATUS_FROZEN, STATUS_RELEASED, STATUS_REVOKED = "active", "frozen", "released", "revoked"

# The most entries a "pids" claim may carry; a code with more is malformed.
MAX_PRODUCT_IDS = 8

# Wire name -> (attribute, kind, written when zero). The order is the issuer's.
_CLAIMS = (
    ("iss", "issuer", _wire.STR, True),
    ("sub", "license_id", _wire.STR, True),
    ("gen", "generation", _wire.INT, True),
    ("iat", "issued_at", _wire.INT, True),
    ("nbf", "not_before", _wire.INT, True),
    ("exp", "expires_at", _wire.INT, False),
    ("grace", "grace", _wire.INT, False),
    ("st", "status", _wire.STR, True),
    ("pid", "product_id", _wire.STR, True),
    ("pids", "product_ids", _wire.STR_LIST, False),
    ("sku", "sku", _wire.STR, False),
    ("ord", "order_id", _wire.STR, True),
    ("oli", "order_line_id", _wire.STR, False),
    ("cid", "customer_id", _wire.STR, False),
    ("qty", "quantity", _wire.INT, False),
    ("test", "test", _wire.BOOL, False),
)
_SPEC = {wire: kind for wire, _, kind, _ in _CLAIMS}


@dataclasses.dataclass(frozen=True)
class Claims:
    """The verified claims of a code. Times are unix seconds; expires_at is 0 for a perpetual license."""

    issuer: str = ""  # iss
    license_id: str = ""  # sub: the instanceId returned to KooGallery
    generation: int = 0  # gen: 1 on create, +1 on every change of the signed state
    issued_at: int = 0  # iat
    not_before: int = 0  # nbf
    expires_at: int = 0  # exp; 0: no end
    grace: int = 0  # seconds after exp during which the code is still accepted
    status: str = ""  # st: active, frozen, released or revoked
    product_id: str = ""  # pid: KooGallery productId
    # pids: the other productIds the license carried before a renewal changed its product (oldest first)
    product_ids: Tuple[str, ...] = ()
    sku: str = ""  # KooGallery skuCode
    order_id: str = ""  # ord
    order_line_id: str = ""  # oli
    customer_id: str = ""  # cid
    quantity: int = 0  # qty
    test: bool = False  # issued to a marketplace probe (testFlag=1)
    # dep: the deployment the code is bound to, by salted hashes; None for a code bound to none
    deployment: Optional[DeploymentClaim] = None

    def to_dict(self) -> Dict[str, Any]:
        """The claims under their wire names, in the issuer's order, zero optional claims left out."""
        out: Dict[str, Any] = {}
        for wire, attr, _, always in _CLAIMS:
            v = getattr(self, attr)
            if always or v:
                out[wire] = v
        if self.deployment is not None:
            out["dep"] = self.deployment.to_dict()
        return out


def decode_claims(obj: Any) -> Claims:
    """Decodes a claims object as the Go verifier does (raises _wire.WireError)."""
    f = _wire.fields(obj, _SPEC)
    dep = decode_dep(v for k, v in obj if (k if k == "dep" else _wire.fold(k)) == "dep")
    return Claims(deployment=dep, **{attr: f[wire] for wire, attr, _, _ in _CLAIMS})


def malformed_reason(c: Claims) -> str:
    """The reason claims are not well formed, or "" when they are."""
    if c.license_id == "":
        return 'no "sub" claim'
    if c.generation < 1:
        return '"gen" %d, want 1 or more' % c.generation
    if c.status == "":
        return 'no "st" claim'
    if min(c.issued_at, c.not_before, c.expires_at, c.grace, c.quantity) < 0:
        return 'negative "iat", "nbf", "exp", "grace" or "qty"'
    if len(c.product_ids) > MAX_PRODUCT_IDS:
        return '"pids" has %d entries, at most %d' % (len(c.product_ids), MAX_PRODUCT_IDS)
    if "" in c.product_ids:
        return 'an empty "pids" entry'
    if c.deployment is not None:
        return c.deployment.malformed_reason()
    return ""


@dataclasses.dataclass(frozen=True)
class RevocationList:
    """A verified revocation list: when it was made (unix seconds) and, per license id, the lowest
    generation still valid."""

    issued_at: int
    min_gen: Dict[str, int]
