"""Assemble the context document (the policy input) and check it against its schema."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from relgate.errors import RelgateError
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
    text = resources.files("relgate").joinpath("schemas/context.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_context(doc: Mapping[str, Any], where: str = "context") -> None:
    """Reject a document policies could misread; the error names the offending field."""
    validator = jsonschema.Draft202012Validator(context_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is not None:
        at = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        raise RelgateError(f"{where}: {at.lstrip('.') or '(top level)'}: {error.message}")
