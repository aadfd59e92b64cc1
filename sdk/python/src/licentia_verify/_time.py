from __future__ import annotations

import datetime

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def utc(sec: int) -> str:
    """RFC 3339 UTC text of a unix time, as the Go verifier writes it in messages."""
    try:
        return (_EPOCH + datetime.timedelta(seconds=sec)).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OverflowError:
        return "unix %d" % sec


def to_datetime(sec: int) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(seconds=sec)
