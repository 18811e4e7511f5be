"""The canonical form: one spelling per value and type, so any change to a stored record is caught at that record."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relgate.audit.canonical import CANON, canonical
from relgate.audit.chain import HASH, SIG, record_hash, sign
from relgate.audit.jsonl import JsonlStore
from relgate.audit.verify import verify
from relgate.errors import AuditError
from tests.audit.helpers import NOW, body

KEY = Ed25519PrivateKey.generate()
STREAM = "checkout/production"

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=16)


def same(a: Any, b: Any) -> bool:
    """Equal in value AND type (Python's == says 1 == 1.0 == True; JSON types differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


@given(json_values)
def test_canonical_form_reads_back_as_the_same_value_and_types(value: Any) -> None:
    """Decoding is a function, so bytes that decode to `value` exactly can come from no other value."""
    try:
        encoded = canonical(value)
    except AuditError:  # a lone surrogate cannot be recorded exactly, and is refused
        return
    assert same(json.loads(encoded), value)


def test_types_that_old_form_confused_are_told_apart() -> None:
    big = NOW
    pairs = [(big, str(big)), (5, 5.0), (1, True), (0, False), (0.0, -0.0), (None, "null"), (2**53 + 1, 2**53 + 1.0)]
    for left, right in pairs:
        assert canonical({"v": left}) != canonical({"v": right}), (left, right)
    assert canonical({"v": big}, 1) == canonical({"v": str(big)}, 1)  # why version 2 exists


def test_lone_surrogate_and_nan_are_refused() -> None:
    with pytest.raises(AuditError, match="lone surrogate"):
        canonical({"s": "\ud800"})
    with pytest.raises(AuditError, match="not a JSON value"):
        canonical({"x": float("nan")})


def chain(tmp_path: Path, count: int = 3) -> JsonlStore:
    store = JsonlStore(tmp_path / "audit.jsonl")
    for _ in range(count):
        store.append(body(), STREAM, key=KEY)
    return store


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def retyped(value: Any) -> Any:
    """The same value under another JSON type, where one exists."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else str(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_a_stored_record_is_caught_at_that_record(tmp_path_factory: pytest.TempPathFactory,
                                                                data: st.DataObject) -> None:
    store = chain(tmp_path_factory.mktemp("chain"))
    lines = store.path.read_text().splitlines(keepends=True)
    index = data.draw(st.integers(0, len(lines) - 1))
    record = json.loads(lines[index])
    path = data.draw(st.sampled_from(paths(record)))
    *parents, last = path
    holder = record
    for step in parents:
        holder = holder[step]
    kind = data.draw(st.sampled_from(["retype", "replace", "delete", "add"]))
    before = json.loads(json.dumps(record))
    if kind == "retype" and retyped(holder[last]) is not None:
        holder[last] = retyped(holder[last])
    elif kind == "delete":
        del holder[last]
    elif kind == "add" and isinstance(holder, dict):
        holder[data.draw(st.text(min_size=1, max_size=6))] = data.draw(json_values)
    else:
        holder[last] = data.draw(json_values)
    if same(record, before):
        return  # the draw changed nothing
    lines[index] = json.dumps(record, ensure_ascii=False) + "\n"
    store.path.write_text("".join(lines))
    report = verify(store.entries(), KEY.public_key())
    assert not report.ok and report.line == index + 1, (path, kind, report)


def test_timestamp_turned_into_its_string_is_caught(tmp_path: Path) -> None:
    store = chain(tmp_path)
    text = store.path.read_text()
    assert f'"evaluated_at_ns":{NOW}' in text
    store.path.write_text(text.replace(f'"evaluated_at_ns":{NOW}', f'"evaluated_at_ns":"{NOW}"', 1))
    report = verify(store.entries(), KEY.public_key())
    assert not report.ok and report.line == 1 and "hash mismatch" in report.reason


def v1_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record as relgate wrote it before canonical form 2: no version field, hashed in form 1."""
    old = {k: v for k, v in record.items() if k not in (CANON, HASH, SIG)}
    old[HASH] = record_hash(old)
    old[SIG] = sign(old[HASH], KEY)
    return old


def test_old_records_still_verify_and_new_ones_follow_them(tmp_path: Path) -> None:
    store = chain(tmp_path, 2)
    first, second = (json.loads(line) for line in store.path.read_text().splitlines())
    old_first = v1_record(first)
    old_second = v1_record({**second, "relgateprev": old_first[HASH]})
    store.path.write_text("".join(json.dumps(r) + "\n" for r in (old_first, old_second)))
    assert verify(store.entries(), KEY.public_key()).ok
    store.append(body(), STREAM, key=KEY)
    report = verify(store.entries(), KEY.public_key())
    assert report.ok and report.streams[0].canon == (1, 2) and report.count == 3


def test_a_record_cannot_fall_back_to_the_old_form(tmp_path: Path) -> None:
    store = chain(tmp_path, 2)
    first, second = (json.loads(line) for line in store.path.read_text().splitlines())
    store.path.write_text(json.dumps(first) + "\n" + json.dumps(v1_record(second)) + "\n")
    report = verify(store.entries(), KEY.public_key())
    assert not report.ok and report.line == 2 and "older canonical form" in report.reason


@pytest.mark.parametrize("version", ["2", 2.0, 1, 3, None, True])
def test_an_unknown_canonical_version_is_unreadable(tmp_path: Path, version: object) -> None:
    store = chain(tmp_path, 1)
    record = json.loads(store.path.read_text())
    record[CANON] = version
    store.path.write_text(json.dumps(record) + "\n")
    report = verify(store.entries())
    assert not report.ok and report.unreadable and report.exit_code == 2 and CANON in report.reason
