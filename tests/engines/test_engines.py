"""Both embedded engines (regorus, and the real OPA as `opa`): same answers, compile errors as
file:line, failures fail closed."""

from __future__ import annotations

import sys

import pytest

from relgate.engines import EMBEDDED_ENGINES, make_engine
from relgate.engines.interface import PolicyModule, PolicySet
from relgate.errors import ConfigError, EngineError, PolicyError
from relgate.policy import load_policies
from relgate.policytest import run_policy_tests
from tests.conftest import ROOT

GATE = PolicySet((PolicyModule("gate.rego", """package relgate.demo
import rego.v1

deny contains {"msg": sprintf("%d is over %d", [input.n, data.config.max]), "id": "demo.max",
               "details": {"observed": input.n, "max": data.config.max}} if input.n > data.config.max

warn contains "close to the limit" if input.n == data.config.max
"""),))


@pytest.mark.parametrize("name", EMBEDDED_ENGINES)
def test_engine_evaluates_deny_and_warn(name: str) -> None:
    engine = make_engine(name)
    engine.load(GATE, {"config": {"max": 3}})
    (over,) = engine.evaluate({"n": 5})
    assert over.package == "relgate.demo"
    assert over.deny == ({"msg": "5 is over 3", "id": "demo.max", "details": {"observed": 5, "max": 3}},)
    (edge,) = engine.evaluate({"n": 3})
    assert edge.deny == () and edge.warn == ("close to the limit",)


@pytest.mark.parametrize("name", EMBEDDED_ENGINES)
def test_syntax_error_is_reported_as_file_line(name: str) -> None:
    text = "package relgate.x\nimport rego.v1\n\ndeny contains x if {\n  x := foo(\n}\n"
    broken = PolicySet((PolicyModule("policies/broken.rego", text),))
    with pytest.raises(PolicyError, match=r"^policies/broken\.rego:\d+(:\d+)?: "):
        make_engine(name).load(broken, {})


@pytest.mark.parametrize("name", EMBEDDED_ENGINES)
def test_runtime_error_is_an_engine_error_not_an_empty_result(name: str) -> None:
    engine = make_engine(name)
    engine.load(PolicySet((PolicyModule("t.rego", "package relgate.t\nimport rego.v1\n"
                                         "deny contains \"x\" if input.a + 1 > 0\n"),)), {})
    with pytest.raises(EngineError):
        engine.evaluate({"a": "text"})


def test_missing_builtin_is_refused_at_load_on_regorus() -> None:
    engine = make_engine("regorus")
    jwt = PolicySet((PolicyModule("j.rego", "package relgate.j\nimport rego.v1\n"
                                  "deny contains \"x\" if io.jwt.decode(input.t)\n"),))
    with pytest.raises(PolicyError, match=r"^j\.rego:3:22: io\.jwt\.decode cannot run on engine regorus: .*opa"):
        engine.load(jwt, {})


@pytest.mark.parametrize("name", EMBEDDED_ENGINES)
def test_compile_error_found_at_load_names_file_and_line(name: str) -> None:
    unsafe = PolicySet((PolicyModule("u.rego", "package relgate.u\nimport rego.v1\n\n"
                                     "deny contains x if {\n  y := 1\n}\n"),))
    with pytest.raises((PolicyError, EngineError), match=r"u\.rego:\d+"):
        engine = make_engine(name)
        engine.load(unsafe, {})
        engine.evaluate({})


def test_opa_engine_gives_opa_semantics_where_regorus_differs() -> None:
    """time.add_date: OPA normalises Oct 31 + 1 month to Dec 1 (Go's time.AddDate)."""
    engine = make_engine("opa")
    engine.load(PolicySet((PolicyModule("d.rego", "package relgate.d\nimport rego.v1\n"
                                         "day := time.date(time.add_date(input.t, 0, 1, 0))\n"),)), {})
    oct31 = 1_793_404_800 * 10**9  # 2026-10-31T00:00:00Z
    assert engine.query("data.relgate.d.day", {"t": oct31}) == [2026, 12, 1]


def test_opa_engine_input_is_undefined_without_input() -> None:
    engine = make_engine("opa")
    engine.load(PolicySet((PolicyModule("i.rego", "package relgate.i\nimport rego.v1\n"
                                         "missing if not input\n"),)), {})
    assert engine.query("data.relgate.i.missing", None) is True
    assert engine.query("data.relgate.i.missing", {}) is None


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown engine 'opa-wasm'"):
        make_engine("opa-wasm")


def test_library_unit_tests_pass_on_regorus() -> None:
    """The library's *_test.rego files; tests/policies checks both engines agree case by case."""
    outcomes = run_policy_tests(load_policies(["builtin"], ROOT, include_tests=True), "regorus")
    failed = [f"{o.package}.{o.name}: {o.error or 'false'}" for o in outcomes if not o.passed]
    assert not failed
    assert len(outcomes) >= 45


def test_library_unit_tests_pass_on_opa() -> None:
    outcomes = run_policy_tests(load_policies(["builtin"], ROOT, include_tests=True), "opa")
    failed = [f"{o.package}.{o.name}: {o.error or 'false'}" for o in outcomes if not o.passed]
    assert not failed
    assert len(outcomes) >= 45


def test_opa_engine_without_the_bindings_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opa_bindings", None)  # what an absent package looks like to import
    with pytest.raises(EngineError, match=r"--no-deps --ignore-requires-python opa-golib-python-bindings==0\.4\.4"):
        make_engine("opa")
