"""The result contract: deny/warn are sets of strings or {msg, id?, details?}; anything else is an error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relgate.engines import EMBEDDED_ENGINES, make_engine
from relgate.engines.interface import EngineOptions, PolicyModule, PolicySet
from relgate.errors import PolicyError
from tests.conftest import write_config


def gate(text: str, *extra: PolicyModule, packages: tuple[str, ...] = ()) -> PolicySet:
    return PolicySet((PolicyModule("gate.rego", text), *extra))


def run(engine_name: str, policies: PolicySet, doc: dict[str, Any] | None = None,
        packages: tuple[str, ...] = ()) -> Any:
    engine = make_engine(engine_name, options=EngineOptions(packages=packages))
    report = engine.load(policies, {})
    return report, engine.evaluate(doc or {})


REFUSED_AT_LOAD = [
    ("boolean", "deny if input.bad", r"gate\.rego:3:1: package relgate\.x: deny is a boolean"),
    ("v1 object", "deny[msg] if { msg := input.msg }", r"gate\.rego:3:1: package relgate\.x: deny is an object"),
    ("ref head", 'deny.reason := "x"', r"package relgate\.x: deny is an object"),
    ("function", "warn(x) := x", r"package relgate\.x: warn is a function"),
]


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
@pytest.mark.parametrize(("kind", "rule", "error"), REFUSED_AT_LOAD, ids=[r[0] for r in REFUSED_AT_LOAD])
def test_a_deny_that_cannot_be_a_set_is_refused_at_load(engine: str, kind: str, rule: str, error: str) -> None:
    with pytest.raises(PolicyError, match=error):
        run(engine, gate(f"package relgate.x\nimport rego.v1\n{rule}\n"), {"bad": True, "msg": "m"})


FOUND_AT_RUN = [
    ("string", 'deny := "blocked"', r"deny must be a set of messages, found a string: \"blocked\""),
    ("array", 'deny := ["blocked"]', r"deny must be a set of messages, found an array"),
    ("object", 'deny := {"msg": "blocked"}', r"deny must be a set of messages, found an object"),
    ("boolean default", "default warn := false", r"warn must be a set of messages, found a boolean"),
    ("number element", "deny contains 3 if true", r"deny contains 3: expected a string or an object"),
    ("object without msg", 'deny contains {"id": "a"} if true', r"deny contains .*: an object needs a string `msg`"),
    ("numeric id", 'deny contains {"msg": "m", "id": 7} if true', r"deny contains .*: `id` must be a string"),
    ("details not an object", 'deny contains {"msg": "m", "details": [1]} if true',
     r"deny contains .*: `details` must be an object"),
]


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
@pytest.mark.parametrize(("kind", "rule", "error"), FOUND_AT_RUN, ids=[r[0] for r in FOUND_AT_RUN])
def test_a_result_of_the_wrong_shape_is_an_error_naming_the_package(engine: str, kind: str, rule: str,
                                                                   error: str) -> None:
    with pytest.raises(PolicyError, match=r"^package relgate\.x: " + error):
        run(engine, gate(f"package relgate.x\nimport rego.v1\n{rule}\n"))


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_sets_of_strings_and_objects_are_read(engine: str) -> None:
    text = ('package relgate.x\nimport rego.v1\n'
            'deny contains {"msg": "m", "id": "x.m", "details": {"n": input.n}} if input.n > 1\n'
            'deny contains "plain" if input.n > 2\n'
            'warn := {"a complete set"}\n')
    _, (outcome,) = run(engine, gate(text), {"n": 3})
    assert sorted(json.dumps(d, sort_keys=True) for d in outcome.deny) == [
        '"plain"', '{"details": {"n": 3}, "id": "x.m", "msg": "m"}']
    assert outcome.warn == ("a complete set",)


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_packages_outside_relgate_are_named_in_a_warning_not_evaluated(engine: str) -> None:
    main = PolicyModule("main.rego", 'package main\nimport rego.v1\ndeny contains "conftest style" if true\n')
    text = 'package relgate.x\nimport rego.v1\nwarn contains "w" if false\n'
    report, outcomes = run(engine, gate(text, main))
    assert report.warnings == ("package main defines deny/warn but is not evaluated: only relgate.* packages take "
                               "part (or list it under `packages:` in the config)",)
    assert [o.package for o in outcomes] == ["relgate.x"]


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_packages_opted_in_are_evaluated(engine: str) -> None:
    main = PolicyModule("main.rego", 'package main\nimport rego.v1\ndeny contains "conftest style" if true\n')
    report, (outcome,) = run(engine, PolicySet((main,)), packages=("main",))
    assert (outcome.package, outcome.deny, report.warnings) == ("main", ("conftest style",), ())


def test_opting_in_a_package_nobody_declares_is_an_error() -> None:
    with pytest.raises(PolicyError, match=r"packages: mian: no loaded policy declares"):
        run("regorus", gate('package main\nimport rego.v1\ndeny contains "x" if true\n'), packages=("mian",))


def rego(value: Any) -> str:
    """A JSON value (sets as Python frozensets) as a Rego term."""
    if isinstance(value, frozenset):
        return "set()" if not value else "{" + ", ".join(rego(v) for v in sorted(value, key=repr)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(rego(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {rego(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text("ab", max_size=3))
messages = st.one_of(
    st.text("ab", max_size=3),
    st.fixed_dictionaries({"msg": st.text("ab", max_size=2)},
                          optional={"id": st.one_of(st.text("x", max_size=2), st.integers(0, 3)),
                                    "details": st.one_of(st.dictionaries(st.just("k"), scalars), scalars)}),
    scalars,
)
results = st.one_of(st.frozensets(st.text("ab", max_size=3), max_size=3), scalars,
                    st.lists(st.text("ab", max_size=2), max_size=2), st.dictionaries(st.just("msg"), scalars))


def valid_message(element: Any) -> bool:
    if isinstance(element, str):
        return True
    return (isinstance(element, dict) and isinstance(element.get("msg"), str)
            and isinstance(element.get("id", ""), str) and isinstance(element.get("details", {}), dict))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elements=st.lists(messages, max_size=3), engine=st.sampled_from(EMBEDDED_ENGINES))
def test_any_set_is_read_exactly_or_refused(elements: list[Any], engine: str) -> None:
    """Mutating the elements of a valid result: valid elements come back exactly; one bad element is an error."""
    text = "package relgate.x\nimport rego.v1\n" + "".join(f"deny contains {rego(e)} if true\n" for e in elements)
    if all(valid_message(e) for e in elements):
        _, outcomes = run(engine, gate(text + 'warn contains "w" if false\n'))
        got = sorted(json.dumps(d, sort_keys=True) for o in outcomes for d in o.deny)
        assert got == sorted({json.dumps(e, sort_keys=True) for e in elements})
    else:
        with pytest.raises(PolicyError, match=r"^package relgate\.x: deny contains "):
            run(engine, gate(text))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=results, engine=st.sampled_from(EMBEDDED_ENGINES))
def test_a_complete_deny_counts_only_when_it_is_a_set(value: Any, engine: str) -> None:
    text = f"package relgate.x\nimport rego.v1\ndeny := {rego(value)}\n"
    if isinstance(value, frozenset):
        _, (outcome,) = run(engine, gate(text))
        assert sorted(outcome.deny) == sorted(value)
    else:
        with pytest.raises(PolicyError, match=r"^package relgate\.x: deny must be a set of messages"):
            run(engine, gate(text))


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_a_boolean_deny_in_a_gate_is_an_error_decision_not_an_allow(tmp_path: Path, engine: str) -> None:
    from relgate.config import load_config
    from relgate.gate import RunOptions, run_check

    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "gate.rego").write_text("package relgate.x\nimport rego.v1\ndeny if true\n")
    config = load_config(write_config(tmp_path, policies=["p"], engine=engine), {})
    run_ = run_check(config, RunOptions(at="2026-11-23T12:00:00Z"), {})
    assert run_.decision.verdict.value == "error" and run_.decision.exit_code == 2
    assert "deny is a boolean" in run_.decision.errors[0]
    assert run_.record is not None  # the error is on the audit trail
