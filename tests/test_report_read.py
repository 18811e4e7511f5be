"""The report's direct record reader gives, for any record it takes, the fact the generic reader gives (types
included: 12 and 12.0 print differently); every other record goes the generic way, crash or not."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from relgate import report_read
from relgate.audit.store import parse_record
from relgate.report_read import Plain, day_text, direct, fact, generic, time_text
from relgate.timeutil import format_ns

AT = 1_764_000_000 * 10**9

scalars = st.one_of(
    st.text(max_size=6), st.sampled_from(["allow", "deny", "error", "enforce", "warn", "", "##[x", "s\u2028"]),
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([12, 12.0, 2**64, 1e300, -(2**63) - 1]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                             max_size=3), max_leaves=6)


def entries(keys: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object with any of `keys` (each value as drawn), some of them left out."""
    return st.fixed_dictionaries({}, optional=keys)


words = st.sampled_from(["checkout", "search", "a##[b", "ü", "c0ffee"])
times = st.integers(min_value=AT - 10**15, max_value=AT + 10**15)


def gate_records(usually: Callable[[st.SearchStrategy[Any]], st.SearchStrategy[Any]]
                 ) -> st.SearchStrategy[dict[str, Any]]:
    """Records shaped as a gate writes them, each value drawn through `usually` (which may swap in odd ones)."""
    violation = usually(entries({"policy": usually(words), "id": usually(words),
                                 "msg": usually(st.text(max_size=5))}))
    waiver = usually(entries({"waiver_id": usually(words), "policy": usually(words), "id": usually(words),
                              "findings": usually(st.lists(words, max_size=2)), "approved_by": usually(words),
                              "reason": usually(words), "expires": usually(words)}))
    override = usually(entries({"actor": usually(words), "reason": usually(words), "policy": usually(words),
                                "id": usually(words), "msg": usually(words)}))
    deployment = usually(entries({"id": usually(st.one_of(words, st.integers(0, 9))), "sha": usually(words),
                                  "state": usually(st.sampled_from(["success", "failure"])),
                                  "created_at": usually(st.just(format_ns(AT))),
                                  "succeeded_at": usually(st.just(format_ns(AT + 10**9)))}))
    result = entries({"decision": usually(st.sampled_from(["allow", "deny", "error"])), "service": usually(words),
                      "environment": usually(words), "mode": usually(st.sampled_from(["enforce", "warn"])),
                      "violations": usually(st.lists(violation, max_size=2)),
                      "waived": usually(st.lists(waiver, max_size=2)),
                      "overrides": usually(st.lists(override, max_size=2)),
                      "errors": usually(st.lists(st.text(max_size=4), max_size=2)), "audit_id": usually(words),
                      "evaluated_at": usually(st.just(format_ns(AT))), "extra": values})
    context = st.fixed_dictionaries({"evaluated_at_ns": usually(times)}, optional={
        "change": usually(entries({"commit": usually(words), "committed_at_ns": usually(times)})),
        "change_facts": usually(entries({"committed_at_ns": usually(times)})),
        "deployments": usually(entries({"recent": usually(st.lists(deployment, max_size=2))}))})
    stream = entries({"service": usually(words), "environment": usually(words), "commit": usually(words),
                      "approval_wait_seconds": usually(st.one_of(st.floats(0, 1e6), st.integers(0, 10**6)))})
    return st.fixed_dictionaries({"data": usually(st.fixed_dictionaries({"customData": usually(st.fixed_dictionaries({
        "decision_log": usually(st.fixed_dictionaries({"input": usually(context), "result": usually(result)})),
        "value_stream": usually(stream)}))}))}, optional={"id": usually(words), "extra": values})


records = st.one_of(gate_records(lambda plain: plain), gate_records(lambda plain: st.one_of(plain, plain, values)),
                    values)
filters = st.one_of(st.just((None, None, None)), st.tuples(st.one_of(st.none(), times), st.one_of(st.none(), words),
                                                           st.one_of(st.none(), words)))


def by_generic(text: bytes, seq: int, chosen: Any) -> str:
    try:
        return repr(generic(parse_record(text, "log:1"), seq, chosen))
    except Exception as exc:
        return f"raises {type(exc).__name__}"


def loaders() -> list[tuple[str, Callable[[bytes], Any]]]:
    """Each way `fact` may read a record before `direct`: msgspec (the part the report reads) and orjson."""
    found: list[tuple[str, Callable[[bytes], Any]]] = [("orjson", orjson.loads)]
    if report_read._SLIM is not None:
        found.append(("msgspec", report_read._SLIM[0]))
    return found


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records, chosen=filters, ascii_only=st.booleans())
def test_the_direct_reader_agrees_with_the_generic_one(record: dict[str, Any], chosen: Any, ascii_only: bool) -> None:
    text = json.dumps(record, ensure_ascii=ascii_only).encode()
    expected = by_generic(text, 7, chosen)
    refusals = report_read._SLIM[1] if report_read._SLIM is not None else ()
    for name, loads in loaders():
        try:
            parsed = loads(text)
            if not isinstance(parsed, dict):
                raise Plain  # `fact` takes only an object this way
            got = direct(parsed, 7, chosen, {})
        except (Plain, ValueError, *refusals):  # what `fact` catches from this reader
            event(f"{name}: generic way")
        else:
            event(f"{name}: direct way, " + ("a fact" if got is not None else "left out"))
            assert repr(got) == expected
    try:
        either = repr(fact(text, 7, "log:1", chosen, {}))
    except Exception as exc:
        either = f"raises {type(exc).__name__}"
    assert either == expected


@pytest.mark.parametrize("text", [b'{"x": "\xff", "data": {}}', b'{"x": "\xed\xa0\x80", "data": {}}',
                                  b'{"x": NaN, "data": {}}', b'{"x": "\\ud800", "id": 1}', b'[1]', b'{"x": 1e400}'])
def test_what_the_standard_library_refuses_or_reads_oddly_goes_the_generic_way(text: bytes) -> None:
    """Bad UTF-8 in a field the report skips, NaN, a lone surrogate, not an object, a number too large."""
    assert by_generic(text, 1, (None, None, None)) == _either(text)


def _either(text: bytes) -> str:
    try:
        return repr(fact(text, 1, "log:1", (None, None, None), {}))
    except Exception as exc:
        return f"raises {type(exc).__name__}"


def test_a_gate_record_takes_the_direct_way() -> None:
    from tests.audit.helpers import body

    record = body()
    record["data"]["customData"]["decision_log"]["result"]["waived"] = [
        {"waiver_id": "WVR-1", "policy": "p", "findings": ["CVE-1"], "approved_by": "sec", "reason": "r",
         "expires": "2027-01-01"}]
    text = json.dumps(record).encode()
    got = direct(orjson.loads(text), 3, (None, None, None), {})
    assert got is not None and got[12] is not None and got[13]  # a blocked row and a waiver row
    assert repr(got) == by_generic(text, 3, (None, None, None))


@pytest.mark.parametrize("at", [1, 10**9, 86_400 * 10**9 - 1, AT + 123_000, 253_402_300_799 * 10**9 + 999_999_999])
def test_times_print_as_format_ns_prints_them(at: int) -> None:
    assert time_text(at) == format_ns(at)
    assert day_text(at // (86_400 * 10**9)) == format_ns(at)[:10]
