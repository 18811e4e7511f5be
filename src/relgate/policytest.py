"""`relgate policy test`: OPA's `opa test`, run on the gate's own loader and engines.

A test passes when its rule is exactly `true`; undefined, `false`, any other
value or an evaluation error fails it (an error is reported as ERROR). `input`
is undefined unless the test supplies it with `with input as …`. A parametrised
test (`test_x[note] if {…}`) passes when every case it attempted is `true`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from relgate.engines import make_engine
from relgate.engines.interface import Engine, LineCoverage, PolicySet
from relgate.errors import ConfigError, EngineError, PolicyError
from relgate.regotests import RegoTest, is_helper, prepare

PASS, FAIL, ERROR, SKIPPED = "PASS", "FAIL", "ERROR", "SKIPPED"


@dataclass(frozen=True)
class CaseResult:
    """One case of a parametrised test: its key path (`note`, or `group`, `note` when nested)."""

    key: tuple[str, ...]
    passed: bool


@dataclass(frozen=True)
class RegoTestResult:
    """One test on one engine, as OPA reports it."""

    engine: str
    test: RegoTest
    status: str
    error: str | None = None
    cases: tuple[CaseResult, ...] = ()
    duration_ns: int = 0
    output: tuple[str, ...] = ()  # what the test's print() calls wrote

    @property
    def passed(self) -> bool:
        return self.status == PASS

    @property
    def package(self) -> str:
        return self.test.package

    @property
    def name(self) -> str:
        return self.test.name


@dataclass(frozen=True)
class FileCoverage:
    covered: frozenset[int]
    not_covered: frozenset[int]

    @property
    def percent(self) -> float:
        total = len(self.covered) + len(self.not_covered)
        return 100.0 * len(self.covered) / total if total else 0.0


@dataclass(frozen=True)
class Coverage:
    """Line coverage over every module, tests included, as `opa test --coverage` counts it."""

    files: Mapping[str, FileCoverage]

    @property
    def covered_lines(self) -> int:
        return sum(len(f.covered) for f in self.files.values())

    @property
    def not_covered_lines(self) -> int:
        return sum(len(f.not_covered) for f in self.files.values())

    @property
    def percent(self) -> float:
        total = self.covered_lines + self.not_covered_lines
        return 100.0 * self.covered_lines / total if total else 0.0


@dataclass(frozen=True)
class RegoTestRun:
    """Every selected test on one engine, and the coverage when it was asked for."""

    engine: str
    results: tuple[RegoTestResult, ...]
    coverage: Coverage | None = None
    counts: Mapping[str, int] = field(default_factory=dict)


def run_tests(
    policies: PolicySet,
    data: Mapping[str, Any],
    engine_name: str,
    *,
    pattern: re.Pattern[str] | None = None,
    coverage: bool = False,
    all_output: bool = False,
) -> RegoTestRun:
    """Run the test rules matching `pattern` (on OPA's full name, e.g. `data.pkg.test_x`) on one engine.

    print() output is collected for the tests that did not pass (for every test with `all_output`).
    """
    prepared, tests = prepare(policies)
    if not tests:
        raise PolicyError("no test_* rule found in the loaded .rego files")
    selected = [t for t in tests if pattern is None or pattern.search(t.full_name)]
    if not selected:
        raise ConfigError(f"--run {pattern.pattern if pattern else ''!r}: no test name matches")
    engine, broken = _load(engine_name, prepared, data)
    runnable = [t for t in selected if not (t.skip or t.function or t.cases_module in broken)]
    started = time.perf_counter_ns()
    values, lines = _evaluate(engine, [t.query for t in runnable], coverage)
    helpers = [t for t in runnable if t.cases_query]
    cases, _ = _evaluate(engine, [str(t.cases_query) for t in helpers], False)
    each = (time.perf_counter_ns() - started) // max(len(runnable), 1)
    value_of = dict(zip(runnable, values, strict=True))
    cases_of = dict(zip(helpers, cases, strict=True))
    results = []
    for test in selected:
        if test.cases_module in broken:
            reason = f"cannot enumerate the cases of {test.name}: {broken[test.cases_module]}"
            results.append(RegoTestResult(engine_name, test, ERROR, reason))
        elif test.skip:
            results.append(RegoTestResult(engine_name, test, SKIPPED))
        elif test.function:
            reason = f"{test.name} is a function: a test takes no arguments"
            results.append(RegoTestResult(engine_name, test, ERROR, reason))
        else:
            result = replace(_judge(engine_name, test, value_of[test], cases_of.get(test)), duration_ns=each)
            if all_output or result.status != PASS:
                result = replace(result, output=_output(engine, test.query))
            results.append(result)
    report = None
    if lines is not None:
        report = Coverage({path: FileCoverage(frozenset(lines.covered.get(path, ())),
                                              frozenset(lines.not_covered.get(path, frozenset())
                                                        - lines.covered.get(path, frozenset())))
                           for path in sorted({*lines.covered, *lines.not_covered}) if not is_helper(path)})
    return RegoTestRun(engine_name, tuple(results), report, count(results))


def run_policy_tests(policies: PolicySet, engine_name: str) -> list[RegoTestResult]:
    """Every test on one engine, without data files or coverage."""
    return list(run_tests(policies, {}, engine_name).results)


def count(results: list[RegoTestResult] | tuple[RegoTestResult, ...]) -> dict[str, int]:
    """PASS/FAIL/ERROR/SKIPPED totals as OPA counts them: each case of a parametrised test once."""
    totals = {PASS: 0, FAIL: 0, ERROR: 0, SKIPPED: 0}
    for result in results:
        if result.cases and result.status in (PASS, FAIL):
            for case in result.cases:
                totals[PASS if case.passed else FAIL] += 1
        else:
            totals[result.status] += 1
    return totals


def _load(engine_name: str, policies: PolicySet, data: Mapping[str, Any]) -> tuple[Engine, dict[str, str]]:
    """Load the prepared policies; a generated case helper that does not compile is dropped, and said so."""
    broken: dict[str, str] = {}
    while True:
        engine = make_engine(engine_name)
        try:
            engine.load(policies, data)
            return engine, broken
        except PolicyError as exc:
            helper = next((m.path for m in policies.modules if is_helper(m.path) and str(exc).startswith(m.path)),
                          None)
            if helper is None:
                raise
            broken[helper] = str(exc)
            policies = PolicySet(tuple(m for m in policies.modules if m.path != helper))


def _evaluate(engine: Engine, queries: list[str], coverage: bool) -> tuple[list[Any], LineCoverage | None]:
    """Every query's value (None when undefined, the EngineError when it failed), in one evaluation if possible.

    One query for all tests: OPA prepares each distinct query anew (about 0.1 s), and the
    values and covered lines are those of evaluating each test alone. When the batch fails,
    each test runs alone so the error is pinned on the test that raised it.
    """
    if not queries:
        return [], (LineCoverage({}, {}) if coverage else None)
    batch = "{" + ", ".join(f'"{i}": [x | x := {q}]' for i, q in enumerate(queries)) + "}"
    try:
        if coverage:
            value, lines = engine.query_with_coverage(batch, None)
        else:
            (value, _), lines = engine.query_with_prints(batch, None), None  # prints come per test, below
        return [value[str(i)][0] if value[str(i)] else None for i in range(len(queries))], lines
    except EngineError as exc:
        if len(queries) == 1:
            return [exc], (LineCoverage({}, {}) if coverage else None)
    values: list[Any] = []
    covered: dict[str, set[int]] = {}
    missed: dict[str, set[int]] = {}
    for query in queries:
        one, part = _evaluate(engine, [query], coverage)
        values.extend(one)
        if part is not None:
            _add(covered, part.covered)
            _add(missed, part.not_covered)
    if not coverage:
        return values, None
    return values, LineCoverage({k: frozenset(v) for k, v in covered.items()},
                                {k: frozenset(v) for k, v in missed.items()})


def _output(engine: Engine, query: str) -> tuple[str, ...]:
    """One test's print() output: the test runs again on its own, so the lines are its alone."""
    try:
        return engine.query_with_prints(query, None)[1]
    except EngineError:
        return ()


def _judge(engine_name: str, test: RegoTest, value: Any, attempted: Any) -> RegoTestResult:
    """PASS when the rule is exactly true; for a parametrised test, when every attempted case is."""
    for outcome in (value, attempted):
        if isinstance(outcome, EngineError):
            return RegoTestResult(engine_name, test, ERROR, str(outcome))
    if not test.parametrised:
        return RegoTestResult(engine_name, test, PASS if value is True else FAIL)
    outcomes = _leaves(value)
    keys = sorted({*_leaves(attempted), *outcomes})
    cases = tuple(CaseResult(key, outcomes.get(key) is True) for key in keys)
    return RegoTestResult(engine_name, test, FAIL if any(not c.passed for c in cases) else PASS, cases=cases)


def _leaves(value: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """A parametrised test's value as {key path: leaf}; undefined counts as no cases."""
    if not isinstance(value, dict):
        return {prefix: value} if prefix else {}
    out: dict[tuple[str, ...], Any] = {}
    for key, item in value.items():
        out.update(_leaves(item, (*prefix, str(key))) if isinstance(item, dict) else {(*prefix, str(key)): item})
    return out


def _add(target: dict[str, set[int]], lines: Mapping[str, frozenset[int]]) -> None:
    for path, rows in lines.items():
        target.setdefault(path, set()).update(rows)


def ranges(rows: frozenset[int] | set[int]) -> Iterator[tuple[int, int]]:
    """Consecutive rows as (first, last) ranges, for reports."""
    start = end = None
    for row in sorted(rows):
        if end is not None and row == end + 1:
            end = row
            continue
        if start is not None and end is not None:
            yield start, end
        start = end = row
    if start is not None and end is not None:
        yield start, end
