"""Grype's JSON maps to vulnerability findings; a document that is not Grype's is refused with the element."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from relgate.errors import SourceError
from relgate.sources.grype import parse_grype
from tests.conftest import ROOT

GRYPE = ROOT / "tests" / "fixtures" / "real-world" / "grype"


def write(directory: Path, document: Any) -> Path:
    path = directory / "g.json"
    path.write_text(json.dumps(document))
    return path


def match(severity: Any = "High", **vulnerability: Any) -> dict[str, Any]:
    return {"vulnerability": {"id": "CVE-2026-1", "severity": severity, **vulnerability},
            "artifact": {"name": "openssl", "version": "3.0.1"}}


def grype(*matches: Any) -> dict[str, Any]:
    return {"matches": list(matches), "descriptor": {"name": "grype", "version": "0.80.0"}}


def test_report_with_fixed_versions() -> None:
    findings = parse_grype(GRYPE / "grype-snapshot-image.json")
    assert [(f["id"], f["severity"], f["fixed_version"], f["category"]) for f in findings] == [
        ("CVE-1999-0001", "low", "1.2.1", "vulnerability"), ("CVE-1999-0002", "critical", None, "vulnerability")]


def test_negligible_is_low_and_unknown_fix_has_no_version() -> None:
    counts = Counter(f["severity"] for f in parse_grype(GRYPE / "grype-0.28.0-image-check-all-fields.json"))
    assert counts == Counter(critical=2, high=3, low=1)
    (finding,) = parse_grype(GRYPE / "grype-0.75.0-image-fix-unknown.json")
    assert finding["fixed_version"] is None and finding["severity"] == "high"


@pytest.mark.parametrize(("name", "expected"), [
    ("grype-0.94.0-image-epss.json", Counter(high=10, medium=2, low=2, critical=1)),
    ("grype-0.24.0-dir-many-vulns.json", Counter(medium=5, high=2, critical=2)),
    ("grype-0.7.0-image-no-vulns.json", Counter()),
    ("grype-snapshot-empty.json", Counter()),
])
def test_reports_across_grype_versions(name: str, expected: Counter[str]) -> None:
    assert Counter(f["severity"] for f in parse_grype(GRYPE / name)) == expected


def test_absent_severity_is_unknown(tmp_path: Path) -> None:
    document = grype(match())
    del document["matches"][0]["vulnerability"]["severity"]
    (finding,) = parse_grype(write(tmp_path, document))
    assert finding["severity"] == "unknown"


@pytest.mark.parametrize(("document", "message"), [
    ({}, r'g\.json:\(top level\): "descriptor" is required'),
    ({"descriptor": {"name": "grype"}}, r'"matches" is required'),
    ({"descriptor": {"name": "syft"}, "matches": []}, r'descriptor\.name: expected "grype", found the string "syft"'),
    ({"SchemaVersion": 2, "ArtifactType": "x", "Results": []},
     r"expected a Grype JSON report, found a Trivy report \(use type: trivy\)"),
    ({"version": "2.1.0", "runs": []}, r"expected a Grype JSON report, found a SARIF log"),
    ([], r"expected a Grype JSON report \(an object with matches and descriptor\), found an array"),
    (grype() | {"matches": {}}, r"matches: expected an array, found an object"),
    (grype(None), r"matches\[0\]: expected an object, found null"),
    (grype(match("CRITICAL")), r'matches\[0\]\.vulnerability\.severity: expected one of "Critical"'),
    (grype(match(fix={"state": "fixed", "versions": "1.0"})), r"fix\.versions: expected an array"),
    (grype({"vulnerability": {"id": "CVE-1"}}), r'matches\[0\]: "artifact" is required'),
])
def test_documents_that_are_not_grype_reports(tmp_path: Path, document: Any, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse_grype(write(tmp_path, document))
