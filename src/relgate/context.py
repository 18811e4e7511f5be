"""Assemble the context document (the policy input) and check it against its schema.

Each source's fragment is checked on its own before it is merged, so a bad fragment is
that source's error (a required one fails the run) and can never cancel another source's
evidence: `{"tests": {"failed": -1}}` from a facts file must not hide a real failure.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from relgate.context_check import SchemaViolation, check
from relgate.errors import RelgateError, SourceError
from relgate.gather import SourceRun
from relgate.timeutil import format_ns

SEVERITIES = ("critical", "high", "medium", "low", "unknown")
_TEST_COUNTS = ("total", "passed", "failed", "errors", "skipped", "flaky")


def build_context(
    *,
    evaluated_at_ns: int,
    service: str,
    environment: str,
    change: Mapping[str, Any],
    runs: Sequence[SourceRun],
) -> dict[str, Any]:
    """Merge what the sources gathered into one document; absent sources leave keys absent."""
    doc: dict[str, Any] = {
        "evaluated_at": format_ns(evaluated_at_ns),
        "evaluated_at_ns": evaluated_at_ns,
        "service": service,
        "environment": environment,
        "change": dict(change),
    }
    for run in runs:
        if run.status == "ok":
            merge_evidence(doc, run.evidence)
    doc["sources"] = {run.spec.name: run.to_status() for run in runs}
    return doc


def merge_evidence(doc: dict[str, Any], evidence: Mapping[str, Any]) -> None:
    """Fold one source's fragment into the document; counts are recomputed, never summed blindly."""
    for key, value in evidence.items():
        if key == "vulnerabilities" and key in doc:
            doc[key] = _merge_vulnerabilities(doc[key], value)
        elif key == "tests" and key in doc:
            doc[key] = _merge_tests(doc[key], value)
        elif isinstance(value, dict) and isinstance(doc.get(key), dict):
            merged = dict(doc[key])
            merge_evidence(merged, value)
            doc[key] = merged
        else:
            doc[key] = copy.deepcopy(value)


def _merge_vulnerabilities(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    findings = deduplicate([*a.get("findings", []), *b.get("findings", [])])
    merged = {**a, **b, "findings": findings, "counts": severity_counts(findings)}
    merged["reports"] = [*a.get("reports", []), *b.get("reports", [])]
    return merged


def deduplicate(findings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One finding per (id, package, version) when two scanners report the same CVE on the same package.

    The more severe rating is kept (fail closed) and every reporting tool is listed.
    """
    kept: dict[tuple[str, str, str], dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for finding in findings:
        package = str(finding.get("package") or "")
        if not package:
            out.append(dict(finding))
            continue
        key = (str(finding.get("id")), package, str(finding.get("installed_version") or ""))
        seen = kept.get(key)
        if seen is None:
            kept[key] = entry = {**finding, "tools": [finding.get("tool", "")]}
            out.append(entry)
            continue
        seen["tools"].append(finding.get("tool", ""))
        if _RANK.get(str(finding.get("severity")), 0) > _RANK.get(str(seen.get("severity")), 0):
            seen["severity"] = finding["severity"]
        seen["fixed_version"] = seen.get("fixed_version") or finding.get("fixed_version")
    return out


_RANK = {"unknown": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def severity_counts(findings: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        severity = finding.get("severity", "unknown")
        counts[severity if severity in counts else "unknown"] += 1
    return counts


def _merge_tests(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {key: a.get(key, 0) + b.get(key, 0) for key in _TEST_COUNTS}
    for key in ("failing", "suites", "reports"):
        merged[key] = [*a.get(key, []), *b.get(key, [])]
    ran = merged["passed"] + merged["failed"] + merged["errors"]
    merged["pass_rate"] = merged["passed"] / ran if ran else None
    return merged


@lru_cache(maxsize=1)
def context_schema() -> dict[str, Any]:
    text = (Path(__file__).parent / "schemas" / "context.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def _where(parts: Sequence[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".") or "(top level)"


def validate_context(doc: Mapping[str, Any], where: str = "context") -> None:
    """Reject a document policies could misread; the error names the offending field."""
    try:
        check(doc, context_schema())
    except SchemaViolation as exc:
        raise RelgateError(f"{where}: {_where(exc.path)}: {exc.message}") from None
    _check_sections(doc, where)


# Keys only the gate writes; a source that returns them is refused like any other bad shape.
_GATE_KEYS = frozenset({"evaluated_at", "evaluated_at_ns", "sources"})


def check_evidence(name: str, evidence: Mapping[str, Any]) -> None:
    """Check one source's fragment against the context schema, before it is merged with any other."""
    where = f"source {name!r}"
    for key, value in evidence.items():
        if key in _GATE_KEYS:
            raise SourceError(f"{where}: {key}: set by the gate itself, not by a source")
        section = context_schema()["properties"].get(key)
        if section is None:
            continue
        try:
            check(value, section, [key])
        except SchemaViolation as exc:
            raise SourceError(f"{where}: {_where(exc.path)}: {exc.message}") from None
    _check_sections(evidence, where)


def _check_sections(doc: Mapping[str, Any], where: str) -> None:
    """What the schema cannot say: counts that must add up (schema-valid input assumed)."""
    tests = doc.get("tests")
    if isinstance(tests, Mapping):
        parts = sum(tests[key] for key in ("passed", "failed", "errors", "skipped"))
        if tests["total"] != parts:
            raise SourceError(f"{where}: tests.total: {tests['total']} is not passed + failed + errors + "
                              f"skipped ({parts})")
        if tests.get("flaky", 0) > tests["passed"]:
            raise SourceError(f"{where}: tests.flaky: {tests['flaky']} is more than the {tests['passed']} passed")
        ran = tests["passed"] + tests["failed"] + tests["errors"]
        rate = tests["pass_rate"]
        expected = tests["passed"] / ran if ran else None
        if (rate is None) != (expected is None) or (
                rate is not None and expected is not None and not math.isclose(rate, expected, abs_tol=1e-9)):
            raise SourceError(f"{where}: tests.pass_rate: {rate!r} is not passed / (passed + failed + errors) "
                              f"({expected!r})")
    vulnerabilities = doc.get("vulnerabilities")
    if isinstance(vulnerabilities, Mapping):
        expected_counts = severity_counts(vulnerabilities["findings"])
        if dict(vulnerabilities["counts"]) != expected_counts:
            raise SourceError(f"{where}: vulnerabilities.counts: {dict(vulnerabilities['counts'])} does not match "
                              f"the findings ({expected_counts})")


def validated_runs(runs: Sequence[SourceRun]) -> tuple[SourceRun, ...]:
    """Every successful run whose fragment is malformed becomes that source's error."""
    checked: list[SourceRun] = []
    for run in runs:
        if run.status == "ok":
            try:
                check_evidence(run.spec.name, run.evidence)
            except SourceError as exc:
                run = replace(run, status="error", evidence={}, error=str(exc))
        checked.append(run)
    return tuple(checked)


def recorded_failures(doc: Mapping[str, Any]) -> list[str]:
    """Required sources a saved context records as failed or skipped: evaluating it anyway would be an allow
    on evidence the gate never had."""
    sources = doc.get("sources")
    if not isinstance(sources, Mapping):
        return []
    failures: list[str] = []
    for name, entry in sources.items():
        if not isinstance(entry, Mapping) or entry.get("required", True) is False:
            continue
        status = entry.get("status")
        if status in ("error", "skipped"):
            verb = "failed" if status == "error" else "was skipped"
            reason = entry.get("error") or "no reason recorded"
            failures.append(f"required source {name!r} {verb} (as recorded in the context): {reason}")
    return failures
