"""SARIF from real tools maps to severities and finding ids; malformed logs are named errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from relgate.errors import SourceError
from relgate.sources.interface import GatherRequest, SourceSpec
from relgate.sources.sarif import SarifSource, cvss_band, parse_sarif
from tests.conftest import ROOT

REAL = ROOT / "tests" / "fixtures" / "real-world" / "sarif"


def severities(name: str) -> Counter[str]:
    return Counter(f["severity"] for f in parse_sarif(REAL / name))


def write_log(tmp_path: Path, results: list[dict[str, Any]], rules: list[dict[str, Any]] | None = None) -> Path:
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": rules or []}}, "results": results}]}
    path = tmp_path / "scan.sarif"
    path.write_text(json.dumps(log))
    return path


def test_trivy_counts_follow_security_severity_not_level() -> None:
    # The rules' security-severity scores put the 45 results at 4/29/10/2, while
    # their levels (33 error, 10 warning, 2 note) would say otherwise.
    assert severities("trivy-0.35.0-image.sarif") == Counter(critical=4, high=29, medium=10, low=2)


def test_trivy_findings_carry_cve_ids_and_locations() -> None:
    findings = parse_sarif(REAL / "trivy-image-alpine-310.sarif")
    assert {f["tool"] for f in findings} == {"Trivy"}
    assert {f["id"] for f in findings} >= {"CVE-2019-1549"}
    assert all(f["location"]["path"] for f in findings)


def test_codeql_rule_is_resolved_by_index_among_duplicate_ids() -> None:
    # py/code-injection appears twice among the rules (9.3 and 10.0); ruleIndex 45 picks one.
    (finding,) = parse_sarif(REAL / "codeql-2.11.0-python.sarif")
    assert (finding["rule"], finding["severity"]) == ("py/code-injection", "critical")
    assert finding["location"]["path"].endswith(".py") and isinstance(finding["location"]["line"], int)


def test_grype_rule_ids_yield_the_cve() -> None:
    findings = parse_sarif(REAL / "grype-0.34.7-cxf.sarif")
    assert findings[0]["tool"] == "Grype" and len(findings) == 22
    first = findings[0]
    assert first["rule"] == "CVE-2008-0732-geronimo-j2ee-management_1.1_spec"
    assert first["id"] == "CVE-2008-0732"


def test_suppressed_results_are_left_out() -> None:
    assert parse_sarif(REAL / "semgrep-nosemgrep-suppressed.sarif") == []
    assert parse_sarif(REAL / "spec-appendix-k-codescanner.sarif") == []


def test_empty_runs_is_a_clean_scan() -> None:
    assert parse_sarif(REAL / "edge-empty-runs.sarif") == []


def test_results_without_level_default_to_warning() -> None:
    assert severities("gitleaks-7.4.0.sarif") == Counter(medium=8)


@pytest.mark.parametrize(("score", "band"), [(10.0, "critical"), (9.0, "critical"), (8.9, "high"), (7.0, "high"),
                                            (6.9, "medium"), (4.0, "medium"), (3.9, "low"), (0.0, "low")])
def test_cvss_bands(score: float, band: str) -> None:
    assert cvss_band(score) == band


def test_result_property_beats_rule_property_and_level(tmp_path: Path) -> None:
    rules = [{"id": "R1", "properties": {"security-severity": "2.0"}, "defaultConfiguration": {"level": "error"}}]
    results = [{"ruleId": "R1", "ruleIndex": 0, "message": {"text": "m"}, "properties": {"security-severity": "9.1"}},
               {"ruleId": "R1", "ruleIndex": 0, "message": {"text": "m"}},
               {"ruleId": "R2", "level": "note", "message": {"text": "m"}},
               {"ruleId": "R3", "kind": "pass", "level": "error", "message": {"text": "m"}}]
    findings = parse_sarif(write_log(tmp_path, results, rules))
    assert [f["severity"] for f in findings] == ["critical", "low", "low"]


def test_rule_default_level_applies_when_result_has_none(tmp_path: Path) -> None:
    rules = [{"id": "R1", "defaultConfiguration": {"level": "error"}}]
    (finding,) = parse_sarif(write_log(tmp_path, [{"ruleId": "R1", "message": {"text": "m"}}], rules))
    assert finding["severity"] == "high"


def test_source_reports_counts_and_files(tmp_path: Path) -> None:
    write_log(tmp_path, [{"ruleId": "CVE-2026-1234", "level": "error", "message": {"text": "m"}}])
    spec = SourceSpec("sarif", "scans", options={"paths": ["*.sarif"]}, base_dir=tmp_path)
    vulns = SarifSource(spec).collect(GatherRequest(0, "s", "e"))["vulnerabilities"]
    assert vulns["counts"] == {"critical": 0, "high": 1, "medium": 0, "low": 0, "unknown": 0}
    assert vulns["reports"] == [{"path": "scan.sarif", "tool": "t", "findings": 1}]


def test_not_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.sarif"
    path.write_text('{"version": "2.1.0",\n  "runs": [\n')
    with pytest.raises(SourceError, match=r"bad\.sarif:3:1: not valid JSON"):
        parse_sarif(path)


def test_other_sarif_version_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "old.sarif"
    path.write_text('{"version": "2.0.0", "runs": []}')
    with pytest.raises(SourceError, match=r"old\.sarif: version: expected SARIF 2\.1\.0, got '2\.0\.0'"):
        parse_sarif(path)


def test_runs_must_be_a_list(tmp_path: Path) -> None:
    path = tmp_path / "odd.sarif"
    path.write_text('{"version": "2.1.0", "runs": {}}')
    with pytest.raises(SourceError, match=r"odd\.sarif: runs: expected a list"):
        parse_sarif(path)


def test_glob_matching_nothing_is_an_error(tmp_path: Path) -> None:
    spec = SourceSpec("sarif", "scans", options={"paths": ["reports/*.sarif"]}, base_dir=tmp_path)
    with pytest.raises(SourceError, match=r"'reports/\*\.sarif' matched no file"):
        SarifSource(spec).collect(GatherRequest(0, "s", "e"))
