"""RFC 3339 timestamps and their integer-nanosecond twins.

Policies compare integers (`*_ns`) so no engine has to parse dates; this module
is the one place that turns text into those integers.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def is_rfc3339(text: str) -> bool:
    """True when `text` is a full RFC 3339 date-time with an offset."""
    return bool(_RFC3339.match(text))


def parse_ns(text: str) -> int:
    """Parse an RFC 3339 date-time into integer nanoseconds since the epoch.

    Raises ValueError naming the text when it is not RFC 3339, or not representable
    in UTC (`0001-01-01T00:00:00+01:00` is in year 0).
    """
    match = _RFC3339.match(text)
    if not match:
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    fraction = match.group(7) or ""
    base = text[: match.start(7)] + text[match.end(7) :] if fraction else text
    base = base.replace("z", "Z").replace("t", "T").replace(" ", "T")
    if base.endswith("Z"):
        base = base[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(base)
        moment.astimezone(timezone.utc)  # the offset may push it out of years 1..9999
        seconds = int(moment.timestamp())
    except (OverflowError, OSError):
        raise ValueError(f"out of range: {text!r} is not between years 0001 and 9999 in UTC") from None
    nanos = int((fraction[1:] + "000000000")[:9]) if fraction else 0
    return seconds * 1_000_000_000 + nanos


def format_ns(ns: int) -> str:
    """Format integer nanoseconds as RFC 3339 UTC, with a fraction only when needed."""
    seconds, nanos = divmod(ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    stamp = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment:%H:%M:%S}"  # %Y is not padded below 1000
    if nanos:
        stamp += "." + f"{nanos:09d}".rstrip("0")
    return stamp + "Z"


def now_ns() -> int:
    """The current time in nanoseconds, the only clock call the gate makes."""
    import time

    return time.time_ns()


def with_ns_twins(value: Any) -> Any:
    """Return a copy where every RFC 3339 string under a key gains a `<key>_ns` sibling.

    Evidence from files and thresholds from config are written by people as
    text; policies must compare integers, so both pass through here.
    """
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[key] = with_ns_twins(item)
        for key, item in value.items():
            twin = f"{key}_ns"
            if isinstance(item, str) and twin not in value and is_rfc3339(item):
                out[twin] = parse_ns(item)
        return out
    if isinstance(value, list):
        return [with_ns_twins(item) for item in value]
    return value
