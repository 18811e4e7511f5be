"""Capabilities: the built-ins a gate policy may call, checked at load on every engine, found by a real parse."""

from __future__ import annotations

import json

import pytest
import regorus

from relgate.engines import EMBEDDED_ENGINES, engine_options, make_engine
from relgate.engines.capabilities import engine_gaps, gap, opa_builtins, refused_by_default
from relgate.engines.interface import EngineOptions, PolicyModule, PolicySet
from relgate.errors import ConfigError, PolicyError

OPERATORS = {"and", "or", "assign", "eq", "equal", "gt", "gte", "lt", "lte", "neq", "minus", "mul", "plus", "div",
             "rem", "print"}


def policy(body: str, path: str = "p.rego") -> PolicySet:
    return PolicySet((PolicyModule(path, f"package relgate.p\nimport rego.v1\n\n{body}\n"),))


def call_of(name: str) -> str:
    """A call of the built-in with as many arguments as it takes (values do not matter: nothing runs)."""
    arity = int(opa_builtins()[name]["arity"])
    return f"{name}({', '.join(['input.x'] * max(arity, 0))})"


def load(engine_name: str, policies: PolicySet, **options: object) -> object:
    engine = make_engine(engine_name, options=EngineOptions(**options))  # type: ignore[arg-type]
    return engine.load(policies, {})


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
@pytest.mark.parametrize("builtin", sorted(refused_by_default()))
def test_nondeterministic_builtins_are_refused_by_default(engine: str, builtin: str) -> None:
    with pytest.raises(PolicyError, match=rf"^p\.rego:5:\d+: {builtin.replace('.', '[.]')} "):
        load(engine, policy(f"deny contains \"x\" if {{\n  v := {call_of(builtin)}\n  v\n}}"))


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_http_send_in_every_syntactic_position_is_found(engine: str) -> None:
    """`some … in`, comprehensions, `every`, `with` values, function bodies and else branches all count."""
    bodies = [
        'deny contains "x" if { some r in [http.send({"method": "get", "url": input.u})]; r.status_code > 299 }',
        'deny contains m if { m := [s | some u in input.us; s := sprintf("%v", [http.send({"url": u})])][0] }',
        'deny contains "x" if { every u in input.us { http.send({"url": u}).status_code == 200 } }',
        'deny contains "x" if { x := input.a with input.b as http.send({"url": "u"}) }',
        'f(u) := r if { r := http.send({"url": u}) } else := {}\ndeny contains "x" if f(input.u)',
        'g(u) := 1 if { false } else := http.send({"url": u})\ndeny contains "x" if g(input.u)',
    ]
    for body in bodies:
        with pytest.raises(PolicyError, match=r"http\.send is not allowed in a gate policy"):
            load(engine, policy(body))


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_a_builtin_allowed_knowingly_loads(engine: str) -> None:
    text = 'deny contains "down" if http.send({"method": "get", "url": input.u}).status_code != 200'
    report = load(engine, policy(text), allow_builtins=frozenset({"http.send"}))
    assert "http.send" in report.builtins  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_a_local_function_named_like_a_builtin_is_the_policys_own(engine: str) -> None:
    load(engine, policy('send(x) := x\ndeny contains "x" if send(input.a)'))


def test_every_refusal_is_listed_with_its_place() -> None:
    text = ('deny contains "a" if rand.intn("k", 10) > 5\n'
            'deny contains "b" if uuid.rfc4122("k") == input.id\n')
    with pytest.raises(PolicyError) as raised:
        load("opa", policy(text))
    assert raised.value.problems[0].startswith("p.rego:4:") and "rand.intn" in raised.value.problems[0]  # type: ignore[attr-defined]
    assert raised.value.problems[1].startswith("p.rego:5:") and "uuid.rfc4122" in raised.value.problems[1]  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_deprecated_builtins_are_refused_with_their_replacement(engine: str) -> None:
    with pytest.raises(PolicyError, match=r"p\.rego:4:\d+: re_match is deprecated .*use regex\.match"):
        load(engine, policy('deny contains "x" if re_match("a+", input.s)'))


def regorus_gap_builtins() -> list[str]:
    return sorted(name for name in opa_builtins() if gap("regorus", name))


@pytest.mark.parametrize("builtin", regorus_gap_builtins())
def test_every_regorus_gap_is_refused_at_load_naming_the_builtin(builtin: str) -> None:
    text = f'deny contains "x" if {{\n  v := {call_of(builtin)}\n  v == input.y\n}}'
    with pytest.raises(PolicyError, match=rf"^p\.rego:5:\d+: {builtin.replace('.', '[.]')} cannot run on engine "
                                          r"regorus: .*`engine: opa`"):
        load("regorus", policy(text))
    load("opa", policy(text), allow_builtins=frozenset({builtin}))  # the real OPA runs it


def test_the_gaps_file_covers_every_builtin_regorus_lacks() -> None:
    """regorus lists its built-ins in opa.runtime(); anything OPA has and regorus lacks must be a refused gap."""
    engine = regorus.Engine()
    engine.add_policy("r.rego", "package r\nx := opa.runtime()\n")
    runtime = json.loads(engine.eval_query_as_json("data.r.x"))["result"][0]["expressions"][0]["value"]
    has = set(runtime["builtins"])
    lacking = {name for name, entry in opa_builtins().items()
               if name not in has and name not in OPERATORS and not name.startswith("internal.")
               and not entry.get("deprecated")}
    assert lacking, "regorus should lack some OPA built-ins (io.jwt.*, crypto.*)"
    assert sorted(n for n in lacking if not gap("regorus", n)) == []


def test_every_gap_names_a_real_opa_builtin() -> None:
    for engine, gaps in engine_gaps().items():
        for pattern in gaps:
            if pattern == "about":
                continue
            assert any(gap(engine, name) for name in opa_builtins() if name.startswith(pattern.rstrip("*"))), pattern


def test_the_capabilities_list_is_exactly_what_the_real_opa_knows() -> None:
    """Each listed built-in compiles in OPA v1.20.2 with the listed number of arguments; an unknown one does not."""
    from opa_bindings import OpaEngine, OpaError

    def compiles(call: str) -> str:
        engine = OpaEngine()
        try:
            engine.add_policy("c.rego", f"package c\nx := {call} if true\n")
            engine.eval_query("true")
        except OpaError as exc:
            return str(exc.message)
        finally:
            engine.close()
        return ""

    for name, entry in opa_builtins().items():
        if name in OPERATORS or name.startswith("internal.") or entry.get("deprecated"):
            continue
        assert "undefined function" not in compiles(call_of(name)), name
        assert "arity mismatch" not in compiles(call_of(name)), name
    assert "undefined function" in compiles("strings.frobnicate(input.x)")


def test_allowing_an_unknown_builtin_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"evaluation\.allow_builtins\[1\]: 'http\.sned' is not a built-in"):
        engine_options({"allow_builtins": ["http.send", "http.sned"]})


def test_a_deadline_out_of_range_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"evaluation\.timeout"):
        engine_options({"timeout": "0s"})
    assert engine_options({"timeout": "250ms"}).timeout_s == 0.25


TEMPLATE = 'package relgate.t\nimport rego.v1\n\ndeny contains $"{input.n} findings" if input.n > 1\n'


def test_syntax_only_opa_reads_is_checked_through_opas_own_parse() -> None:
    """Template strings (OPA v1.20): regorus cannot parse them; engine opa runs them, checked all the same."""
    with pytest.raises(PolicyError, match=r"^t\.rego:4:\d+: "):
        make_engine("regorus").load(PolicySet((PolicyModule("t.rego", TEMPLATE),)), {})
    engine = make_engine("opa")
    engine.load(PolicySet((PolicyModule("t.rego", TEMPLATE),)), {})
    (outcome,) = engine.evaluate({"n": 3})
    assert outcome.deny == ("3 findings",)
    calling = TEMPLATE.replace("{input.n} findings", '{http.send({"url": input.u}).status_code}')
    with pytest.raises(PolicyError, match=r"^t\.rego: http\.send is not allowed in a gate policy"):
        make_engine("opa").load(PolicySet((PolicyModule("t.rego", calling),)), {})
    boolean = TEMPLATE + 'warn if $"{input.n}" == "2"\n'
    with pytest.raises(PolicyError, match=r"^t\.rego: package relgate\.t: warn is a boolean"):
        make_engine("opa").load(PolicySet((PolicyModule("t.rego", boolean),)), {})
