"""Each source's fragment is checked before it is merged; a saved context keeps its sources' failures."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from relgate.cli import main
from relgate.context import check_evidence, recorded_failures, validated_runs
from relgate.errors import SourceError
from relgate.gather import SourceRun
from relgate.sources.interface import SourceSpec
from tests.conftest import QUICKSTART_AT

TESTS = {"total": 3, "passed": 2, "failed": 1, "errors": 0, "skipped": 0, "pass_rate": 2 / 3, "failing": []}
FINDING = {"id": "CVE-2026-1", "severity": "high", "category": "vulnerability", "tool": "Trivy"}
VULNS = {"counts": {"critical": 0, "high": 1, "medium": 0, "low": 0, "unknown": 0}, "findings": [FINDING]}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("relgate: error:")]
    assert errors and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert any(fragment in line for line in errors), (fragment, result.stderr)


# --- a fragment is checked on its own -------------------------------------------------------------


@pytest.mark.parametrize(("fragment", "message"), [
    ({"tests": {**TESTS, "failed": -1}}, r"source 'facts': tests\.failed: -1 is less than the minimum of 0"),
    ({"tests": {**TESTS, "passed": "2"}}, r"source 'facts': tests\.passed: '2' is not of type 'integer'"),
    ({"tests": {**TESTS, "extra": 1}}, r"source 'facts': tests: Additional properties are not allowed"),
    ({"tests": {**TESTS, "total": 4}}, r"tests\.total: 4 is not passed \+ failed \+ errors \+ skipped \(3\)"),
    ({"tests": {**TESTS, "pass_rate": 1.0}}, r"tests\.pass_rate: 1\.0 is not passed / \(passed \+ failed \+ errors\)"),
    ({"tests": {**TESTS, "flaky": 3}}, r"tests\.flaky: 3 is more than the 2 passed"),
    ({"vulnerabilities": {**VULNS, "findings": "none"}}, r"vulnerabilities\.findings: 'none' is not of type 'array'"),
    ({"vulnerabilities": {**VULNS, "counts": {**VULNS["counts"], "high": 0}}},
     r"vulnerabilities\.counts: .* does not match the findings"),
    ({"vulnerabilities": {**VULNS, "findings": [{**FINDING, "severity": "HIGH"}]}},
     r"vulnerabilities\.findings\[0\]\.severity: 'HIGH' is not one of"),
    ({"vulnerabilities": {**VULNS, "findings": [{**FINDING, "category": "license"}]}},
     r"vulnerabilities\.findings\[0\]\.category: 'license' is not one of"),
    ({"vulnerabilities": {**VULNS, "findings": [{**FINDING, "cvss": 9.8}]}},
     r"vulnerabilities\.findings\[0\]: Additional properties are not allowed \('cvss' was unexpected\)"),
    ({"sources": {}}, r"source 'facts': sources: set by the gate itself"),
])
def test_malformed_fragments_are_the_sources_error(fragment: dict[str, Any], message: str) -> None:
    with pytest.raises(SourceError, match=message):
        check_evidence("facts", fragment)


def test_well_formed_fragments_pass() -> None:
    check_evidence("facts", {"tests": TESTS, "vulnerabilities": VULNS, "sbom": {"anything": [1, 2]}})


def test_a_bad_fragment_turns_its_run_into_an_error_and_is_not_merged() -> None:
    good = SourceRun(SourceSpec("junit", "tests"), "ok", 1.0, {"tests": TESTS})
    bad = SourceRun(SourceSpec("file", "facts"), "ok", 1.0, {"tests": {**TESTS, "failed": -1}})
    checked = validated_runs([good, bad])
    assert checked[0] is good
    assert (checked[1].status, checked[1].evidence, checked[1].failed_required) == ("error", {}, True)
    assert "tests.failed: -1" in (checked[1].error or "")


# --- end to end: a facts file cannot cancel a real failure ----------------------------------------


def write_gate(directory: Path, facts: Any, required: bool = True) -> Path:
    (directory / "junit.xml").write_text(
        '<testsuite name="s"><testcase name="a"/><testcase name="b"><failure message="boom"/></testcase></testsuite>')
    (directory / "facts.json").write_text(json.dumps(facts))
    config = directory / "relgate.yaml"
    config.write_text(
        "version: 1\nservice: s\nenvironment: e\npolicies: [builtin]\n"
        "data: {tests: {min_pass_rate: 0.9}}\naudit: {enabled: false}\n"
        "sources:\n  - {type: junit, name: tests, path: junit.xml}\n"
        f"  - {{type: file, name: facts, path: facts.json, required: {str(required).lower()}}}\n")
    return config


def test_a_negative_count_in_a_facts_file_is_an_error_not_a_pass(tmp_path: Path) -> None:
    # Merged blindly, failed 1 + (-1) = 0 would have made this run a pass.
    config = write_gate(tmp_path, {"tests": {**TESTS, "total": 0, "passed": 0, "failed": -1, "pass_rate": None}})
    result = run("check", "--config", str(config), "--at", QUICKSTART_AT, "--no-audit")
    assert_one_line_error(result, "required source 'facts' failed", "tests.failed: -1 is less than the minimum of 0")


def test_an_optional_malformed_facts_file_is_left_out_and_the_failure_stands(tmp_path: Path) -> None:
    config = write_gate(tmp_path, {"tests": {**TESTS, "failed": -1}}, required=False)
    result = run("check", "--config", str(config), "--at", QUICKSTART_AT, "--no-audit", "--json")
    assert result.exit_code == 1, result.output
    decision = json.loads(result.stdout)
    assert [v["id"] for v in decision["violations"]] == ["tests.pass_rate"]


# --- eval honours the recorded source statuses ----------------------------------------------------


def saved_context(quickstart: Path, tmp_path: Path) -> dict[str, Any]:
    result = run("context", "--config", str(quickstart), "--at", QUICKSTART_AT)
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def evaluate(quickstart: Path, path: Path) -> Result:
    return run("eval", "--config", str(quickstart), "--context", str(path))


def test_eval_of_a_context_whose_required_source_failed_is_an_error(quickstart: Path, tmp_path: Path) -> None:
    doc = saved_context(quickstart, tmp_path)
    assert doc["sources"]["scans"]["status"] == "ok"
    doc["sources"]["scans"] |= {"status": "error", "error": "reports/trivy.sarif: not valid JSON"}
    del doc["vulnerabilities"]
    saved = tmp_path / "context.json"
    saved.write_text(json.dumps(doc))
    assert_one_line_error(evaluate(quickstart, saved),
                          "required source 'scans' failed (as recorded in the context): reports/trivy.sarif")


def test_eval_treats_a_status_without_required_as_required(quickstart: Path, tmp_path: Path) -> None:
    doc = saved_context(quickstart, tmp_path)
    doc["sources"]["scans"] = {"type": "sarif", "status": "skipped"}
    saved = tmp_path / "context.json"
    saved.write_text(json.dumps(doc))
    assert_one_line_error(evaluate(quickstart, saved), "required source 'scans' was skipped")


def test_eval_ignores_an_optional_source_that_failed(quickstart: Path, tmp_path: Path) -> None:
    doc = saved_context(quickstart, tmp_path)
    doc["sources"]["change"] |= {"status": "error", "error": "change.yaml: cannot read"}
    saved = tmp_path / "context.json"
    saved.write_text(json.dumps(doc))
    assert evaluate(quickstart, saved).exit_code == 1  # the quickstart's denies, not an error


def test_recorded_failures_reads_only_what_is_there() -> None:
    assert recorded_failures({}) == [] and recorded_failures({"sources": "x"}) == []
    assert recorded_failures({"sources": {"a": {"status": "ok"}, "b": {"status": "error", "required": False}}}) == []


# --- a saved context is read within the evidence limits ----------------------------------------------


def test_eval_of_a_deeply_nested_context_is_one_line(quickstart: Path, tmp_path: Path) -> None:
    saved = tmp_path / "context.json"
    saved.write_text('{"x": ' + "[" * 200 + "]" * 200 + "}")
    assert_one_line_error(evaluate(quickstart, saved), "nested too deeply (more than 64 levels)")


def test_eval_of_a_lone_surrogate_is_one_line(quickstart: Path, tmp_path: Path) -> None:
    saved = tmp_path / "context.json"
    saved.write_text('{"service": "\\ud800"}')
    assert_one_line_error(evaluate(quickstart, saved), "service: text with a lone UTF-16 surrogate")


def test_eval_of_a_fifo_does_not_block(quickstart: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "context.json"
    os.mkfifo(fifo)
    results: list[Result] = []
    worker = threading.Thread(target=lambda: results.append(evaluate(quickstart, fifo)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "eval blocked on a FIFO"
    assert_one_line_error(results[0], "expected a regular file, found a FIFO")


# --- evidence limits through `check` --------------------------------------------------------------------


@pytest.mark.parametrize(("content", "fragment"), [
    ('{"version": "2.1.0", "runs": ' + "[" * 150 + "]" * 150 + "}", "nested too deeply (more than 64 levels)"),
    ('{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "\\udc00"}}, "results": []}]}',
     "lone UTF-16 surrogate"),
])
def test_check_on_hostile_evidence_is_one_line(quickstart: Path, content: str, fragment: str) -> None:
    (quickstart.parent / "reports" / "trivy.sarif").write_text(content)
    result = run("check", "--config", str(quickstart), "--at", QUICKSTART_AT)
    assert_one_line_error(result, "required source 'scans' failed", fragment)


def test_check_on_a_directory_named_like_a_report_is_one_line(quickstart: Path) -> None:
    reports = quickstart.parent / "reports"
    for path in reports.glob("*.sarif"):
        path.unlink()
    (reports / "scan.sarif").mkdir()
    result = run("check", "--config", str(quickstart), "--at", QUICKSTART_AT)
    assert_one_line_error(result, "required source 'scans' failed", "scan.sarif", "not a regular file")
