"""The byte forms a record's hash is computed over, one per version, each unambiguous for its records.

Version 2 (every new record, field `relgatecanon: 2`): compact JSON with keys sorted
by code point, strings as UTF-8 with only `"`, `\\` and U+0000-U+001F escaped,
integers as exact decimal digits (any size), and floats as the shortest decimal that
reads back to the same double, always with a `.` or an exponent (`1.0`, `1e+16`).
Each JSON type has its own spelling, so two records that differ in any value, or in
a value's type (1, 1.0, "1", true), never share bytes.

Version 1 (records without `relgatecanon`): RFC 8785, where integers beyond 2^53 were
written as their decimal strings. Such an integer and its string hash alike; v1
records stay verifiable, and no record is written in v1 any more.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from relgate.errors import AuditError

CANON = "relgatecanon"
CURRENT = 2
VERSIONS = (1, 2)
_SAFE_INTEGER = 2**53 - 1
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"),
                           check_circular=False).encode


class _Reference(Exception):
    """The value has something only the reference RFC 8785 implementation spells right."""


def _v1_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _v1_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_v1_value(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _SAFE_INTEGER:
        return str(value)
    return value


def _v1_fast(value: Any) -> Any:
    """`value` rewritten so that the C JSON encoder prints exactly RFC 8785's bytes, else _Reference.

    Where the two spellings agree by construction: strings (both escape only `"`, `\\`
    and controls, the same way), integers, integral floats below 2^53 (printed as their
    exact integer digits by both), other floats in [1e-4, 1e16) (Python's shortest repr
    and ECMAScript's Number::toString give the same digits in fixed notation), and keys
    that are all ASCII (code-point order is then UTF-16 order). Anything else goes to
    the reference implementation, so the bytes never depend on this shortcut.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        return value if -_SAFE_INTEGER <= value <= _SAFE_INTEGER else str(value)
    if kind is float:
        magnitude = abs(value)
        if value.is_integer():
            if magnitude <= _SAFE_INTEGER:
                return int(value)
        elif 1e-4 <= magnitude < 1e16:
            return value
        raise _Reference
    if kind is dict:
        for key in value:
            if type(key) is not str or not key.isascii():
                raise _Reference
        return {k: _v1_fast(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_v1_fast(v) for v in value]
    raise _Reference


def _v1(value: Any) -> bytes:
    try:
        return _ENCODE(_v1_fast(value)).encode("utf-8")
    except (_Reference, ValueError, RecursionError):  # UnicodeEncodeError is a ValueError: the reference decides
        import rfc8785  # the reference: only records older than version 2 need it

        return bytes(rfc8785.dumps(_v1_value(value)))


def canonical(value: Any, version: int = CURRENT) -> bytes:
    """The bytes hashed for `value` in canonical form `version`; a value no JSON can carry is an AuditError."""
    try:
        if version == CURRENT:
            return _ENCODE(value).encode("utf-8")
        if version == 1:
            return _v1(value)
    except UnicodeEncodeError:
        raise AuditError("a string is not valid Unicode (a lone surrogate); it cannot be recorded exactly") from None
    except RecursionError:
        raise AuditError("a value is nested too deeply to be recorded") from None
    except (ValueError, TypeError) as exc:  # rfc8785.CanonicalizationError is a ValueError
        raise AuditError(f"not a JSON value: {exc}") from None
    raise AuditError(f"unknown canonical form {version!r} (known: {', '.join(map(str, VERSIONS))})")


def digest_of(value: Any, version: int = CURRENT) -> str:
    return "sha256:" + hashlib.sha256(canonical(value, version)).hexdigest()
