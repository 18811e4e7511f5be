"""`relgate policy test`: flags and report for OPA-style policy unit tests (policytest.py runs them)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from relgate.engines import EMBEDDED_ENGINES, ENGINE_NAMES
from relgate.errors import ConfigError
from relgate.output.escape import terminal
from relgate.policytest import ERROR, FAIL, PASS, SKIPPED, Coverage, RegoTestResult, RegoTestRun, ranges


@click.command(name="test")
@click.argument("paths", nargs=-1)
@click.option("--engine", type=click.Choice([*ENGINE_NAMES, "all"]), default="regorus", show_default=True,
              help="'all' runs both embedded engines (regorus and opa).")
@click.option("--run", "-r", "run_regex", metavar="REGEX",
              help="Only tests whose full name (data.pkg.test_x) matches REGEX, as opa test --run.")
@click.option("--verbose", "-v", is_flag=True, help="Name every test and case, not only those that did not pass.")
@click.option("--coverage", "-c", is_flag=True, help="Report line coverage per engine (every module, tests included).")
@click.option("--coverage-min", type=float, metavar="PERCENT",
              help="Exit 1 when an engine's coverage is below PERCENT (0-100); implies --coverage.")
@click.option("--exit-zero-on-skipped", "-z", is_flag=True, help="todo_test_* rules do not fail the run.")
@click.option("--json", "as_json", is_flag=True, help="Print results (and coverage) as JSON.")
def policy_test(paths: tuple[str, ...], engine: str, run_regex: str | None, verbose: bool, coverage: bool,
                coverage_min: float | None, exit_zero_on_skipped: bool, as_json: bool) -> None:
    """Run test_* rules in any .rego file, as `opa test` does; exit 0 all pass, 1 any fails, 2 bad input.

    PATHS are policy directories or files (default: the bundled library). .json, .yaml
    and .yml files in a directory are data, at the path of their sub-directory.

    Example: relgate policy test policies/ --engine all --coverage-min 80
    """
    from relgate.cli import _guard

    def body() -> int:
        runs = run_all(paths, engine, run_regex, coverage or coverage_min is not None, coverage_min, verbose)
        if as_json:
            click.echo(json.dumps({"engines": [run_json(run) for run in runs]}, indent=2))
        else:
            for run in runs:
                click.echo(render(run, verbose), nl=False)
        differences = disagreements(runs)
        for line in differences:
            click.echo(terminal(line), err=as_json)
        code = 1 if differences else 0
        for run in runs:
            failing = run.counts[FAIL] + run.counts[ERROR] + (0 if exit_zero_on_skipped else run.counts[SKIPPED])
            code = max(code, 1 if failing else 0)
            if coverage_min is not None and run.coverage is not None and run.coverage.percent < coverage_min:
                click.echo(f"relgate: {run.engine}: coverage {run.coverage.percent:.2f}% is below "
                           f"--coverage-min {coverage_min:g}", err=True)
                code = 1
        return code

    _guard(body)


def run_all(paths: tuple[str, ...], engine: str, run_regex: str | None, coverage: bool,
            coverage_min: float | None, all_output: bool = False) -> list[RegoTestRun]:
    """Load once (policies and data files), then run on each requested engine."""
    from relgate.policy import BUILTIN, load_policies
    from relgate.policydata import is_data_file, load_policy_data
    from relgate.policytest import run_tests

    if coverage_min is not None and not 0 <= coverage_min <= 100:
        raise ConfigError(f"--coverage-min: expected a percentage from 0 to 100, got {coverage_min:g}")
    try:
        pattern = re.compile(run_regex) if run_regex is not None else None
    except re.error as exc:
        raise ConfigError(f"--run {run_regex!r}: not a regular expression: {exc}") from None
    rego = [p for p in paths if not is_data_file(p)] or ([] if paths else [BUILTIN])
    if not rego:
        raise ConfigError("policy test: name at least one policy directory or .rego file besides data files")
    policies = load_policies(rego, Path.cwd(), include_tests=True)
    data = load_policy_data(Path(p) for p in paths if p != BUILTIN)
    engines = EMBEDDED_ENGINES if engine == "all" else (engine,)
    return [run_tests(policies, data, name, pattern=pattern, coverage=coverage, all_output=all_output)
            for name in engines]


def disagreements(runs: list[RegoTestRun]) -> list[str]:
    """Tests whose outcome (or cases) differ between engines: one engine is getting Rego wrong."""
    if len(runs) < 2:
        return []
    seen: dict[str, dict[str, str]] = {}
    for run in runs:
        for result in run.results:
            cases = ",".join(f"{'/'.join(c.key)}={PASS if c.passed else FAIL}" for c in result.cases)
            seen.setdefault(result.test.shown, {})[run.engine] = result.status + (f" [{cases}]" if cases else "")
    lines = [f"DIFFER {name}: " + ", ".join(f"{engine} {status}" for engine, status in by_engine.items())
             for name, by_engine in seen.items() if len(set(by_engine.values())) > 1]
    if lines:
        lines.append(f"{' and '.join(r.engine for r in runs)} disagree on {len(lines)} test(s)")
    return lines


def render(run: RegoTestRun, verbose: bool) -> str:
    """Text report: tests that did not pass (every test with -v), a summary, coverage."""
    lines = []
    for result in run.results:
        if not verbose and result.status == PASS:
            continue
        where = f"{result.test.file}:{result.test.line}"
        error = f": {result.error}" if result.error else ""
        lines.append(terminal(f"{result.status} {run.engine} {result.test.shown} ({where}){error}"))
        for case in result.cases:
            if verbose or not case.passed:
                lines.append(terminal(f"    {'/'.join(case.key)}: {PASS if case.passed else FAIL}"))
        lines.extend(terminal(f"    | {line}") for text in result.output for line in text.splitlines())
    lines.append(summary(run))
    if run.coverage is not None:
        lines.extend(coverage_lines(run.engine, run.coverage, verbose))
    return "".join(f"{line}\n" for line in lines)


def summary(run: RegoTestRun) -> str:
    counts = run.counts
    text = f"{run.engine}: {counts[PASS]} passed, {counts[FAIL]} failed"
    if counts[ERROR]:
        text += f", {counts[ERROR]} errors"
    if counts[SKIPPED]:
        text += f", {counts[SKIPPED]} skipped"
    return text


def coverage_lines(engine: str, report: Coverage, verbose: bool) -> list[str]:
    total = report.covered_lines + report.not_covered_lines
    lines = [f"{engine}: coverage {report.percent:.2f}% ({report.covered_lines} of {total} lines)"]
    for path, file in report.files.items():
        if verbose or file.not_covered:
            missed = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ranges(file.not_covered))
            lines.append(terminal(f"    {path}: {file.percent:.2f}%" + (f", not covered: {missed}" if missed else "")))
    return lines


def run_json(run: RegoTestRun) -> dict[str, Any]:
    return {
        "engine": run.engine,
        "counts": dict(run.counts),
        "results": [result_json(r) for r in run.results],
        "coverage": coverage_json(run.coverage) if run.coverage is not None else None,
    }


def result_json(result: RegoTestResult) -> dict[str, Any]:
    return {
        "package": result.test.package, "name": result.test.name, "file": result.test.file,
        "line": result.test.line, "status": result.status, "error": result.error,
        "cases": [{"key": list(c.key), "status": PASS if c.passed else FAIL} for c in result.cases],
        "duration_ns": result.duration_ns, "output": list(result.output),
    }


def coverage_json(report: Coverage) -> dict[str, Any]:
    """OPA's coverage report shape: per file, covered and not_covered row ranges."""
    def spans(rows: frozenset[int]) -> list[dict[str, Any]]:
        return [{"start": {"row": a}, "end": {"row": b}} for a, b in ranges(rows)]

    return {
        "files": {path: {"covered": spans(f.covered), "not_covered": spans(f.not_covered),
                         "covered_lines": len(f.covered), "not_covered_lines": len(f.not_covered),
                         "coverage": f.percent} for path, f in report.files.items()},
        "covered_lines": report.covered_lines,
        "not_covered_lines": report.not_covered_lines,
        "coverage": report.percent,
    }
