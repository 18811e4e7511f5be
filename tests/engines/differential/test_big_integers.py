"""Integers beyond 2^53 through both engines, generated: they compare, add and print alike up to the 64-bit range.

Beyond the 64-bit range regorus reads JSON numbers, and returns results, as floats
(documented in gaps.yaml, `numbers/big_*`), so the generated values stay within
±2^62, where sums and differences cannot leave that range and where gate inputs
(nanosecond timestamps, ids, counters) live.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.engines import make_engine
from relgate.engines.interface import Engine, PolicyModule, PolicySet

POLICY = PolicySet((PolicyModule("numbers.rego", """package relgate.numbers

import rego.v1

deny contains {"msg": "numbers", "details": {
	"lt": input.a < input.b, "eq": input.a == input.b, "gt": input.b > input.a,
	"sum": input.a + input.b, "diff": input.a - input.b, "abs": abs(input.a),
	"max": max([input.a, input.b]), "set": count({input.a, input.b}),
	"marshal": json.marshal([input.a, input.b]), "printed": sprintf("%v", [input.a]),
	"echo": input.a, "limit": input.a > data.limit,
}} if true
"""),))
LIMIT = 2**53 + 1

# Both signs of the 64-bit range, crowded around 2^53 where doubles stop being exact.
edges = st.sampled_from([2**53 - 1, 2**53, 2**53 + 1, 2**53 + 2, -(2**53) - 1, 2**62, -(2**62)])
integers = st.one_of(
    edges,
    st.integers(min_value=2**53 - 1000, max_value=2**53 + 1000),
    st.integers(min_value=-(2**62), max_value=2**62),
)


@pytest.fixture(scope="module")
def engines() -> dict[str, Engine]:
    loaded = {}
    for name in ("regorus", "opa"):
        engine = make_engine(name)
        engine.load(POLICY, {"limit": LIMIT})
        loaded[name] = engine
    return loaded


def _deny(engine: Engine, a: int, b: int) -> Any:
    (outcome,) = engine.evaluate({"a": a, "b": b})
    return outcome.deny


@settings(max_examples=150, deadline=None)
@given(a=integers, b=integers)
def test_big_integers_agree_with_opa(engines: dict[str, Engine], a: int, b: int) -> None:
    reference = _deny(engines["opa"], a, b)
    assert _deny(engines["regorus"], a, b) == reference
    (denied,) = reference
    result = denied["details"]
    # OPA itself keeps them exact: the reference must be right, not just shared.
    assert result["echo"] == a and result["sum"] == a + b and result["diff"] == a - b
    assert result["lt"] == (a < b) and result["eq"] == (a == b) and result["limit"] == (a > LIMIT)
    assert result["marshal"] == f"[{a},{b}]" and result["printed"] == str(a)
