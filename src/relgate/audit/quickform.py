"""A stored version-2 record read and put in canonical form by orjson, only where that is exactly the slow path.

Verification spends a third of its time parsing each record with the standard library
and writing its canonical form with the C JSON encoder; orjson does both several times
faster. Where the two could differ, this module returns None and the caller takes the
standard path, so no verdict, digest or message depends on the shortcut. Measured here
(tests/audit/test_quickform.py checks each point, by construction and on generated and
mutated records):

- reading: orjson reads every text the standard library reads the same (same values,
  types, key order, last of duplicate keys; floats correctly rounded), except integers
  beyond 64 bits, which it turns into floats. A text with twenty digits in a row, or a
  minus and nineteen, is not read here. What orjson refuses (a lone surrogate escape,
  NaN, 1e400, nesting past its limit) goes to the standard path, which decides.
- writing: with sorted keys and no options, orjson writes the same bytes as version 2
  (`canonical.CURRENT`) for every key, string, integer and float, except floats below
  1e-4 in magnitude (orjson: `0.00001`, `1e-7`; repr: `1e-05`, `1e-07`). A canonical
  form holding a number spelt like either is not used.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from relgate.audit.canonical import CANON, CURRENT
from relgate.audit.chain import UNHASHED

_loads: Callable[[bytes], Any] | None
try:
    from orjson import OPT_SORT_KEYS
    from orjson import dumps as _dumps
    from orjson import loads as _loads
except ImportError:  # the standard path alone: same verdicts, slower
    _loads = None

_DIGITS = bytes(48 if 48 <= b <= 57 else 45 if b == 45 else 32 for b in range(256))
_LONG, _LONG_NEGATIVE = b"0" * 20, b"-" + b"0" * 19
# A number written in the canonical form below 1e-4 in magnitude, as orjson spells one: a value after ':' ',' or
# '[' and before ',' ']' or '}'. A string holding such text only sends its record to the standard path.
_TINY = re.compile(rb"[:,\[]-?(?:0\.0000\d*|\d+(?:\.\d+)?e-\d+)[,\]}]")


def long_number(text: bytes) -> bool:
    """Twenty digits in a row, or a minus and nineteen: an integer orjson might read as a float."""
    shape = text.translate(_DIGITS)
    return _LONG in shape or _LONG_NEGATIVE in shape


def quick_digest(text: bytes | str) -> tuple[dict[str, Any], str] | None:
    """(the record, its `chain.record_hash`) for a stored record in canonical form 2, or None for the standard path.

    None says nothing about the record: the standard path reads and judges it.
    """
    if _loads is None:
        return None
    if isinstance(text, str):
        try:
            text = text.encode("utf-8")
        except UnicodeEncodeError:
            return None
    if long_number(text):
        return None
    try:
        record = _loads(text)
    except ValueError:  # orjson.JSONDecodeError
        return None
    if type(record) is not dict:
        return None
    version = record.get(CANON)
    if type(version) is not int or version != CURRENT:
        return None
    body = record.copy()
    for field in UNHASHED:
        body.pop(field, None)
    try:
        form = _dumps(body, option=OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError: nested past orjson's limit
        return None
    if (b"e-" in form or b"0.0000" in form) and _TINY.search(form):
        return None
    return record, "sha256:" + hashlib.sha256(form).hexdigest()
