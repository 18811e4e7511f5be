"""Findings from Trivy's own JSON: vulnerabilities, secrets and failed misconfiguration checks.

Shapes read (from Trivy's `types.Report` and `k8s/report`): `trivy image|fs|repo|config|rootfs|sbom`
write `{SchemaVersion: 2, ArtifactName, ArtifactType, Results[]}`; `trivy k8s` writes
`{ClusterName, Resources[]}` (`--report all`), `{ClusterName, Findings[]}` (`--report summary`)
or, before v0.40, `{ClusterName, Vulnerabilities[], Misconfigurations[]}` whose elements are
resources, each with its own `Results[]` and an `Error` when its scan failed. Trivy before
v0.20 wrote a bare list of results, or `null` for a clean scan. Anything else is an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relgate.errors import SourceError
from relgate.sources.findings import FindingsSource, ScanReport, read_json, refuse_other_format
from relgate.sources.shape import Node, choices

SEVERITIES = {"CRITICAL": "critical", "HIGH": "high", "MEDIUM": "medium", "LOW": "low", "UNKNOWN": "unknown"}
MISCONFIG_STATUS = ("PASS", "FAIL", "EXCEPTION")
# Every member Trivy's Result has had; an unknown one is a kind of finding relgate would miss.
RESULT_FIELDS = frozenset({
    "Target", "Class", "Type", "Packages", "Vulnerabilities", "MisconfSummary", "Misconfigurations", "Secrets",
    "Licenses", "CustomResources", "ExperimentalModifiedFindings",
})
K8S_LISTS = ("Resources", "Findings", "Vulnerabilities", "Misconfigurations")
_MESSAGE_LIMIT = 1000


def parse_trivy(path: Path, allow_failed_runs: bool = False) -> list[dict[str, Any]]:
    return list(read_trivy(path, allow_failed_runs).findings)


def read_trivy(path: Path, allow_failed_runs: bool = False) -> ScanReport:
    """Read one Trivy JSON report; any other document, or a resource Trivy failed to scan, raises SourceError."""
    root = Node(read_json(path), path)
    failures: list[str] = []
    findings: list[dict[str, Any]] = []
    if root.value is None:  # Trivy < 0.20 on a clean scan
        return ScanReport(("Trivy",), ())
    if root.is_array():  # Trivy < 0.20: the results themselves
        for result in root.as_array():
            findings.extend(_result(result, None))
    elif root.is_object():
        refuse_other_format(root, "a Trivy JSON report", "a Trivy")
        if root.child("ClusterName") is not None:
            findings.extend(_cluster(root, failures))
        else:
            _check_header(root)
            for result in root.array("Results") or []:
                findings.extend(_result(result, None))
    else:
        root.expected("a Trivy JSON report (an object with SchemaVersion, ArtifactType and Results)")
    if failures and not allow_failed_runs:
        raise SourceError(f"{failures[0]} (set allow_failed_runs: true on the source to accept a failed scan)")
    return ScanReport(("Trivy",), tuple(findings), tuple(failures))


def _check_header(root: Node) -> None:
    version = root.need("SchemaVersion")
    if version.value != 2 or isinstance(version.value, bool):
        version.expected("SchemaVersion 2")
    if not root.string("ArtifactType", required=True):
        root.need("ArtifactType").expected("the kind of artifact scanned")
    root.string("ArtifactName")


def _cluster(root: Node, failures: list[str]) -> list[dict[str, Any]]:
    root.string("ClusterName", required=True)
    version = root.integer("SchemaVersion")
    if version not in (None, 0, 2):
        root.need("SchemaVersion").expected("SchemaVersion 2")
    findings: list[dict[str, Any]] = []
    for key in K8S_LISTS:
        for resource in root.objects(key):
            kind = resource.string("Kind", required=True)
            name = resource.string("Name", required=True)
            namespace = resource.string("Namespace")
            label = "/".join(part for part in (namespace, kind, name) if part)
            error = resource.string("Error")
            if error:
                failures.append(f"{resource.where}.Error: Trivy could not scan {label}: {error[:200]!r}")
            for result in resource.array("Results") or []:
                findings.extend(_result(result, label))
    return findings


def _severity(item: Node, required: bool) -> str:
    value = item.enum("Severity", SEVERITIES, required=required)
    return SEVERITIES[value] if value is not None else "unknown"


def _result(node: Node, resource: str | None) -> list[dict[str, Any]]:
    result = node.as_object()
    unknown = sorted(set(result.keys()) - RESULT_FIELDS)
    if unknown:
        expected = choices(sorted(RESULT_FIELDS))
        result.need(unknown[0]).error(f"not a field of a Trivy result (expected one of {expected})")
    target = result.string("Target", required=True) or ""
    result.string("Class")
    findings: list[dict[str, Any]] = []
    vulnerabilities = result.child("Vulnerabilities")
    # Trivy < 0.20 wrote `"Vulnerabilities": null` for a target without any.
    for vuln in [] if vulnerabilities is None or vulnerabilities.value is None else vulnerabilities.as_array():
        findings.append(_vulnerability(vuln.as_object(), target))
    for misconfiguration in result.objects("Misconfigurations"):
        finding = _misconfiguration(misconfiguration, target)
        if finding is not None:
            findings.append(finding)
    for secret in result.objects("Secrets"):
        findings.append(_secret(secret, target))
    result.array("Licenses")  # license findings are not security findings: shape-checked, not counted
    if resource is not None:
        for finding in findings:
            finding["resource"] = resource
    return findings


def _location(target: str, line: int | None) -> dict[str, Any]:
    location: dict[str, Any] = {"path": target} if target else {}
    if line:
        location["line"] = line
    return location


def _vulnerability(vuln: Node, target: str) -> dict[str, Any]:
    vuln_id = vuln.string("VulnerabilityID", required=True) or ""
    title = vuln.string("Title") or vuln.string("Description") or ""
    finding: dict[str, Any] = {
        "id": vuln_id,
        "severity": _severity(vuln, required=False),
        "category": "vulnerability",
        "tool": "Trivy",
        "rule": vuln_id,
        "message": title[:_MESSAGE_LIMIT],
        "package": vuln.string("PkgName") or "",
        "installed_version": vuln.string("InstalledVersion") or "",
        "fixed_version": vuln.string("FixedVersion") or None,
    }
    location = _location(target, None)
    if location:
        finding["location"] = location
    return finding


def _misconfiguration(check: Node, target: str) -> dict[str, Any] | None:
    """A failed check; passed checks (`--include-non-failures`) and exceptions do not count."""
    status = check.enum("Status", MISCONFIG_STATUS, required=True)
    check_id = check.string("ID", required=True) or ""
    severity = _severity(check, required=True)
    message = check.string("Message") or check.string("Title") or ""
    cause = check.obj("CauseMetadata")
    line = cause.integer("StartLine", minimum=0) if cause is not None else None
    if status != "FAIL":
        return None
    finding: dict[str, Any] = {
        "id": check_id,
        "severity": severity,
        "category": "misconfiguration",
        "tool": "Trivy",
        "rule": check.string("AVDID") or check_id,
        "message": message[:_MESSAGE_LIMIT],
    }
    location = _location(target, line)
    if location:
        finding["location"] = location
    return finding


def _secret(secret: Node, target: str) -> dict[str, Any]:
    """A secret finding; its `Match` (the masked line) never enters the context."""
    rule_id = secret.string("RuleID", required=True) or ""
    finding: dict[str, Any] = {
        "id": rule_id,
        "severity": _severity(secret, required=True),
        "category": "secret",
        "tool": "Trivy",
        "rule": rule_id,
        "message": (secret.string("Title") or secret.string("Category") or "")[:_MESSAGE_LIMIT],
    }
    location = _location(target, secret.integer("StartLine", minimum=0))
    if location:
        finding["location"] = location
    return finding


class TrivySource(FindingsSource):
    """`type: trivy` — Trivy JSON reports (`trivy image|fs|repo|config|k8s … -f json`)."""

    type_name = "trivy"
    accepts_failed_runs = True

    def read(self, path: Path, allow_failed_runs: bool) -> ScanReport:
        return read_trivy(path, allow_failed_runs)
