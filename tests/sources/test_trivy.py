"""Trivy's JSON, from every command that writes it, maps to findings with a category; anything else is refused."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from relgate.context import build_context
from relgate.errors import SourceError
from relgate.gather import run_sources
from relgate.sources.interface import GatherRequest, SourceSpec
from relgate.sources.trivy import TrivySource, parse_trivy, read_trivy
from tests.conftest import ROOT

REAL = ROOT / "tests" / "fixtures" / "real-world"
TRIVY = REAL / "trivy"


def kinds(findings: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((f["category"], f["severity"]) for f in findings)


def write(directory: Path, document: Any, name: str = "t.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(document))
    return path


def report(*results: dict[str, Any]) -> dict[str, Any]:
    return {"SchemaVersion": 2, "ArtifactName": "app", "ArtifactType": "filesystem", "Results": list(results)}


# --- real reports --------------------------------------------------------------------------------


def test_image_report() -> None:
    findings = parse_trivy(TRIVY / "trivy-image-alpine-39.json")
    assert kinds(findings) == Counter({("vulnerability", "critical"): 2, ("vulnerability", "medium"): 4})
    first = findings[0]
    assert (first["id"], first["package"], first["installed_version"], first["fixed_version"]) == (
        "CVE-2019-1549", "libcrypto1.1", "1.1.1b-r1", "1.1.1d-r0")
    assert first["location"] == {"path": "testdata/fixtures/images/alpine-39.tar.gz (alpine 3.9.4)"}


def test_unknown_severity_counts_as_unknown() -> None:
    assert kinds(parse_trivy(TRIVY / "trivy-fs-gomod.json")) == Counter(
        {("vulnerability", "unknown"): 4, ("vulnerability", "medium"): 1})


def test_repo_secret_scan_is_read_and_never_copies_the_match() -> None:
    findings = parse_trivy(TRIVY / "trivy-repo-secrets.json")
    assert [(f["id"], f["category"], f["severity"], f["location"]) for f in findings] == [
        ("aws-access-key-id", "secret", "critical", {"path": "deploy.sh", "line": 3}),
        ("mysecret", "secret", "high", {"path": "deploy.sh", "line": 7}),
    ]
    assert "ghp_" not in json.dumps(findings) and "AWS_ACCESS_KEY_ID" not in json.dumps(findings)


def test_config_scan_misconfiguration_is_read() -> None:
    (finding,) = parse_trivy(TRIVY / "trivy-config-dockerfile.json")
    assert (finding["id"], finding["category"], finding["severity"]) == ("DS-0002", "misconfiguration", "high")
    assert finding["location"]["path"] == "Dockerfile"


def test_fs_report_with_all_three_categories() -> None:
    findings = parse_trivy(TRIVY / "trivy-fs-misconfig-and-secrets.json")
    assert kinds(findings) == Counter({("secret", "critical"): 2, ("vulnerability", "high"): 1,
                                       ("vulnerability", "medium"): 1, ("misconfiguration", "high"): 1})


def test_k8s_report_all_resources() -> None:
    findings = parse_trivy(TRIVY / "trivy-k8s-cluster-scoped-resources.json")
    assert [(f["id"], f["severity"], f["resource"]) for f in findings] == [
        ("KSV113", "medium", "ClusterRole/system:controller:bootstrap-signer"),
        ("KSV001", "medium", "default/Deployment/redis-follower"),
        ("KSV111", "low", "ClusterRoleBinding/cluster-admin"),
    ]
    assert {f["category"] for f in findings} == {"misconfiguration"}
    assert findings[1]["location"] == {"path": "Deployment/redis-follower", "line": 132}


def k8s_resource(kind: str, name: str, *results: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Namespace": "default", "Kind": kind, "Name": name, "Results": list(results), **extra}


VULN_RESULT = {"Target": "nginx:1.25 (debian 12.4)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": [
    {"VulnerabilityID": "CVE-2023-4911", "PkgName": "libc6", "InstalledVersion": "2.36-9", "Severity": "HIGH"}]}
SECRET_RESULT = {"Target": "/app/.env", "Class": "secret", "Secrets": [
    {"RuleID": "aws-secret-access-key", "Category": "AWS", "Severity": "CRITICAL", "Title": "AWS Secret Access Key",
     "StartLine": 2, "EndLine": 2, "Match": "AWS_SECRET_ACCESS_KEY=****"}]}


@pytest.mark.parametrize("layout", ["Resources", "Findings", "legacy"])
def test_every_k8s_layout_is_read(tmp_path: Path, layout: str) -> None:
    # --report all (Resources), --report summary (Findings), and before v0.40 separate lists.
    workload = k8s_resource("Deployment", "web", VULN_RESULT, SECRET_RESULT)
    document: dict[str, Any] = {"ClusterName": "prod"}
    if layout == "legacy":
        document |= {"Vulnerabilities": [workload], "Misconfigurations": []}
    else:
        document[layout] = [workload]
    findings = parse_trivy(write(tmp_path, document))
    assert [(f["id"], f["category"], f["resource"]) for f in findings] == [
        ("CVE-2023-4911", "vulnerability", "default/Deployment/web"),
        ("aws-secret-access-key", "secret", "default/Deployment/web"),
    ]


def test_k8s_resource_that_failed_to_scan_is_an_error(tmp_path: Path) -> None:
    failed = k8s_resource("Deployment", "api", Error="unable to pull image: unauthorized")
    document = {"ClusterName": "prod", "Resources": [failed, k8s_resource("Deployment", "web", VULN_RESULT)]}
    path = write(tmp_path, document)
    expected = (r"t\.json:Resources\[0\]\.Error: Trivy could not scan default/Deployment/api: "
                r"'unable to pull image: unauthorized' \(set allow_failed_runs: true")
    with pytest.raises(SourceError, match=expected):
        parse_trivy(path)
    accepted = read_trivy(path, allow_failed_runs=True)
    assert [f["id"] for f in accepted.findings] == ["CVE-2023-4911"] and len(accepted.failures) == 1


def test_clean_k8s_cluster(tmp_path: Path) -> None:
    assert parse_trivy(write(tmp_path, {"ClusterName": "prod"})) == []


def test_legacy_formats() -> None:
    assert parse_trivy(TRIVY / "trivy-legacy-null.json") == []
    # This DefectDojo sample was trimmed by hand: its first vulnerability has only a PkgName, which
    # no Trivy release wrote. Without the id there is nothing to report or waive, so it is refused.
    with pytest.raises(SourceError, match=r'trivy-legacy-pre-v2-list\.json:\[0\]\.Vulnerabilities\[0\]: '
                                          r'"VulnerabilityID" is required'):
        parse_trivy(TRIVY / "trivy-legacy-pre-v2-list.json")


def test_legacy_list_without_the_trimmed_entry(tmp_path: Path) -> None:
    results = json.loads((TRIVY / "trivy-legacy-pre-v2-list.json").read_text())
    del results[0]["Vulnerabilities"][0]
    assert kinds(parse_trivy(write(tmp_path, results))) == Counter({("vulnerability", "high"): 6})


def test_clean_scans() -> None:
    assert parse_trivy(TRIVY / "trivy-image-no-vulns.json") == []


def test_clean_scan_without_results(tmp_path: Path) -> None:
    document = report()
    del document["Results"]  # Trivy omits an empty Results
    assert parse_trivy(write(tmp_path, document)) == []


def test_passed_and_excepted_checks_do_not_count(tmp_path: Path) -> None:
    checks = [{"ID": f"DS00{i}", "Severity": "HIGH", "Status": status, "Title": "t"}
              for i, status in enumerate(("PASS", "FAIL", "EXCEPTION"))]
    findings = parse_trivy(write(tmp_path, report({"Target": "Dockerfile", "Misconfigurations": checks})))
    assert [f["id"] for f in findings] == ["DS001"]


def test_licenses_are_not_security_findings(tmp_path: Path) -> None:
    licenses = [{"Severity": "CRITICAL", "Category": "forbidden", "PkgName": "x", "Name": "GPL-3.0"}]
    assert parse_trivy(write(tmp_path, report({"Target": "Java", "Licenses": licenses}))) == []


# --- other documents are refused ---------------------------------------------------------------------


@pytest.mark.parametrize(("document", "message"), [
    ({}, r't\.json:\(top level\): "SchemaVersion" is required'),
    ({"version": "2.1.0", "runs": []}, r"t\.json:\(top level\): expected a Trivy JSON report, found a SARIF log "
                                       r"\(use type: sarif\)"),
    ({"matches": [], "descriptor": {"name": "grype"}}, r"expected a Trivy JSON report, found a Grype report"),
    ({"SchemaVersion": 1, "ArtifactType": "x", "Results": []}, r"SchemaVersion: expected SchemaVersion 2, found the "
                                                               r"number 1"),
    ({"SchemaVersion": 2, "Results": []}, r'"ArtifactType" is required'),
    ({"SchemaVersion": 2, "ArtifactType": "fs", "Results": {}}, r"Results: expected an array, found an object"),
    ("text", r'expected a Trivy JSON report \(an object with SchemaVersion, ArtifactType and Results\), found the '
             r'string "text"'),
    (7, r"found the number 7"),
])
def test_documents_that_are_not_trivy_reports(tmp_path: Path, document: Any, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse_trivy(write(tmp_path, document))


def test_misspelled_result_field_is_refused(tmp_path: Path) -> None:
    result = {"Target": "app", "Vulns": [{"VulnerabilityID": "CVE-2026-1", "Severity": "CRITICAL"}]}
    with pytest.raises(SourceError, match=r'Results\[0\]\.Vulns: not a field of a Trivy result \(expected one of '):
        parse_trivy(write(tmp_path, report(result)))


@pytest.mark.parametrize(("item", "key", "message"), [
    ({"VulnerabilityID": "CVE-1", "Severity": "Critical"}, "Vulnerabilities",
     r'Vulnerabilities\[0\]\.Severity: expected one of "CRITICAL" \| "HIGH"'),
    ({"VulnerabilityID": 5}, "Vulnerabilities", r"VulnerabilityID: expected a string, found the number 5"),
    ({"RuleID": "k", "Severity": "HIGH"}, "Vulnerabilities", r'"VulnerabilityID" is required'),
    ({"RuleID": "k"}, "Secrets", r'Secrets\[0\]: "Severity" is required'),
    ({"ID": "DS1", "Severity": "HIGH", "Status": "fail"}, "Misconfigurations", r"Status: expected one of \"PASS\""),
    ({"ID": "DS1", "Severity": "HIGH"}, "Misconfigurations", r'Misconfigurations\[0\]: "Status" is required'),
])
def test_findings_of_the_wrong_shape_are_refused(tmp_path: Path, item: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse_trivy(write(tmp_path, report({"Target": "app", key: [item]})))


def test_source_allows_failed_k8s_scans_only_when_configured(tmp_path: Path) -> None:
    write(tmp_path, {"ClusterName": "c", "Resources": [k8s_resource("Pod", "p", Error="timeout")]})
    spec = SourceSpec("trivy", "k8s", options={"path": "t.json", "allow_failed_runs": True}, base_dir=tmp_path)
    vulns = TrivySource(spec).collect(GatherRequest(0, "s", "e"))["vulnerabilities"]
    assert vulns["reports"] == [{"path": "t.json", "tool": "Trivy", "findings": 0, "failed_runs": 1}]


def test_two_scanners_reporting_one_cve_on_one_package_count_once(tmp_path: Path) -> None:
    trivy = report({"Target": "app", "Vulnerabilities": [
        {"VulnerabilityID": "CVE-2026-1", "PkgName": "openssl", "InstalledVersion": "3.0.1", "Severity": "HIGH"},
        {"VulnerabilityID": "CVE-2026-2", "PkgName": "zlib", "InstalledVersion": "1.2", "Severity": "LOW"}]})
    grype = {"descriptor": {"name": "grype", "version": "0.80.0"},
             "matches": [{"vulnerability": {"id": "CVE-2026-1", "severity": "Critical",
                                            "fix": {"state": "fixed", "versions": ["3.0.2"]}},
                          "artifact": {"name": "openssl", "version": "3.0.1"}}]}
    write(tmp_path, trivy, "trivy.json")
    write(tmp_path, grype, "grype.json")
    specs = [SourceSpec("trivy", "trivy", options={"path": "trivy.json"}, base_dir=tmp_path),
             SourceSpec("grype", "grype", options={"path": "grype.json"}, base_dir=tmp_path)]
    runs = run_sources(specs, GatherRequest(0, "s", "e"))
    vulns = build_context(evaluated_at_ns=0, service="s", environment="e", change={}, runs=runs)["vulnerabilities"]
    assert vulns["counts"] == {"critical": 1, "high": 0, "medium": 0, "low": 1, "unknown": 0}
    merged = next(f for f in vulns["findings"] if f["id"] == "CVE-2026-1")
    assert merged["tools"] == ["Trivy", "Grype"] and merged["fixed_version"] == "3.0.2"
