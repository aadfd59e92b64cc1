"""Deployment binding: the "dep" claim, the deployment a verifier checks it against, and their hashes
(verifier/doc.go, "Deployment binding")."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import threading
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _wire

MAX_DEPLOYMENT_ID_LEN = 1024  # characters of a deployment id: a G1b deviceFingerprint may have 1024
MAX_COMPONENTS = 16  # component names of one deployment
MAX_COMPONENT_VALUES = 16  # values of one component
MAX_COMPONENT_NAME_LEN = 32  # bytes of a component name
MAX_COMPONENT_LEN = 256  # characters of one component value
DEPLOYMENT_SALT_LEN = 16  # bytes of a "dep" salt
_SALT_CHARS = 22  # its base64url length
_HASH_CHARS = 22  # a deployment hash: 16 bytes in base64url
_MAX_SALTS = 16  # salts whose hashes of the local deployment are remembered

# White space trimmed from both ends of a value before hashing: Go's unicode.IsSpace, exactly.
_SPACE = "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
         "\u2028\u2029\u202f\u205f\u3000"
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_MAC_SEPARATORS = {ord(":"): None, ord("-"): None, ord("."): None}


class DeploymentValueError(ValueError):
    """A deployment out of bounds (the Go package's ErrDeployment)."""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def normalize(name: str, value: str) -> str:
    """The form of a component value that is hashed: white space trimmed, ASCII A-Z lowered (no other
    character changes), and for "mac" every ':', '-' and '.' removed."""
    v = value.strip(_SPACE)
    v = "".join(chr(_ASCII_LOWER.get(ord(c), ord(c))) if c < "\x80" else c for c in v)
    if name == "mac":
        v = v.translate(_MAC_SEPARATORS)
    return v


def deployment_hash(salt: bytes, name: str, value: str) -> str:
    """The hash a "dep" claim holds for a value of the component name ("id" for the deployment id): the
    first 16 bytes of SHA-256(salt || name || 0x00 || normalized value), base64url without padding."""
    h = hashlib.sha256(salt + name.encode() + b"\x00" + normalize(name, value).encode("utf-8", "surrogatepass"))
    return b64url(h.digest()[:16])


def _printable(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not UTF-8
        return False
    return not any(c < "\x20" or c == "\x7f" or "\x80" <= c < "\xa0" for c in s)


def valid_component_name(name: Any) -> bool:
    if not isinstance(name, str) or not name or len(name) > MAX_COMPONENT_NAME_LEN or not "a" <= name[0] <= "z":
        return False
    return all("a" <= c <= "z" or "0" <= c <= "9" or c == "_" for c in name[1:])


@dataclasses.dataclass(frozen=True)
class Deployment:
    """One installation of the buyer's software: a stable id and optional components (name -> values),
    such as machine_id, product_uuid, mac, disk, hostname. Build one with Deployment.of()."""

    id: str
    components: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, value: Union["Deployment", str, Mapping[str, Any]]) -> "Deployment":
        """A deployment from its JSON form: {"id": ..., "components": {name: value or [values]}}, or a
        plain string (the id alone). Raises DeploymentValueError when it is out of bounds."""
        if isinstance(value, Deployment):
            d = value
        elif isinstance(value, str):
            d = cls(id=value)
        elif isinstance(value, Mapping):
            ident = value.get("id", "")
            comps = value.get("components") or {}
            if not isinstance(ident, str) or not isinstance(comps, Mapping):
                raise DeploymentValueError("unusable deployment: want {\"id\": str, \"components\": {...}}")
            if len(comps) > MAX_COMPONENTS:
                raise DeploymentValueError("unusable deployment: %d components, at most %d" % (len(comps), MAX_COMPONENTS))
            out = []
            for name, vals in comps.items():
                vals = (vals,) if isinstance(vals, str) else vals
                if not isinstance(vals, (list, tuple)) or not all(isinstance(v, str) for v in vals):
                    raise DeploymentValueError("unusable deployment: component %r is neither a string nor a list of "
                                               "strings" % str(name)[:40])
                out.append((name, tuple(vals)))
            d = cls(id=ident, components=tuple(sorted(out, key=lambda kv: str(kv[0]))))
        else:
            raise TypeError("deployment: want a Deployment, a str or a mapping")
        d.validate()
        return d

    def to_dict(self) -> Dict[str, Any]:
        """The object form a server request carries."""
        out: Dict[str, Any] = {"id": self.id}
        if self.components:
            out["components"] = {name: list(vals) for name, vals in self.components}
        return out

    def validate(self) -> None:
        """Checks the bounds as the Go package's Deployment.Validate does."""
        n = len(self.id)
        if self.id.strip(_SPACE) == "":
            raise DeploymentValueError("unusable deployment: no id")
        if n > MAX_DEPLOYMENT_ID_LEN:
            raise DeploymentValueError("unusable deployment: id of %d characters, at most %d" % (n, MAX_DEPLOYMENT_ID_LEN))
        if not _printable(self.id.strip(_SPACE)):
            raise DeploymentValueError("unusable deployment: id holds a control character or is not UTF-8")
        if len(self.components) > MAX_COMPONENTS:
            raise DeploymentValueError("unusable deployment: %d components, at most %d" % (len(self.components), MAX_COMPONENTS))
        for name, vals in self.components:
            if not valid_component_name(name):
                raise DeploymentValueError("unusable deployment: component name %r: want a lower-case letter, then "
                                           "up to %d of a-z, 0-9 and _" % (str(name)[:40], MAX_COMPONENT_NAME_LEN - 1))
            if not vals:
                raise DeploymentValueError("unusable deployment: component %s has no value" % name)
            if len(vals) > MAX_COMPONENT_VALUES:
                raise DeploymentValueError("unusable deployment: component %s has %d values, at most %d"
                                           % (name, len(vals), MAX_COMPONENT_VALUES))
            for v in vals:
                if normalize(name, v) == "":
                    raise DeploymentValueError("unusable deployment: component %s has an empty value" % name)
                if len(v) > MAX_COMPONENT_LEN:
                    raise DeploymentValueError("unusable deployment: a value of component %s has %d characters, at "
                                               "most %d" % (name, len(v), MAX_COMPONENT_LEN))
                if not _printable(v.strip(_SPACE)):
                    raise DeploymentValueError("unusable deployment: a value of component %s holds a control "
                                               "character or is not UTF-8" % name)


def _decode_salt(s: str) -> Optional[bytes]:
    if len(s) != _SALT_CHARS:
        return None
    try:
        raw = _wire.b64decode(s.encode("utf-8", "surrogatepass"))
    except _wire.WireError:
        return None
    return raw if len(raw) == DEPLOYMENT_SALT_LEN else None


def _is_hash(s: str) -> bool:
    if len(s) != _HASH_CHARS:
        return False
    try:
        return len(_wire.b64decode(s.encode("utf-8", "surrogatepass"))) == 16
    except _wire.WireError:
        return False


@dataclasses.dataclass(frozen=True)
class DeploymentClaim:
    """The "dep" claim: the salt ("s", base64url), the id's hash ("id"), each component's value hashes
    ("c", as sorted (name, hashes) pairs) and how many components must match ("k")."""

    salt: str = ""
    id: str = ""
    components: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    match: int = 0

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"s": self.salt, "id": self.id}
        if self.components:
            out["c"] = {name: list(hs) for name, hs in self.components}
        if self.match:
            out["k"] = self.match
        return out

    def malformed_reason(self) -> str:
        """Why the claim is not well formed (Go's wellFormed), or ""."""
        n = len(self.components)
        if _decode_salt(self.salt) is None:
            return '"dep" salt is not %d bytes of base64url' % DEPLOYMENT_SALT_LEN
        if not _is_hash(self.id):
            return '"dep" id is not a deployment hash'
        if n > MAX_COMPONENTS:
            return '"dep" has %d components, at most %d' % (n, MAX_COMPONENTS)
        if n == 0 and self.match != 0:
            return '"dep" needs %d components and binds none' % self.match
        if n > 0 and not 1 <= self.match <= n:
            return '"dep" needs %d of %d components' % (self.match, n)
        for name, hs in self.components:
            if not valid_component_name(name) or not hs or len(hs) > MAX_COMPONENT_VALUES:
                return '"dep" component %r' % name[:40]
            if not all(_is_hash(h) for h in hs):
                return '"dep" component %s holds a value that is not a deployment hash' % name
        return ""

    def matches(self, deployment: Union[Deployment, str, Mapping[str, Any]]) -> Tuple[int, int, bool]:
        """Whether deployment is the one the claim binds: (components matched, components needed, ok);
        for a claim that binds the id alone, (0, 0, whether the id's hash matches)."""
        salt = _decode_salt(self.salt)
        if salt is None:
            return 0, self.match, False
        return self._match_hashes(_hashed(Deployment.of(deployment), salt))

    def _match_hashes(self, h: "_Hashed") -> Tuple[int, int, bool]:
        if not self.components:
            return 0, 0, h.id == self.id
        matched = 0
        for name, hs in self.components:
            if any(v in hs for v in h.components.get(name, ())):
                matched += 1
        return matched, self.match, matched >= self.match


@dataclasses.dataclass(frozen=True)
class _Hashed:
    id: str
    components: Dict[str, Tuple[str, ...]]


def _hashed(d: Deployment, salt: bytes) -> _Hashed:
    return _Hashed(id=deployment_hash(salt, "id", d.id),
                   components={name: tuple(deployment_hash(salt, name, v) for v in vals) for name, vals in d.components})


class LocalDeployment:
    """The deployment a Verifier checks "dep" claims against, with its hashes remembered per salt."""

    def __init__(self, d: Deployment):
        self.deployment = d
        self._hashes: Dict[str, _Hashed] = {}
        self._lock = threading.Lock()

    def check(self, c: DeploymentClaim) -> str:
        """"" when c binds this deployment, else why not."""
        with self._lock:
            h = self._hashes.get(c.salt)
        if h is None:
            salt = _decode_salt(c.salt)
            if salt is None:  # refused as malformed already
                return '"dep" salt'
            h = _hashed(self.deployment, salt)
            with self._lock:
                if c.salt not in self._hashes and len(self._hashes) >= _MAX_SALTS:
                    del self._hashes[next(iter(self._hashes))]
                self._hashes[c.salt] = h
        matched, needed, ok = c._match_hashes(h)
        if ok:
            return ""
        if needed == 0:
            return "the code is bound to another deployment id"
        return "%d of the %d components bound match, %d needed" % (matched, len(c.components), needed)


# The members of a "dep" object, as Go decodes them into DeploymentClaim.
_DEP = {"s": _wire.STR, "id": _wire.STR, "k": _wire.INT}


def decode_dep(members: Iterable[Any]) -> Optional[DeploymentClaim]:
    """Decodes the "dep" members of a claims object (every member whose name folds to "dep", in order)
    as Go decodes them into a *DeploymentClaim: null makes it absent, an object is merged into what an
    earlier one set, anything else is an error (raises _wire.WireError)."""
    state: Optional[Dict[str, Any]] = None
    for v in members:
        if v is None:
            state = None
            continue
        if not _wire.is_object(v):
            raise _wire.WireError('"dep" is not an object')
        if state is None:
            state = {"s": "", "id": "", "k": 0, "c": None}
        for key, val in v:
            name = key if key in ("s", "id", "k", "c") else _wire.fold(key)
            if name == "c":
                state["c"] = _decode_components(state["c"], val)
            elif name in _DEP:
                if val is None:
                    continue  # null leaves the member as it was
                state[name] = _field(name, val)
    if state is None:
        return None
    comps = state["c"] or {}
    return DeploymentClaim(salt=state["s"], id=state["id"], match=state["k"],
                           components=tuple(sorted(comps.items())))


def _field(name: str, val: Any) -> Any:
    f = _wire.fields(_wire._Object([(name, val)]), {name: _DEP[name]})
    return f[name]


def _decode_components(cur: Optional[Dict[str, Tuple[str, ...]]], val: Any) -> Optional[Dict[str, Tuple[str, ...]]]:
    """Go's decoding of a JSON value into map[string][]string, onto the map cur: null clears it, an
    object adds its members (a later duplicate wins), each an array of strings or null (no hashes)."""
    if val is None:
        return None
    if not _wire.is_object(val):
        raise _wire.WireError('"dep" "c" is not an object')
    out = dict(cur or {})
    for key, hs in val:
        entries: List[str] = [_wire._str_entry(e) for e in _wire.objects(hs)]
        out[key] = tuple(entries)
    return out
