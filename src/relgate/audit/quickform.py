"""A stored version-2 record read and put in canonical form by orjson, only where that is exactly the slow path.

Verification spends a third of its time parsing each record with the standard library
and writing its canonical form with the C JSON encoder; orjson does both several times
faster. Where the two could differ, this module returns None and the caller takes the
standard path, so no verdict, digest or message depends on the shortcut. Measured here
(tests/audit/test_quickform.py checks each point, by construction and on generated and
mutated records):

- reading: orjson reads every text the standard library reads the same (same values,
  types, key order, last of duplicate keys; floats correctly rounded), except integers
  beyond 64 bits, which it turns into floats (of magnitude 2^63 or more). What orjson
  refuses (a lone surrogate escape, NaN, 1e400, nesting past its limit) goes to the
  standard path, which decides.
- writing: with sorted keys and no options, orjson writes the same bytes as version 2
  (`canonical.CURRENT`) for every key, string, integer and float, except floats below
  1e-4 in magnitude (orjson: `0.00001`, `1e-7`; repr: `1e-05`, `1e-07`).

So the shortcut answers only when the fields left out of the hash (`relgatehash`,
`relgatesig`) are strings or absent, and the canonical form it wrote holds no number in
exponent form (every float from 1e16 up, so every integer orjson read as a float) and
none below 1e-4.

That spelling is orjson's since 3.11.7; before it, orjson wrote a positive exponent with
no sign (`1e16`), which the check above would not see, and a genuine record holding such
a number was reported as changed. pyproject.toml asks for 3.11.7 or later, and because an
environment can hold another version anyway, the shortcut is used only when the orjson
found writes the probe numbers below as this module expects.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from relgate.audit.canonical import CANON, CURRENT
from relgate.audit.chain import UNHASHED

# A number in exponent form or below 1e-4, as orjson writes one: a value after ':' ',' or '[' and before ',' ']'
# or '}'. A string holding such text only sends its record to the standard path.
_ODD_NUMBER = re.compile(rb"[:,\[]-?(?:0\.0000\d*|\d+(?:\.\d+)?e[+-]\d+)[,\]}]")
# Floats on each side of every spelling boundary: repr's plain and exponent forms, orjson's small ones.
PROBES = (0.0, -0.0, 1.5, 0.1, 1e-4, 9.99e-5, 1e-5, 2.5e-5, 1e-7, -5e-324, 1e15, 9999999999999998.0, 1e16, 2.0**63,
          1e21, 1.5e300, 1.7976931348623157e308, -1e16)


def writes_as_expected(dumps: Callable[[Any], bytes]) -> bool:
    """Whether `dumps` spells each probe as repr does, or in a form `_ODD_NUMBER` finds (which sends a record to
    the standard path)."""
    for value in PROBES:
        form = dumps([value, 1])
        if form != f"[{value!r},1]".encode() and _ODD_NUMBER.search(form) is None:
            return False
    return True


_loads: Callable[[bytes], Any] | None
try:
    from orjson import OPT_SORT_KEYS
    from orjson import dumps as _dumps
    from orjson import loads as _loads
except ImportError:  # the standard path alone: same verdicts, slower
    _loads = None
else:
    if not writes_as_expected(_dumps):  # an orjson older than 3.11.7 (see above): the standard path alone
        _loads = None


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
        if type(body.pop(field, "")) is not str:
            return None
    try:
        form = _dumps(body, option=OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError: nested past orjson's limit
        return None
    if (b"e+" in form or b"e-" in form or b"0.0000" in form) and _ODD_NUMBER.search(form):
        return None
    return record, "sha256:" + hashlib.sha256(form).hexdigest()
