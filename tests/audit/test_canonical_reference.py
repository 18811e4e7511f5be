"""The fast canonical forms give the reference bytes, on every fixture and on generated values.

Version 1 is RFC 8785 and its reference is the `rfc8785` package; relgate spells most
values with the C JSON encoder and hands the rest to the reference, so the bytes must
never differ. Version 2's reference is its specification (docs/threat-model.md), written
out below as plainly as possible.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.audit.canonical import _v1_value, canonical
from relgate.errors import AuditError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted(p for pattern in ("*.json", "*.jsonl", "*.sarif")
                  for base in (ROOT / "tests" / "fixtures", ROOT / "examples") for p in base.rglob(pattern))

# Floats across every spelling boundary (1e-7, 1e-4, 1e16, 2^53, 1e21), keys outside the BMP and in
# U+E000-U+FFFF (where UTF-16 order and code-point order differ), big integers, controls.
floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [0.0, -0.0, 1e-7, 1e-6, 9.99e-5, 1e-4, 0.1, 1.5, 1e15, 1e16, 2.0**53, 2.0**53 + 2, 1e20, 1e21, 1e22,
     123456789012345678.0, -5e-324, 1.7976931348623157e308])
keys = st.text(max_size=6) | st.sampled_from(["a", "\ue000", "\U0001f600", "\uffff", "é", "A", "_", ""])
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | floats
           | st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=10)
           | st.sampled_from([2**53 - 1, 2**53, -(2**53) + 1, -(2**53), "\x00\x1f\x7f\u2028\"\\"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(keys, inner, max_size=5), max_leaves=24)


def reference_v1(value: Any) -> bytes:
    return bytes(rfc8785.dumps(_v1_value(value)))


def reference_v2(value: Any) -> bytes:
    """Version 2 as specified: compact, keys by code point, only '"', '\\' and U+0000-U+001F escaped,
    integers as exact digits, floats as the shortest repr with a '.' or an exponent."""
    if value is None:
        return b"null"
    if value is True or value is False:
        return b"true" if value else b"false"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not finite")
        return repr(value).encode()
    if isinstance(value, str):
        out = []
        for char in value:
            if char in '"\\':
                out.append("\\" + char)
            elif ord(char) < 0x20:
                out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(
                    char, f"\\u{ord(char):04x}"))
            else:
                out.append(char)
        return ('"' + "".join(out) + '"').encode("utf-8")
    if isinstance(value, list | tuple):
        return b"[" + b",".join(reference_v2(v) for v in value) + b"]"
    if isinstance(value, dict):
        return b"{" + b",".join(reference_v2(k) + b":" + reference_v2(value[k]) for k in sorted(value)) + b"}"
    raise TypeError(type(value).__name__)


def same_or_both_refused(ours: Any, reference: Any, value: Any) -> None:
    try:
        expected = reference(value)
    except (ValueError, TypeError, RecursionError):
        with pytest.raises(AuditError):
            ours(value)
        return
    assert ours(value) == expected


@settings(max_examples=600, deadline=None)
@given(values)
def test_version_1_matches_rfc8785_on_generated_values(value: Any) -> None:
    same_or_both_refused(lambda v: canonical(v, 1), reference_v1, value)


@settings(max_examples=600, deadline=None)
@given(values)
def test_version_2_matches_its_specification_on_generated_values(value: Any) -> None:
    same_or_both_refused(lambda v: canonical(v, 2), reference_v2, value)


def _documents(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return [json.loads(text)]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fixture_gives_the_reference_bytes(path: Path) -> None:
    for document in _documents(path):
        assert canonical(document, 1) == reference_v1(document)
        assert canonical(document, 2) == reference_v2(document)


def test_fixtures_are_found() -> None:
    assert len(FIXTURES) > 20


@pytest.mark.parametrize("value", [{"\ue000": 1, "\U0001f600": 2}, {"k": 1e-7}, {"k": 1e21}, {"k": 2.0**60},
                                   {"k": -0.0}, {1: "int key"}, {"k": float("nan")}, {"k": "\ud800"},
                                   [{"deep": [1.5, {"é": None}]}]])
def test_values_only_the_reference_spells_are_handed_to_it(value: Any) -> None:
    same_or_both_refused(lambda v: canonical(v, 1), reference_v1, value)
