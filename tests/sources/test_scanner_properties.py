"""Property: a mutated Trivy or Grype report is refused, or read exactly as an independent oracle reads it.

The oracles are plain readings of the formats as Trivy (`types.Report`, `k8s/report`) and
Grype (`presenter/models`) write them; they raise on anything they do not consider a
report, so a document the reader accepts but an oracle cannot read fails the test.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relgate.errors import SourceError
from relgate.sources.grype import parse_grype
from relgate.sources.trivy import parse_trivy
from tests.sources.mutations import mutated

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real-world"
Summary = Counter[tuple[str, str, str]]

TRIVY_KEYS = frozenset({
    "SchemaVersion", "ArtifactType", "Results", "Target", "Vulnerabilities", "VulnerabilityID", "Severity",
    "Misconfigurations", "Status", "ID", "Secrets", "RuleID", "ClusterName", "Resources", "Findings", "Kind",
    "Name", "Error", "Licenses",
})
GRYPE_KEYS = frozenset({"matches", "descriptor", "name", "vulnerability", "id", "severity", "artifact", "fix",
                        "versions", "state"})
TRIVY_SEVERITY = {"CRITICAL": "critical", "HIGH": "high", "MEDIUM": "medium", "LOW": "low", "UNKNOWN": "unknown"}
GRYPE_SEVERITY = {"Critical": "critical", "High": "high", "Medium": "medium", "Low": "low", "Negligible": "low",
                  "Unknown": "unknown"}
RESULT_FIELDS = {"Target", "Class", "Type", "Packages", "Vulnerabilities", "MisconfSummary", "Misconfigurations",
                 "Secrets", "Licenses", "CustomResources", "ExperimentalModifiedFindings"}


def _str(value: Any) -> str:
    assert isinstance(value, str)
    return value


def _trivy_result(result: Any) -> Summary:
    assert isinstance(result, dict) and set(result) <= RESULT_FIELDS
    _str(result["Target"])
    found: Summary = Counter()
    vulnerabilities = result.get("Vulnerabilities")
    for vuln in vulnerabilities if vulnerabilities is not None else []:
        severity = TRIVY_SEVERITY[vuln["Severity"]] if "Severity" in vuln else "unknown"
        found[(_str(vuln["VulnerabilityID"]), severity, "vulnerability")] += 1
    for check in result.get("Misconfigurations", []):
        assert check["Status"] in ("PASS", "FAIL", "EXCEPTION")
        severity = TRIVY_SEVERITY[check["Severity"]]
        if check["Status"] == "FAIL":
            found[(_str(check["ID"]), severity, "misconfiguration")] += 1
    for secret in result.get("Secrets", []):
        found[(_str(secret["RuleID"]), TRIVY_SEVERITY[secret["Severity"]], "secret")] += 1
    assert isinstance(result.get("Licenses", []), list)
    return found


def trivy_oracle(report: Any) -> Summary:
    found: Summary = Counter()
    if report is None:
        return found
    if isinstance(report, list):
        for result in report:
            found += _trivy_result(result)
        return found
    assert isinstance(report, dict)
    if "ClusterName" in report:
        _str(report["ClusterName"])
        for key in ("Resources", "Findings", "Vulnerabilities", "Misconfigurations"):
            resources = report.get(key, [])
            assert isinstance(resources, list)
            for resource in resources:
                _str(resource["Kind"])
                _str(resource["Name"])
                assert not resource.get("Error")
                for result in resource.get("Results", []):
                    found += _trivy_result(result)
        return found
    assert report["SchemaVersion"] == 2 and report["SchemaVersion"] is not True
    assert _str(report["ArtifactType"])
    results = report.get("Results", [])
    assert isinstance(results, list)
    for result in results:
        found += _trivy_result(result)
    return found


def grype_oracle(report: Any) -> Summary:
    assert isinstance(report, dict) and report["descriptor"]["name"] == "grype"
    matches = report["matches"]
    assert isinstance(matches, list)
    found: Summary = Counter()
    for match in matches:
        vulnerability, artifact = match["vulnerability"], match["artifact"]
        assert isinstance(artifact, dict)
        _str(artifact["name"])
        severity = GRYPE_SEVERITY[vulnerability["severity"]] if "severity" in vulnerability else "unknown"
        found[(_str(vulnerability["id"]), severity, "vulnerability")] += 1
    return found


def read(parse: Callable[[Path], list[dict[str, Any]]], document: Any) -> Summary | None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "m.json"
        path.write_text(json.dumps(document))
        try:
            findings = parse(path)
        except SourceError:
            return None
    return Counter((f["id"], f["severity"], f["category"]) for f in findings)


K8S_SYNTHETIC = {"ClusterName": "prod", "Findings": [{
    "Namespace": "default", "Kind": "Deployment", "Name": "web", "Results": [
        {"Target": "nginx (debian 12)", "Class": "os-pkgs", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2023-4911", "PkgName": "libc6", "InstalledVersion": "2.36", "Severity": "HIGH"}]},
        {"Target": "Deployment/web", "Class": "config", "Misconfigurations": [
            {"ID": "KSV001", "Severity": "MEDIUM", "Status": "FAIL"},
            {"ID": "KSV002", "Severity": "LOW", "Status": "PASS"},
            {"ID": "KSV003", "Severity": "HIGH", "Status": "EXCEPTION"}]}]}]}
CASES: dict[str, tuple[Callable[..., Any], Callable[[Any], Summary], frozenset[str], Any]] = {
    **{name: (parse_trivy, trivy_oracle, TRIVY_KEYS, json.loads((REAL / "trivy" / name).read_text())) for name in (
        "trivy-fs-misconfig-and-secrets.json", "trivy-repo-secrets.json", "trivy-k8s-cluster-scoped-resources.json",
        "trivy-image-centos-7.json", "trivy-config-dockerfile.json", "trivy-legacy-null.json")},
    "trivy-k8s-synthetic": (parse_trivy, trivy_oracle, TRIVY_KEYS, K8S_SYNTHETIC),
    **{name: (parse_grype, grype_oracle, GRYPE_KEYS, json.loads((REAL / "grype" / name).read_text())) for name in (
        "grype-snapshot-image.json", "grype-0.28.0-image-check-all-fields.json",
        "grype-0.75.0-image-fix-unknown.json")},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_oracles_agree_on_the_unmutated_reports(name: str) -> None:
    parse, oracle, _, document = CASES[name]
    assert read(parse, document) == oracle(document)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_report_is_refused_or_read_as_the_oracle_reads_it(name: str, data: st.DataObject) -> None:
    parse, oracle, keys, document = CASES[name]
    mutant, done = data.draw(mutated(document, keys), label="mutation")
    got = read(parse, mutant)
    if got is None:
        return
    try:
        expected = oracle(mutant)
    except (AssertionError, KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        pytest.fail(f"reader accepted a report the oracle refuses ({type(exc).__name__}: {exc}) after {done}")
    assert got == expected, f"after {done}"
