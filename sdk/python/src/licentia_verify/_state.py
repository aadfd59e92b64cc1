"""The verifier's state file: trusted time, newest generations and the newest revocation list seen.

Same file as the Go verifier's (verifier.OpenState), so software in several languages can share it:
{"format":"licentia-verifier-state/1","seen":<unix>,"list_iat":<unix>,"min_gen":{"<license id>":<gen>}}
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from typing import Dict, Optional, Tuple

from . import _wire
from ._claims import Claims, RevocationList
from ._errors import ClockRollbackError, StateError
from ._time import utc

STATE_FORMAT = "licentia-verifier-state/1"
_WRITE_EVERY = 60  # seconds the trusted time must advance before an unchanged state is written again
_MAX_STATE_LEN = 16 << 20
_SPEC = {"format": _wire.STR, "seen": _wire.INT, "list_iat": _wire.INT, "min_gen": _wire.INT_MAP}


class State:
    """The verifier's memory between runs, kept in one small JSON file. It notices a clock set back, an
    older code put back after a renewal, freeze or revocation, and an older revocation list put back.

    The file is a safeguard, not a secret: whoever can delete it resets it. One process should own a
    state file; a State is safe for use by several threads of that process. Open it with State.open.
    """

    def __init__(self, path: str):
        self._path = os.fspath(path)
        self._lock = threading.Lock()
        self._seen = 0
        self._list_iat = 0
        self._min_gen: Dict[str, int] = {}
        self._written = -1  # seen as last written; -1 if never written

    @classmethod
    def open(cls, path: str) -> "State":
        """Reads the state file at path. A missing file is an empty state, created on first write; an
        unreadable, empty, corrupt or foreign file raises StateError and is left untouched (delete it to
        start afresh)."""
        s = cls(path)
        try:
            with open(s._path, "rb") as f:
                data = f.read(_MAX_STATE_LEN + 1)
        except FileNotFoundError:
            return s
        except OSError as e:
            raise StateError("state file %s: %s" % (os.path.basename(s._path), e.strerror)) from None
        problem = s._decode(data)
        if problem:
            raise StateError("state file %s: %s" % (os.path.basename(s._path), problem))
        s._written = s._seen
        return s

    def _decode(self, data: bytes) -> str:
        if len(data) > _MAX_STATE_LEN:
            return "larger than a state file can be"
        if not data.strip():
            return "file is empty (delete it to start afresh)"
        try:
            f = _wire.fields(_wire.loads(data), _SPEC, strict=True)
        except _wire.WireError as e:
            return "not a licentia state file: %s" % e
        if f["format"] != STATE_FORMAT:
            return "not a licentia state file: format %r, want %r" % (f["format"][:80], STATE_FORMAT)
        if f["seen"] < 0 or f["list_iat"] < 0:
            return "corrupt: seen %d, list_iat %d" % (f["seen"], f["list_iat"])
        for license_id, g in (f["min_gen"] or {}).items():
            if license_id == "" or g < 1:
                return "corrupt: min_gen entry %r: %d" % (license_id[:80], g)
        self._seen, self._list_iat, self._min_gen = f["seen"], f["list_iat"], dict(f["min_gen"] or {})
        return ""

    @property
    def path(self) -> str:
        return self._path

    @property
    def seen(self) -> int:
        """The latest trusted unix time recorded."""
        with self._lock:
            return self._seen

    @property
    def list_issued_at(self) -> int:
        """The iat of the newest revocation list used with the state (0 if none). An older list is
        refused (StaleListError): compare with it before replacing a saved list."""
        with self._lock:
            return self._list_iat

    def min_generation(self, license_id: str) -> int:
        """The lowest generation of the license still accepted (0 if none is recorded)."""
        with self._lock:
            return self._min_gen.get(license_id, 0)

    def observe(self, c: Claims, revs: Optional[RevocationList], now: int, tolerance: int) -> Tuple[int, int]:
        """Checks authentic claims c at unix time now against the state and records what they teach;
        writes the file when that changed it. Returns the lowest acceptable generation of c's license
        as known before c and, when revs is older than a list already seen, that list's iat (else 0).
        Raises ClockRollbackError, or StateError when the file cannot be written."""
        with self._lock:
            prev_min = self._min_gen.get(c.license_id, 0)
            trusted = max(self._seen, c.issued_at)
            new_min = max(prev_min, c.generation)
            list_iat = self._list_iat
            newer_list = 0
            if revs is not None and revs.issued_at < self._list_iat:
                newer_list = self._list_iat
            elif revs is not None:
                trusted = max(trusted, revs.issued_at)
                new_min = max(new_min, revs.min_gen.get(c.license_id, 0))
                list_iat = revs.issued_at
            rollback = now < trusted - tolerance
            if not rollback:
                trusted = max(trusted, now)
            changed = new_min != prev_min or list_iat != self._list_iat
            self._seen, self._list_iat = trusted, list_iat
            self._min_gen[c.license_id] = new_min
            if changed or self._written < 0 or self._seen - self._written >= _WRITE_EVERY:
                self._write()
            if rollback:
                raise ClockRollbackError("clock at %s, but %s was already seen" % (utc(now), utc(trusted)))
            return prev_min, newer_list

    def _write(self) -> None:
        """Replaces the file atomically (temporary file, fsync, rename), mode 0600."""
        doc = {"format": STATE_FORMAT, "seen": self._seen}
        if self._list_iat:
            doc["list_iat"] = self._list_iat
        doc["min_gen"] = dict(sorted(self._min_gen.items()))
        data = (json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")
        directory = os.path.dirname(self._path) or "."
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
            with os.fdopen(fd, "wb") as f:
                if hasattr(os, "fchmod"):  # mkstemp already made it 0600 on POSIX
                    os.fchmod(f.fileno(), 0o600)
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._path)
            tmp = None
        except OSError as e:
            raise StateError("write %s: %s" % (os.path.basename(self._path), e.strerror)) from None
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        self._written = self._seen
