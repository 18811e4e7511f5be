"""The test runner on regorus and on real OPA, checked against what OPA itself evaluates.

The reference is the OPA bindings evaluating each test body on its own: a body
that OPA's tester would rename (`test_x#01`) is written here under its own name,
and a parametrised test's attempted cases are what OPA's body yields up to where
its key is bound.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opa_bindings import OpaEngine, OpaUndefinedError

from relgate.engines import EMBEDDED_ENGINES, make_engine
from relgate.engines.interface import PolicyModule, PolicySet
from relgate.policydata import load_policy_data
from relgate.policytest import ERROR, FAIL, PASS, SKIPPED, RegoTestRun, run_tests

HEADER = "package t\nimport rego.v1\n\n"


def policies(**files: str) -> PolicySet:
    return PolicySet(tuple(PolicyModule(f"{name}.rego", text) for name, text in files.items()))


def outcomes(run: RegoTestRun) -> dict[str, str]:
    return {r.test.shown: r.status for r in run.results}


def opa_value(files: dict[str, str], path: str, data: dict[str, Any] | None = None,
              data_at: list[tuple[str, Any]] | None = None) -> Any:
    """What real OPA gives for data.<path> with input undefined (None when undefined)."""
    opa = OpaEngine()
    for name, text in files.items():
        opa.add_policy(name, text)
    if data:
        opa.add_data(data)
    for where, document in data_at or []:
        opa.add_data(document, where)
    try:
        return opa.eval_document(path)
    except OpaUndefinedError:
        return None


def opa_status(value: Any) -> str:
    return PASS if value is True else FAIL


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_tests_in_any_rego_file_are_run(engine: str) -> None:
    files = {"team.rego": HEADER + "allow if input.ok\ntest_allowed if allow with input as {\"ok\": true}\n",
             "more.rego": "package t.more\nimport rego.v1\ntest_denied if not data.t.allow with input as {}\n"}
    run = run_tests(policies(team=files["team.rego"], more=files["more.rego"]), {}, engine)
    assert outcomes(run) == {
        "data.t.test_allowed": opa_status(opa_value(files, "t.test_allowed")),
        "data.t.more.test_denied": opa_status(opa_value(files, "t.more.test_denied")),
    } == {"data.t.test_allowed": PASS, "data.t.more.test_denied": PASS}


BODIES = ["1 == 1", "1 == 2", "count([1]) == 1", "false"]


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_each_body_of_a_repeated_name_passes_or_fails_by_itself(engine: str) -> None:
    combined = HEADER + "".join(f"test_x if {body}\n" for body in BODIES)
    separate = {"s.rego": HEADER + "".join(f"test_x_{i} if {body}\n" for i, body in enumerate(BODIES))}
    run = run_tests(policies(t=combined), {}, engine)
    expected = {("data.t.test_x" + (f"#{i:02d}" if i else "")): opa_status(opa_value(separate, f"t.test_x_{i}"))
                for i in range(len(BODIES))}
    assert outcomes(run) == expected
    assert list(expected.values()) == [PASS, FAIL, PASS, FAIL]
    # What a runner that evaluates the name once would see: OPA ORs the bodies together.
    assert opa_value({"t.rego": combined}, "t.test_x") is True


CASES = '[{"note": "one", "x": 1}, {"note": "two", "x": 2}, {"note": "three", "x": 1}]'
PARAMETRISED = HEADER + f"""allow if input.x == 1

test_cases[tc.note] if {{
\tsome tc in {CASES}
\tallow with input as {{"x": tc.x}}
}}

test_all_pass[note] if {{
\tsome note in ["a", "b"]
\tnote != "c"
}}
"""


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_parametrised_test_reports_every_attempted_case(engine: str) -> None:
    run = run_tests(policies(t=PARAMETRISED), {}, engine)
    by_name = {r.test.shown: r for r in run.results}
    cases = by_name["data.t.test_cases"]
    value = opa_value({"t.rego": PARAMETRISED}, "t.test_cases")
    attempted = opa_value({"r.rego": HEADER + f"notes := {{tc.note | some tc in {CASES}}}\n"}, "t.notes")
    assert {c.key[0]: c.passed for c in cases.cases} == {n: value.get(n) is True for n in attempted}
    assert cases.status == FAIL and [c.key for c in cases.cases if not c.passed] == [("two",)]
    assert by_name["data.t.test_all_pass"].status == PASS
    assert run.counts == {PASS: 4, FAIL: 1, ERROR: 0, SKIPPED: 0}


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_nested_parametrised_keys(engine: str) -> None:
    text = HEADER + ('test_grid[group][name] if {\n\tsome group, cases in {"g": {"ok": 1, "bad": 2}}\n'
                     '\tsome name, n in cases\n\tn == 1\n}\n')
    (result,) = run_tests(policies(t=text), {}, engine).results
    assert [(c.key, c.passed) for c in result.cases] == [(("g", "bad"), False), (("g", "ok"), True)]
    assert opa_value({"t.rego": text}, "t.test_grid") == {"g": {"ok": True}}


INPUT_TESTS = HEADER + """test_no_input if not input
test_no_field if not input.user
test_with_input if input.user == "dana" with input as {"user": "dana"}
"""


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_input_is_undefined_unless_a_test_supplies_it(engine: str) -> None:
    run = run_tests(policies(t=INPUT_TESTS), {}, engine)
    reference = {f"data.t.{n}": opa_status(opa_value({"t.rego": INPUT_TESTS}, f"t.{n}"))
                 for n in ("test_no_input", "test_no_field", "test_with_input")}
    assert outcomes(run) == reference == dict.fromkeys(reference, PASS)


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_data_files_beside_the_policies(engine: str, tmp_path: Path) -> None:
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "owners.json").write_text('{"checkout": {"owner": "dana"}}')
    (tmp_path / "data.yaml").write_text("limits:\n  max_critical: 0\n")
    text = HEADER + ('test_owner if data.teams.checkout.owner == "dana"\n'
                     "test_limit if data.limits.max_critical == 0\n"
                     'test_no_file_name_in_path if not data.teams.owners\n')
    (tmp_path / "t.rego").write_text(text)
    run = run_tests(policies(t=text), load_policy_data([tmp_path]), engine)
    as_opa_loads = [("teams", {"checkout": {"owner": "dana"}}), ("", {"limits": {"max_critical": 0}})]
    reference = {f"data.t.{n}": opa_status(opa_value({"t.rego": text}, f"t.{n}", data_at=as_opa_loads))
                 for n in ("test_owner", "test_limit", "test_no_file_name_in_path")}
    assert outcomes(run) == reference == dict.fromkeys(reference, PASS)


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_run_selects_by_full_name(engine: str) -> None:
    text = HEADER + "test_x if true\ntest_x if false\ntest_y if true\n"
    assert set(outcomes(run_tests(policies(t=text), {}, engine, pattern=re.compile("test_x")))) == {
        "data.t.test_x", "data.t.test_x#01"}
    assert set(outcomes(run_tests(policies(t=text), {}, engine, pattern=re.compile(r'\["test_x#01"\]$')))) == {
        "data.t.test_x#01"}
    assert set(outcomes(run_tests(policies(t=text), {}, engine, pattern=re.compile(r"^data\.t\.test_y$")))) == {
        "data.t.test_y"}


ERRORS = HEADER + """x := 1 if input.a
x := 2 if input.a

test_conflict if x with input as {"a": true}
test_after if true
todo_test_later if false
test_function(v) if v
test_not_boolean := "yes"
"""


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_errors_skips_and_non_boolean_values_are_reported_per_test(engine: str) -> None:
    run = run_tests(policies(t=ERRORS), {}, engine)
    assert outcomes(run) == {"data.t.test_conflict": ERROR, "data.t.test_after": PASS,
                             "data.t.todo_test_later": SKIPPED, "data.t.test_function": ERROR,
                             "data.t.test_not_boolean": FAIL}
    conflict = next(r for r in run.results if r.test.name == "test_conflict")
    assert conflict.error is not None and "t.rego:" in conflict.error


def opa_coverage(files: dict[str, str], tests: list[str]) -> dict[str, tuple[set[int], set[int]]]:
    """OPA's own coverage of evaluating each test rule, merged over the tests."""
    opa = OpaEngine()
    for name, text in files.items():
        opa.add_policy(name, text)
    covered: dict[str, set[int]] = {}
    missed: dict[str, set[int]] = {}
    for test in tests:
        with contextlib.suppress(OpaUndefinedError):
            opa.eval_document(test, coverage=True)
        for path, report in opa.last_coverage["files"].items():
            for key, target in (("covered", covered), ("not_covered", missed)):
                for span in report.get(key) or []:
                    target.setdefault(path, set()).update(range(span["start"]["row"], span["end"]["row"] + 1))
    return {p: (covered.get(p, set()), missed.get(p, set()) - covered.get(p, set())) for p in {*covered, *missed}}


COVERED = HEADER + """allow if {
\tinput.role == "admin"
}

allow if {
\tinput.role == "owner"
\tinput.verified
}

unused if input.never

test_admin if allow with input as {"role": "admin"}
test_owner if allow with input as {"role": "owner", "verified": true}
"""


def test_opa_coverage_is_what_opa_reports() -> None:
    run = run_tests(policies(t=COVERED), {}, "opa", coverage=True)
    assert run.coverage is not None
    reference = opa_coverage({"t.rego": COVERED}, ["t.test_admin", "t.test_owner"])
    assert {p: (set(f.covered), set(f.not_covered)) for p, f in run.coverage.files.items()} == reference
    assert 13 in run.coverage.files["t.rego"].not_covered  # `unused`: no test reaches it
    assert 0 < run.coverage.percent < 100


def test_regorus_coverage_is_what_regorus_reports() -> None:
    from relgate.engines.regorus import new_engine

    run = run_tests(policies(t=COVERED), {}, "regorus", coverage=True)
    assert run.coverage is not None
    covered: set[int] = set()
    missed: set[int] = set()
    for test in ("test_admin", "test_owner"):
        engine = new_engine()
        engine.add_policy("t.rego", COVERED)
        engine.set_enable_coverage(True)
        engine.eval_query(f"data.t.{test}")
        (report,) = json.loads(engine.get_coverage_report_as_json())["files"]
        covered |= set(report["covered"])
        missed |= set(report["not_covered"])
    assert (set(run.coverage.files["t.rego"].covered), set(run.coverage.files["t.rego"].not_covered)) == (
        covered, missed - covered)
    assert 13 in missed


def test_coverage_leaves_out_the_generated_case_helpers() -> None:
    for engine in EMBEDDED_ENGINES:
        run = run_tests(policies(t=PARAMETRISED), {}, engine, coverage=True)
        assert run.coverage is not None and list(run.coverage.files) == ["t.rego"]


def test_engine_without_coverage_says_so() -> None:
    from relgate.errors import EngineError

    engine = make_engine("opa-server", {"url": "http://127.0.0.1:9"})
    with pytest.raises(EngineError, match="engine opa-server does not report coverage"):
        engine.query_with_coverage("data.t.test_a", None)


# Random test modules: a few names (so names repeat), each definition a plain test
# whose body holds or not, or a parametrised one with cases that hold or not.
_definition = st.one_of(
    st.tuples(st.just("plain"), st.sampled_from(["test_a", "test_b"]), st.booleans()),
    st.tuples(st.just("cases"), st.sampled_from(["test_p", "test_a"]),
              st.lists(st.booleans(), min_size=0, max_size=3)),
)


def _render(definitions: list[Any], unique: bool) -> str:
    text = HEADER
    for index, (kind, name, what) in enumerate(definitions):
        rule = f"{name}_{index}" if unique else name
        if kind == "plain":
            text += f"{rule} if {'1 == 1' if what else '1 == 2'}\n"
        else:
            cases = ", ".join(f'{{"note": "c{i}", "ok": {str(ok).lower()}}}' for i, ok in enumerate(what))
            text += f"{rule}[tc.note] if {{\n\tsome tc in [{cases}]\n\ttc.ok == true\n}}\n"
    return text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions=st.lists(_definition, min_size=1, max_size=5))
def test_random_test_modules_match_opa_body_by_body(definitions: list[Any]) -> None:
    kinds: dict[str, set[str]] = {}
    for kind, name, _ in definitions:
        kinds.setdefault(name, set()).add(kind)
    if any(len(k) > 1 for k in kinds.values()):
        return  # one name as both a plain and a parametrised rule does not compile, in OPA either
    reference = {"u.rego": _render(definitions, unique=True)}
    seen: dict[str, int] = {}
    expected: dict[str, tuple[str, list[tuple[str, bool]]]] = {}
    for index, (kind, name, what) in enumerate(definitions):
        number = seen.get(name, 0)
        seen[name] = number + 1
        shown = f"data.t.{name}" + (f"#{number:02d}" if number else "")
        value = opa_value(reference, f"t.{name}_{index}")
        if kind == "plain":
            expected[shown] = (opa_status(value), [])
        else:
            cases = [(f"c{i}", (value or {}).get(f"c{i}") is True) for i in range(len(what))]
            expected[shown] = (FAIL if any(not ok for _, ok in cases) else PASS, sorted(cases))
    for engine in EMBEDDED_ENGINES:
        run = run_tests(policies(t=_render(definitions, unique=False)), {}, engine)
        got = {r.test.shown: (r.status, [(c.key[0], c.passed) for c in r.cases]) for r in run.results}
        assert got == expected, engine
