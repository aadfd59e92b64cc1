"""Verifier: the checks of verifier/doc.go, in its order, with the Go verifier's reasons."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import math
import threading
import time
from typing import Callable, Dict, Iterable, Iterator, Optional, Tuple, Union

from cryptography.exceptions import InvalidSignature

from . import _wire
from ._claims import STATUS_ACTIVE, STATUS_REVOKED, Claims, RevocationList, decode_claims, malformed_reason
from ._deployment import Deployment, DeploymentValueError, LocalDeployment
from ._errors import (AlgorithmError, DeploymentError, ExpiredError, InactiveError, MalformedError,
                      NotYetValidError, RevokedError, SignatureError, StaleListError, SupersededError,
                      TestCodeError, UnknownKeyError, VerificationError, WrongDeploymentError, WrongIssuerError,
                      WrongProductError, WrongSKUError, WrongTypeError)
from ._keyring import Keyring
from ._state import State
from ._time import to_datetime, utc

ALGORITHM, ALGORITHM_ED25519 = "EdDSA", "Ed25519"
TYPE_CODE, TYPE_REVOCATIONS = "licentia+jwt", "licentia-revocations+jwt"
TYPE_REVOCATIONS_DELTA = "licentia-revocations-delta+jwt"
DEFAULT_ROLLBACK_TOLERANCE = 600  # seconds
DEFAULT_CACHE_SIZE = 256

_MAX_CODE_LEN = 8 << 10  # a whole code, after cleaning
_MAX_PASTED_LEN = 64 << 10  # a code as given, white space included
_MAX_LIST_LEN = 32 << 20  # a whole revocation list, after cleaning
_MAX_HEADER_LEN = 512
_SIGNATURE_LEN = 86
_SPACE = b" \t\n\r\v\f"
_INT64_MAX = (1 << 63) - 1
_HEADER = {"alg": _wire.STR, "kid": _wire.STR, "typ": _wire.STR, "crit": _wire.ANY}
_LIST = {"iat": _wire.INT, "min_gen": _wire.INT_MAP}
_DELTA = {"iat": _wire.INT, "since": _wire.INT, "min_gen": _wire.INT_MAP, "removed": _wire.VALUE}
# The longest answer of GET /v1/revocations read (a whole list or a delta, white space included), the
# longest revocation document read, and the most deltas a document may hold after its whole list.
MAX_REVOCATION_LIST_SIZE = 2 * _MAX_LIST_LEN
MAX_REVOCATION_DOCUMENT_SIZE = 2 * MAX_REVOCATION_LIST_SIZE
MAX_REVOCATION_DELTAS = 2048

Seconds = Union[int, float, datetime.timedelta]
Clock = Callable[[], Union[int, float, datetime.datetime]]


def _clean(code: Union[str, bytes]) -> bytes:
    """The code without surrounding white space and without line breaks inside (as left by pasting)."""
    raw = code.encode("utf-8", "surrogatepass") if isinstance(code, str) else bytes(code)
    raw = raw.strip(_SPACE)
    if b"\n" in raw or b"\r" in raw:
        raw = raw.replace(b"\r", b"").replace(b"\n", b"")
    return raw


def fingerprint(code: Union[str, bytes]) -> str:
    """A short, stable identifier of a code for logs and support (SHA-256 over the cleaned code, first
    8 bytes, hex). It reveals nothing usable: log it instead of the code."""
    return hashlib.sha256(_clean(code)).hexdigest()[:16]


def _open(kr: Optional[Keyring], raw: bytes, want_typ: str, max_len: int) -> Tuple[bytes, str]:
    """Checks a cleaned compact JWS up to its signature; returns the decoded payload and the kid."""
    if not raw:
        raise MalformedError("malformed code: empty")
    if len(raw) > max_len:
        raise MalformedError("malformed code: longer than %d bytes" % max_len)
    parts = raw.split(b".")
    if len(parts) != 3:
        raise MalformedError("malformed code: want three dot-separated parts")
    h, p, s = parts
    if not h or len(h) > _MAX_HEADER_LEN or not p:
        raise MalformedError("malformed code: header or payload part empty or too long")
    try:
        hdr = _wire.fields(_wire.loads(_wire.b64decode(h)), _HEADER)
    except _wire.WireError:
        raise MalformedError("malformed code: header is not a canonical base64url JSON object") from None
    kid = hdr["kid"]
    if hdr["crit"]:
        raise MalformedError("malformed code: unsupported critical header", key_id=kid)
    if hdr["alg"] not in (ALGORITHM, ALGORITHM_ED25519):
        raise AlgorithmError("algorithm %r not accepted, want %r or %r" % (hdr["alg"][:40], ALGORITHM,
                                                                            ALGORITHM_ED25519), key_id=kid)
    if hdr["typ"] != want_typ:
        raise WrongTypeError("typ %r, want %r" % (hdr["typ"][:40], want_typ), key_id=kid)
    pub = kr.key(kid) if kr is not None else None
    if pub is None:
        raise UnknownKeyError("unknown key id %r" % kid[:40], key_id=kid)
    if len(s) != _SIGNATURE_LEN:
        raise MalformedError("malformed code: signature part of %d characters, want %d" % (len(s), _SIGNATURE_LEN),
                             key_id=kid)
    try:
        sig = _wire.b64decode(s)
    except _wire.WireError:
        raise MalformedError("malformed code: signature is not canonical base64url", key_id=kid) from None
    try:
        pub.verify(sig, h + b"." + p)
    except InvalidSignature:
        raise SignatureError("signature does not verify", key_id=kid) from None
    try:
        return _wire.b64decode(p), kid
    except _wire.WireError:
        raise MalformedError("malformed code: payload is not canonical base64url", key_id=kid) from None


def parse_revocations(keyring: Keyring, data: Union[str, bytes]) -> RevocationList:
    """Verifies the revocation document data with the keys of keyring and returns the list it amounts
    to. A document is a whole list (the body of GET /v1/revocations, typ "licentia-revocations+jwt")
    followed by zero or more deltas (bodies of GET /v1/revocations?since=, typ
    "licentia-revocations-delta+jwt"), one compact JWS per line: lines are separated by LF, white space
    around each is ignored and empty lines are skipped. Each delta must continue the list before it (its
    since no later than that list's iat, its iat no earlier); it sets its min_gen entries, deletes its
    removed ids and makes its iat the list's.

    Raises MalformedError (also for a gap, an older delta, more than MAX_REVOCATION_DELTAS deltas or
    more than MAX_REVOCATION_DOCUMENT_SIZE bytes), WrongTypeError (a document that does not start with a
    whole list, a whole list or a code where a delta belongs), AlgorithmError, UnknownKeyError or
    SignatureError; an error in a delta names it by its number (1 for the first delta)."""
    return _parse_document(keyring, _bytes(data))[0]


def revocations_compact_due(doc: Union[None, str, bytes]) -> bool:
    """Whether the revocation document doc is due to be replaced by a whole list fetched anew rather
    than grow: its deltas together are longer than its whole list, or it holds MAX_REVOCATION_DELTAS
    deltas. Reads doc's lines without verifying them; an empty document is due."""
    list_len = deltas = delta_len = 0
    for n, line in enumerate(_lines(_bytes(doc))):
        if n == 0:
            list_len = len(line)
        else:
            deltas += 1
            delta_len += len(line)
    return list_len == 0 or delta_len > list_len or deltas >= MAX_REVOCATION_DELTAS


def append_revocations(keyring: Keyring, doc: Union[None, str, bytes],
                       body: Union[str, bytes]) -> Tuple[bytes, RevocationList]:
    """Adds body, an answer of GET /v1/revocations as fetched (a whole list or a delta), to the
    revocation document doc (None or empty for none); returns the new document and the list it amounts
    to. A whole list replaces doc; a delta is verified, checked to continue doc's list and appended on a
    line of its own (the document then ends with LF). Neither argument is changed.

    A body older than doc's list (a whole list or a delta with an earlier iat, say from a server replica
    that lags) raises StaleListError: keep doc. A delta that leaves a gap, a delta for an empty or invalid
    doc, or one beyond MAX_REVOCATION_DELTAS raises MalformedError: fetch the whole list. Other errors
    are those of parse_revocations, for body (one JWS of at most MAX_REVOCATION_LIST_SIZE bytes) or doc."""
    body_b, doc_b = _bytes(body), _bytes(doc)
    if len(body_b) > MAX_REVOCATION_LIST_SIZE:
        raise MalformedError("revocation list: malformed: longer than %d bytes" % MAX_REVOCATION_LIST_SIZE)
    raw = body_b.strip(_SPACE)
    if b"\n" in raw:
        raise MalformedError("revocation list: malformed: an answer is one JWS on one line")
    try:
        typ = _typ(raw)
    except VerificationError as e:
        raise _wrap("revocation list", e) from None
    if typ != TYPE_REVOCATIONS_DELTA:
        try:
            lst = _parse_list(keyring, raw)
        except VerificationError as e:
            raise _wrap("revocation list", e) from None
        if doc_b.strip(_SPACE):
            try:
                held = _parse_document(keyring, doc_b)[0]
            except VerificationError:
                held = None
            if held is not None and held.issued_at > lst.issued_at:
                raise StaleListError("revocation list: stale list: the list fetched (iat %d) is older than the one "
                                     "held (iat %d)" % (lst.issued_at, held.issued_at))
        return raw + b"\n", lst
    try:
        d = _parse_delta(keyring, raw)
    except VerificationError as e:
        raise _wrap("revocation delta", e) from None
    try:
        held, deltas = _parse_document(keyring, doc_b)
    except VerificationError as e:
        raise _wrap("a revocation delta needs the list it changes", e) from None
    if d[0] < held.issued_at:
        raise StaleListError("revocation delta: stale list: the delta fetched (iat %d) is older than the list "
                             "held (iat %d)" % (d[0], held.issued_at))
    if deltas >= MAX_REVOCATION_DELTAS:
        raise MalformedError("revocation delta: malformed: the document holds %d deltas already; fetch the whole "
                             "list anew" % deltas)
    trimmed = doc_b.strip(_SPACE)
    if len(trimmed) + 1 + len(raw) + 1 > MAX_REVOCATION_DOCUMENT_SIZE:
        raise MalformedError("revocation delta: malformed: the document would be longer than %d bytes; fetch the "
                             "whole list anew" % MAX_REVOCATION_DOCUMENT_SIZE)
    min_gen = dict(held.min_gen)
    try:
        _apply(held.issued_at, min_gen, d)
    except VerificationError as e:
        raise _wrap("revocation delta", e) from None
    return trimmed + b"\n" + raw + b"\n", RevocationList(issued_at=d[0], min_gen=min_gen)


def _wrap(prefix: str, e: VerificationError) -> VerificationError:
    """e again, of the same class, its message prefixed."""
    return type(e)("%s: %s" % (prefix, e), key_id=e.key_id)


def _bytes(data: Union[None, str, bytes]) -> bytes:
    if data is None:
        return b""
    return data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)


def _lines(doc: bytes) -> Iterator[bytes]:
    """Each non-empty line of doc (lines end with LF), white space around it trimmed."""
    for line in doc.split(b"\n"):
        line = line.strip(_SPACE)
        if line:
            yield line


def _typ(raw: bytes) -> str:
    """The typ of the compact JWS raw (trimmed), its shape checked but nothing verified."""
    if not raw:
        raise MalformedError("malformed: empty")
    if len(raw) > _MAX_LIST_LEN:
        raise MalformedError("malformed: longer than %d bytes" % _MAX_LIST_LEN)
    parts = raw.split(b".")
    if len(parts) != 3:
        raise MalformedError("malformed: want three dot-separated parts")
    if not parts[0] or len(parts[0]) > _MAX_HEADER_LEN or not parts[1]:
        raise MalformedError("malformed: header or payload part empty or too long")
    try:
        return _wire.fields(_wire.loads(_wire.b64decode(parts[0])), _HEADER)["typ"]
    except _wire.WireError:
        raise MalformedError("malformed: header is not a canonical base64url JSON object") from None


def _parse_document(keyring: Keyring, data: bytes) -> Tuple[RevocationList, int]:
    """parse_revocations, also returning the number of deltas."""
    if len(data) > MAX_REVOCATION_DOCUMENT_SIZE:
        raise MalformedError("revocation list: malformed: longer than %d bytes" % MAX_REVOCATION_DOCUMENT_SIZE)
    iat, min_gen, deltas = -1, {}, 0
    for line in _lines(data):
        if iat < 0:
            try:
                lst = _parse_list(keyring, line)
            except VerificationError as e:
                raise _wrap("revocation list", e) from None
            iat, min_gen = lst.issued_at, dict(lst.min_gen)
            continue
        if deltas == MAX_REVOCATION_DELTAS:
            raise MalformedError("revocation list: malformed: more than %d deltas; fetch the whole list anew"
                                 % MAX_REVOCATION_DELTAS)
        deltas += 1
        try:
            d = _parse_delta(keyring, line)
            _apply(iat, min_gen, d)
        except VerificationError as e:
            raise _wrap("revocation list: delta %d" % deltas, e) from None
        iat = d[0]
    if iat < 0:
        raise MalformedError("revocation list: malformed: empty")
    return RevocationList(issued_at=iat, min_gen=min_gen), deltas


def _parse_list(keyring: Keyring, jws: bytes) -> RevocationList:
    """Verifies one whole list (a compact JWS, trimmed) and returns it."""
    payload, _ = _open(keyring, jws, TYPE_REVOCATIONS, _MAX_LIST_LEN)
    try:
        f = _wire.fields(_wire.loads(payload), _LIST)
    except _wire.WireError as e:
        raise MalformedError("malformed: %s" % e) from None
    if f["iat"] < 0 or f["min_gen"] is None:
        raise MalformedError('malformed: want "iat" >= 0 and a "min_gen" object')
    for license_id, g in f["min_gen"].items():
        if license_id == "" or g < 1:
            raise MalformedError("malformed: entry %r: %d" % (license_id[:80], g))
    return RevocationList(issued_at=f["iat"], min_gen=f["min_gen"])


_Delta = Tuple[int, int, Dict[str, int], Tuple[str, ...]]


def _parse_delta(keyring: Keyring, jws: bytes) -> _Delta:
    """Verifies one delta (a compact JWS, trimmed); returns its iat, since, min_gen and removed ids."""
    payload, _ = _open(keyring, jws, TYPE_REVOCATIONS_DELTA, _MAX_LIST_LEN)
    try:
        f = _wire.fields(_wire.loads(payload), _DELTA)
        removed = _wire.str_list(f["removed"])
    except _wire.WireError as e:
        raise MalformedError("malformed: %s" % e) from None
    iat, since, min_gen = f["iat"], f["since"], f["min_gen"]
    if since < 0 or iat < since or min_gen is None or removed is None:
        raise MalformedError('malformed: want 0 <= "since" <= "iat", a "min_gen" object and a "removed" array')
    for license_id, g in min_gen.items():
        if license_id == "" or g < 1:
            raise MalformedError("malformed: entry %r: %d" % (license_id[:80], g))
    for license_id in removed:
        if license_id == "":
            raise MalformedError('malformed: an empty id in "removed"')
        if license_id in min_gen:
            raise MalformedError('malformed: %r both in "min_gen" and in "removed"' % license_id[:80])
    return iat, since, min_gen, removed


def _apply(iat: int, min_gen: Dict[str, int], d: _Delta) -> None:
    """Applies d to the list (iat, min_gen) after checking that d continues it: no gap and not older.
    Raises MalformedError and leaves min_gen unchanged."""
    d_iat, since, set_, removed = d
    if since > iat:
        raise MalformedError("malformed: a gap: the delta holds changes since %d, the list before it is of %d; "
                             "fetch the whole list anew" % (since, iat))
    if d_iat < iat:
        raise MalformedError("malformed: the delta (iat %d) is older than the list before it (iat %d)" % (d_iat, iat))
    min_gen.update(set_)
    for license_id in removed:
        min_gen.pop(license_id, None)


@dataclasses.dataclass(frozen=True)
class Result:
    """The outcome of a successful Verifier.check."""

    claims: Claims
    key_id: str  # the id of the key that signed the code
    in_grace: bool  # exp has passed but the code is still accepted: urge a renewal (续费)
    at: datetime.datetime  # the time the code was judged at (UTC)


def _seconds(name: str, v: Optional[Seconds]) -> int:
    if v is None:
        return 0
    if isinstance(v, datetime.timedelta):
        v = v.total_seconds()
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
        raise TypeError("%s: want seconds or a timedelta" % name)
    return max(0, int(v))


def _strings(name: str, v: Union[None, str, Iterable[str]]) -> Tuple[str, ...]:
    if v is None:
        return ()
    out = (v,) if isinstance(v, str) else tuple(v)
    if not all(isinstance(x, str) and x for x in out):
        raise TypeError("%s: want non-empty strings" % name)
    return out


class Verifier:
    """Checks authorization codes offline against a key ring and a set of expectations.

    Binding is explicit: give ``product`` (one KooGallery productId or several, e.g. the monthly and
    the yearly id of one SKU), ``sku``, or ``any_product=True``. A product binding accepts a code whose
    ``pid``, or any entry of whose ``pids`` (the productIds the license carried before a renewal changed
    its product), is bound. One seller key signs every product's
    codes, so a verifier bound to nothing would let the cheapest product unlock the dearest; without
    a binding the constructor raises ValueError.

    Options: ``issuer`` (accepted iss), ``allow_test`` (accept marketplace probe codes), ``now`` (a
    clock returning a datetime or unix seconds; default time.time), ``leeway`` (clock skew on nbf and
    exp), ``revocations`` (a list from parse_revocations), ``max_list_age`` (require a list made no
    longer ago), ``state`` (a State), ``rollback_tolerance`` (default 10 minutes), ``cache_size``
    (authentic codes remembered; 0 turns it off), ``deployment`` (the installation the software runs as:
    a Deployment, its JSON form as a dict, or a str for the id alone). Durations are seconds or
    timedeltas.

    With ``deployment``, a code bound to a deployment (its ``dep`` claim) must match it, k of its n
    components or, for a claim binding the id alone, the id (WrongDeploymentError otherwise); a code
    without ``dep`` passes as before. Without ``deployment`` the binding is not checked at all: software
    that installs deployment-bound codes must give it. An invalid deployment raises DeploymentError
    here (the Go package, whose options cannot fail, refuses every code with it instead).

    A Verifier is immutable after construction and safe for use by several threads.
    """

    def __init__(self, keyring: Keyring, *, product: Union[None, str, Iterable[str]] = None,
                 sku: Union[None, str, Iterable[str]] = None, any_product: bool = False,
                 issuer: str = "", allow_test: bool = False, now: Optional[Clock] = None,
                 leeway: Optional[Seconds] = None, revocations: Optional[RevocationList] = None,
                 max_list_age: Optional[Seconds] = None, state: Optional[State] = None,
                 rollback_tolerance: Optional[Seconds] = DEFAULT_ROLLBACK_TOLERANCE,
                 cache_size: int = DEFAULT_CACHE_SIZE,
                 deployment: Union[None, Deployment, str, Dict[str, object]] = None):
        self._products = _strings("product", product)
        self._skus = _strings("sku", sku)
        if not self._products and not self._skus and not any_product:
            raise ValueError("want product= or sku=: one seller key signs the codes of all the seller's products, "
                             "so a check without one accepts any of them (say any_product=True if that is meant)")
        if any_product and (self._products or self._skus):
            raise ValueError("any_product=True contradicts product= and sku=")
        if not isinstance(keyring, Keyring):
            raise TypeError("keyring: want a Keyring")
        if revocations is not None and not isinstance(revocations, RevocationList):
            raise TypeError("revocations: want a RevocationList from parse_revocations")
        if state is not None and not isinstance(state, State):
            raise TypeError("state: want a State")
        self._kr = keyring
        self._issuer = issuer
        self._allow_test = bool(allow_test)
        self._now: Clock = now or time.time
        self._leeway = _seconds("leeway", leeway)
        self._revs = revocations
        self._max_list_age = _seconds("max_list_age", max_list_age)
        self._state = state
        self._tolerance = _seconds("rollback_tolerance", rollback_tolerance)
        self._cache_size = int(cache_size)
        self._deployment: Optional[LocalDeployment] = None
        if deployment is not None:
            try:
                self._deployment = LocalDeployment(Deployment.of(deployment))  # type: ignore[arg-type]
            except DeploymentValueError as e:
                raise DeploymentError(str(e)) from None
        self._cache: Dict[bytes, Tuple[Claims, str]] = {}
        self._cache_lock = threading.Lock()

    def verify(self, code: Union[str, bytes]) -> Claims:
        """Checks code and returns its claims; raises a VerificationError subclass naming the first
        check that failed. Surrounding white space and line breaks inside (as pasted) are ignored."""
        return self.check(code).claims

    def check(self, code: Union[str, bytes]) -> Result:
        """verify with more detail: the signing key id, the time judged at, and in_grace."""
        at, now = self._clock()
        claims, kid = self._authentic(code)
        try:
            in_grace = self._judge(claims, now)
        except VerificationError as e:
            e.key_id, e.claims = kid, claims
            raise
        return Result(claims=claims, key_id=kid, in_grace=in_grace, at=at)

    def _clock(self) -> Tuple[datetime.datetime, int]:
        """The time to judge at, and it in whole unix seconds (floor)."""
        t = self._now()
        if isinstance(t, datetime.datetime):
            if t.tzinfo is None:
                raise TypeError("now: want an aware datetime (with a time zone) or unix seconds")
            at = t.astimezone(datetime.timezone.utc)
            return at, (at - to_datetime(0)) // datetime.timedelta(seconds=1)
        if isinstance(t, bool) or not isinstance(t, (int, float)) or t != t:
            raise TypeError("now: want an aware datetime or unix seconds")
        return to_datetime(0) + datetime.timedelta(seconds=t), math.floor(t)

    def _authentic(self, code: Union[str, bytes]) -> Tuple[Claims, str]:
        """Steps 1 to 4: form, key, signature, claims. They depend on the code and the key ring only,
        so an authentic code is remembered and not checked again."""
        if len(code) > _MAX_PASTED_LEN:
            raise MalformedError("malformed code: longer than %d bytes" % _MAX_PASTED_LEN)
        raw = _clean(code)
        if self._cache_size > 0:
            with self._cache_lock:
                hit = self._cache.get(raw)
            if hit is not None:
                return hit
        payload, kid = _open(self._kr, raw, TYPE_CODE, _MAX_CODE_LEN)
        try:
            claims = decode_claims(_wire.loads(payload))
        except _wire.WireError as e:
            raise MalformedError("malformed code: claims: %s" % e, key_id=kid) from None
        problem = malformed_reason(claims)
        if problem:
            raise MalformedError("malformed code: %s" % problem, key_id=kid)
        if self._cache_size > 0:
            with self._cache_lock:
                if raw not in self._cache and len(self._cache) >= self._cache_size:
                    del self._cache[next(iter(self._cache))]
                self._cache[raw] = (claims, kid)
        return claims, kid

    def _judge(self, c: Claims, now: int) -> bool:
        """Steps 5 to 10 on authentic claims at unix time now; returns in_grace."""
        if self._issuer and c.issuer != self._issuer:
            raise WrongIssuerError("wrong issuer %r" % c.issuer[:80])
        if self._products and c.product_id not in self._products and not any(
                p in self._products for p in c.product_ids):
            raise WrongProductError("wrong product %r" % c.product_id[:80])
        if self._skus and c.sku not in self._skus:
            raise WrongSKUError("wrong sku %r" % c.sku[:80])
        if c.test and not self._allow_test:
            raise TestCodeError("test code not allowed")
        if self._deployment is not None and c.deployment is not None:
            problem = self._deployment.check(c.deployment)
            if problem:
                raise WrongDeploymentError("code bound to another deployment: " + problem)
        state_min = newer_list = 0
        if self._state is not None:
            state_min, newer_list = self._state.observe(c, self._revs, now, self._tolerance)
        if c.status == STATUS_REVOKED:
            raise RevokedError("license revoked")
        if c.status != STATUS_ACTIVE:
            raise InactiveError("license not active: status %r" % c.status[:40])
        self._fresh(now, newer_list)
        if self._revs is not None:
            m = self._revs.min_gen.get(c.license_id, 0)
            if c.generation < m:
                raise RevokedError("code revoked: generation %d below the revocation list's %d" % (c.generation, m))
        if c.generation < state_min:
            raise SupersededError("code superseded: generation %d, already seen %d" % (c.generation, state_min))
        return self._check_time(c, now)

    def _fresh(self, now: int, newer_list: int) -> None:
        if newer_list:
            raise StaleListError("revocation list not fresh: made %s, but a list made %s was already seen"
                                 % (utc(self._revs.issued_at), utc(newer_list)))  # type: ignore[union-attr]
        if not self._max_list_age:
            return
        if self._revs is None:
            raise StaleListError("revocation list not fresh: none given, but one made in the last %ds is required"
                                 % self._max_list_age)
        if now - self._revs.issued_at > self._max_list_age:
            raise StaleListError("revocation list not fresh: made %s, more than %ds before %s"
                                 % (utc(self._revs.issued_at), self._max_list_age, utc(now)))

    def _check_time(self, c: Claims, now: int) -> bool:
        if now < c.not_before - self._leeway:
            raise NotYetValidError("code not yet valid: starts %s" % utc(c.not_before))
        if c.expires_at == 0:
            return False
        if now >= min(c.expires_at + c.grace + self._leeway, _INT64_MAX):
            raise ExpiredError("code expired: ended %s" % utc(c.expires_at))
        return now >= c.expires_at


def reason(err: Optional[BaseException]) -> str:
    """The Go verifier's stable name for an outcome: "valid" for None, the error's reason, or "error"."""
    if err is None:
        return "valid"
    return getattr(err, "reason", "error") if isinstance(err, VerificationError) else "error"


