"""Strict base64url and JSON decoding with the Go verifier's semantics.

The Go verifier decodes with encoding/json into fixed structs. To reach the same verdict on every input
this module reproduces what matters of that: member names match case-insensitively (Unicode simple
folding, so "SUB" and "\u017fub" are "sub"), a later duplicate wins, null leaves a string, integer or
boolean member as it was (an object or array member becomes absent), integers are JSON integers within
int64 (no fraction, no exponent), a wrong type is an error, invalid UTF-8 is replaced rather than
refused, and members of no interest are ignored.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Dict, List, Optional, Tuple

_B64URL = re.compile(rb"[A-Za-z0-9_-]*")
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


class WireError(ValueError):
    """The input does not decode; the caller turns it into its own error."""


def b64decode(part: bytes) -> bytes:
    """Decodes base64url strictly: URL alphabet, no padding, zero unused trailing bits."""
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise WireError("not base64url")
    raw = base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=") != part:
        raise WireError("not canonical base64url")
    return raw


class _Object(list):
    """A JSON object as the list of its (name, value) members, in order, duplicates kept."""


class _Number(str):
    """A JSON number that is no int64 (a fraction, an exponent, too many digits): fine where the
    value is ignored, an error where an integer is wanted."""


def _int_text(text: str) -> Any:
    return int(text) if len(text) <= 20 else _Number(text[:24])


def _no_constant(text: str) -> Any:
    raise WireError("%s is not JSON" % text)


def loads(data: bytes) -> Any:
    """Parses JSON text; objects come back as _Object."""
    try:
        return json.loads(data.decode("utf-8", errors="replace"), object_pairs_hook=_Object,
                          parse_float=_Number, parse_int=_int_text, parse_constant=_no_constant)
    except WireError:
        raise
    except (ValueError, RecursionError) as e:
        raise WireError("not JSON") from e


def is_object(v: Any) -> bool:
    return isinstance(v, _Object)


def fold(name: str) -> str:
    # Unicode simple folding restricted to what can fold onto an ASCII name: ASCII letters, the Kelvin
    # sign (onto k) and the long s (onto s).
    out = []
    for c in name:
        if c < "\x80":
            out.append(c.lower())
        elif c == "\u212a":
            out.append("k")
        elif c == "\u017f":
            out.append("s")
        else:
            out.append(c)
    return "".join(out)


# Member kinds for fields().
# ANY records presence (null included), VALUE keeps the value as parsed, OPT_STR is a string or None.
# STR_LIST is an array of strings as Go decodes it into []string (null: absent; a null entry: "").
STR, INT, BOOL, ANY, VALUE, OPT_STR, INT_MAP = "str", "int", "bool", "any", "value", "opt_str", "int_map"
STR_LIST = "str_list"
_ZERO = {STR: "", INT: 0, BOOL: False, ANY: False, VALUE: None, OPT_STR: None, INT_MAP: None, STR_LIST: ()}


def _int(v: Any) -> int:
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, int) or not INT64_MIN <= v <= INT64_MAX:
        raise WireError("want an integer")
    return v


def _str_entry(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str) and not isinstance(v, _Number):
        return v
    raise WireError("want a string")


def _value(kind: str, v: Any) -> Any:
    if kind == ANY:
        return True  # present, whatever the value
    if kind == VALUE:
        return v
    if kind == INT:
        return _int(v)
    if kind == STR_LIST:
        return tuple(_str_entry(e) for e in objects(v))
    if v is None:
        return _ZERO[kind]
    if kind in (STR, OPT_STR) and isinstance(v, str) and not isinstance(v, _Number):
        return v
    if kind == BOOL and isinstance(v, bool):
        return v
    if kind == INT_MAP and isinstance(v, _Object):
        return {k: _int(g) for k, g in v}  # map keys match exactly; a later duplicate wins
    raise WireError("want a %s" % kind)


def fields(obj: Any, spec: Dict[str, str], *, strict: bool = False) -> Dict[str, Any]:
    """Decodes the members of obj named in spec (name -> kind) as Go decodes into a struct; absent
    members get their zero value. With strict, an unknown member is an error (DisallowUnknownFields)."""
    if not isinstance(obj, _Object):
        raise WireError("want a JSON object")
    out = {name: _ZERO[kind] for name, kind in spec.items()}
    for key, v in obj:
        name = key if key in spec else fold(key)
        if name not in spec:
            if strict:
                raise WireError("unknown member %r" % key[:40])
            continue
        if v is None and spec[name] in (STR, INT, BOOL):
            continue  # null leaves the member as it was (zero, or an earlier duplicate's value)
        out[name] = _value(spec[name], v)
    return out


def str_list(v: Any) -> Optional[Tuple[str, ...]]:
    """Decodes a JSON array of strings as Go decodes into []string, telling nil apart: null gives None,
    a null entry gives ""."""
    if v is None:
        return None
    return tuple(_str_entry(e) for e in objects(v))


def objects(v: Any) -> List[Any]:
    """Decodes a JSON array (or null) as Go decodes into a slice."""
    if v is None:
        return []
    if not isinstance(v, list) or isinstance(v, _Object):
        raise WireError("want an array")
    return list(v)


