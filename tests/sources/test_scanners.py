"""Native Trivy and Grype reports map to the same findings; two scanners, one CVE, one finding."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from relgate.context import build_context
from relgate.errors import SourceError
from relgate.gather import run_sources
from relgate.sources.interface import GatherRequest, SourceSpec
from relgate.sources.scanners import parse_grype, parse_trivy, severity
from tests.conftest import ROOT

REAL = ROOT / "tests" / "fixtures" / "real-world"


def counts(findings: list[dict[str, object]]) -> Counter[object]:
    return Counter(f["severity"] for f in findings)


def test_trivy_image_report() -> None:
    findings = parse_trivy(REAL / "trivy" / "trivy-image-alpine-39.json")
    assert counts(findings) == Counter(critical=2, medium=4)
    first = findings[0]
    assert (first["id"], first["package"], first["installed_version"], first["fixed_version"]) == (
        "CVE-2019-1549", "libcrypto1.1", "1.1.1b-r1", "1.1.1d-r0")
    assert first["location"] == {"path": "testdata/fixtures/images/alpine-39.tar.gz (alpine 3.9.4)"}


def test_trivy_unknown_severity_counts_as_unknown() -> None:
    assert counts(parse_trivy(REAL / "trivy" / "trivy-fs-gomod.json")) == Counter(unknown=4, medium=1)


def test_trivy_legacy_formats() -> None:
    assert parse_trivy(REAL / "trivy" / "trivy-legacy-null.json") == []
    legacy = parse_trivy(REAL / "trivy" / "trivy-legacy-pre-v2-list.json")
    assert counts(legacy) == Counter(high=6, unknown=1)


def test_trivy_clean_scan() -> None:
    assert parse_trivy(REAL / "trivy" / "trivy-image-no-vulns.json") == []


def test_grype_report_with_fixed_versions() -> None:
    findings = parse_grype(REAL / "grype" / "grype-snapshot-image.json")
    assert [(f["id"], f["severity"], f["fixed_version"]) for f in findings] == [
        ("CVE-1999-0001", "low", "1.2.1"), ("CVE-1999-0002", "critical", None)]


def test_grype_negligible_is_low_and_unknown_fix_has_no_version() -> None:
    assert counts(parse_grype(REAL / "grype" / "grype-0.28.0-image-check-all-fields.json")) == Counter(
        critical=2, high=3, low=1)
    (finding,) = parse_grype(REAL / "grype" / "grype-0.75.0-image-fix-unknown.json")
    assert finding["fixed_version"] is None and finding["severity"] == "high"


@pytest.mark.parametrize(("text", "expected"), [("CRITICAL", "critical"), ("Negligible", "low"), ("UNKNOWN", "unknown"),
                                                (None, "unknown"), ("weird", "unknown"), ("Moderate", "medium")])
def test_severity_names(text: object, expected: str) -> None:
    assert severity(text) == expected


def test_not_a_report_is_named(tmp_path: Path) -> None:
    (tmp_path / "g.json").write_text('{"results": []}')
    with pytest.raises(SourceError, match=r"g\.json: not a Grype JSON report"):
        parse_grype(tmp_path / "g.json")
    (tmp_path / "t.json").write_text('"text"')
    with pytest.raises(SourceError, match=r"t\.json: not a Trivy JSON report"):
        parse_trivy(tmp_path / "t.json")


def test_two_scanners_reporting_one_cve_on_one_package_count_once(tmp_path: Path) -> None:
    trivy = {"SchemaVersion": 2, "Results": [{"Target": "app", "Vulnerabilities": [
        {"VulnerabilityID": "CVE-2026-1", "PkgName": "openssl", "InstalledVersion": "3.0.1", "Severity": "HIGH"},
        {"VulnerabilityID": "CVE-2026-2", "PkgName": "zlib", "InstalledVersion": "1.2", "Severity": "LOW"}]}]}
    grype = {"matches": [{"vulnerability": {"id": "CVE-2026-1", "severity": "Critical",
                                            "fix": {"state": "fixed", "versions": ["3.0.2"]}},
                          "artifact": {"name": "openssl", "version": "3.0.1"}}]}
    (tmp_path / "trivy.json").write_text(json.dumps(trivy))
    (tmp_path / "grype.json").write_text(json.dumps(grype))
    specs = [SourceSpec("trivy", "trivy", options={"path": "trivy.json"}, base_dir=tmp_path),
             SourceSpec("grype", "grype", options={"path": "grype.json"}, base_dir=tmp_path)]
    runs = run_sources(specs, GatherRequest(0, "s", "e"))
    vulns = build_context(evaluated_at_ns=0, service="s", environment="e", change={}, runs=runs)["vulnerabilities"]
    assert vulns["counts"] == {"critical": 1, "high": 0, "medium": 0, "low": 1, "unknown": 0}
    merged = next(f for f in vulns["findings"] if f["id"] == "CVE-2026-1")
    assert merged["tools"] == ["Trivy", "Grype"] and merged["fixed_version"] == "3.0.2"
