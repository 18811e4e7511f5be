"""`--since` as commands accept it: an RFC 3339 time, or a span back from now (30d, 12h, 90m)."""

from __future__ import annotations

from relgate.config import parse_duration
from relgate.errors import ConfigError
from relgate.timeutil import now_ns, parse_ns

_DAY_NS = 86_400 * 10**9


def since_ns(since: str | None) -> int | None:
    if not since:
        return None
    text = since.strip()
    if text[-1:] == "d" and text[:-1].isdigit():
        return now_ns() - int(text[:-1]) * _DAY_NS
    try:
        return parse_ns(text)
    except ValueError:
        pass
    try:
        return now_ns() - int(parse_duration(text, "--since") * 10**9)
    except ConfigError:
        raise ConfigError(f"--since: expected an RFC 3339 time or a span like 30d or 12h, got {since!r}") from None
