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

import rfc8785

from relgate.errors import AuditError

CANON = "relgatecanon"
CURRENT = 2
VERSIONS = (1, 2)
_SAFE_INTEGER = 2**53 - 1
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"),
                           check_circular=False).encode


def _v1_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _v1_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_v1_value(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _SAFE_INTEGER:
        return str(value)
    return value


def canonical(value: Any, version: int = CURRENT) -> bytes:
    """The bytes hashed for `value` in canonical form `version`; a value no JSON can carry is an AuditError."""
    try:
        if version == CURRENT:
            return _ENCODE(value).encode("utf-8")
        if version == 1:
            return bytes(rfc8785.dumps(_v1_value(value)))
    except UnicodeEncodeError:
        raise AuditError("a string is not valid Unicode (a lone surrogate); it cannot be recorded exactly") from None
    except RecursionError:
        raise AuditError("a value is nested too deeply to be recorded") from None
    except (ValueError, TypeError, rfc8785.CanonicalizationError) as exc:
        raise AuditError(f"not a JSON value: {exc}") from None
    raise AuditError(f"unknown canonical form {version!r} (known: {', '.join(map(str, VERSIONS))})")


def digest_of(value: Any, version: int = CURRENT) -> str:
    return "sha256:" + hashlib.sha256(canonical(value, version)).hexdigest()
