"""The context document: merged evidence, recomputed counts, a published schema."""

from __future__ import annotations

import pytest

from relgate.context import build_context, merge_evidence, validate_context
from relgate.errors import RelgateError
from tests.conftest import ROOT


def test_published_schema_is_the_shipped_one() -> None:
    shipped = (ROOT / "src" / "relgate" / "schemas" / "context.schema.json").read_text()
    assert (ROOT / "docs" / "context.schema.json").read_text() == shipped


def test_two_scanners_merge_and_counts_are_recomputed() -> None:
    doc: dict[str, object] = {}
    merge_evidence(doc, {"vulnerabilities": {"findings": [{"id": "A", "severity": "high"}],
                                             "counts": {"high": 1}}})
    merge_evidence(doc, {"vulnerabilities": {"findings": [{"id": "B", "severity": "critical"},
                                                          {"id": "C", "severity": "weird"}],
                                             "counts": {"critical": 1}}})
    vulns = doc["vulnerabilities"]
    assert isinstance(vulns, dict)
    assert vulns["counts"] == {"critical": 1, "high": 1, "medium": 0, "low": 0, "unknown": 1}
    assert [f["id"] for f in vulns["findings"]] == ["A", "B", "C"]


def test_two_test_reports_sum_and_recompute_pass_rate() -> None:
    doc: dict[str, object] = {}
    base = {"failing": [], "suites": []}
    merge_evidence(doc, {"tests": {"total": 10, "passed": 9, "failed": 1, "errors": 0, "skipped": 0, **base}})
    merge_evidence(doc, {"tests": {"total": 5, "passed": 3, "failed": 0, "errors": 0, "skipped": 2, **base}})
    tests = doc["tests"]
    assert isinstance(tests, dict)
    assert (tests["total"], tests["passed"], tests["skipped"]) == (15, 12, 2)
    assert tests["pass_rate"] == pytest.approx(12 / 13)


def test_nested_mappings_merge_without_losing_keys() -> None:
    doc: dict[str, object] = {"change": {"commit": "abc"}}
    merge_evidence(doc, {"change": {"artifact": "img@sha256:1"}})
    assert doc["change"] == {"commit": "abc", "artifact": "img@sha256:1"}


def test_minimal_document_validates() -> None:
    doc = build_context(evaluated_at_ns=1_795_000_000 * 10**9, service="s", environment="e",
                        change={}, runs=())
    assert doc["evaluated_at"] == "2026-11-18T11:06:40Z"
    validate_context(doc)


def test_invalid_evidence_is_named() -> None:
    doc = build_context(evaluated_at_ns=0, service="s", environment="e", change={}, runs=())
    doc["approvals"] = "lee approved"
    with pytest.raises(RelgateError, match="context: approvals: 'lee approved' is not of type 'array'"):
        validate_context(doc)


def test_every_library_rule_id_is_documented() -> None:
    import re

    documented = (ROOT / "docs" / "policies.md").read_text()
    ids = set()
    for policy in (ROOT / "src" / "relgate" / "policies").glob("*.rego"):
        if not policy.name.endswith("_test.rego"):
            ids |= set(re.findall(r'"id": "([a-z_]+\.[a-z_]+)"', policy.read_text()))
    assert len(ids) >= 18
    assert sorted(i for i in ids if f"`{i}`" not in documented) == []
