"""Native scanner reports (Trivy JSON, Grype JSON) mapped to the same findings as SARIF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relgate.errors import SourceError
from relgate.sources.findings import FindingsSource, read_json

# Grype says Negligible where others say low; anything unrecognised stays "unknown" (and counts).
_SEVERITY = {"critical": "critical", "high": "high", "medium": "medium", "moderate": "medium", "low": "low",
             "negligible": "low"}


def severity(text: Any) -> str:
    return _SEVERITY.get(str(text or "").strip().lower(), "unknown")


def parse_trivy(path: Path) -> list[dict[str, Any]]:
    """`trivy … -f json`: schema 2 (an object with Results), or the legacy list / null of older releases."""
    report = read_json(path)
    if report is None:
        return []
    if isinstance(report, dict):
        results = report.get("Results") or []
    elif isinstance(report, list):
        results = report
    else:
        raise SourceError(f"{path}: not a Trivy JSON report (expected an object with Results)")
    if not isinstance(results, list):
        raise SourceError(f"{path}: Results: expected a list")
    findings = []
    for result in results:
        target = str(result.get("Target", "")) if isinstance(result, dict) else ""
        for vuln in (result.get("Vulnerabilities") or []) if isinstance(result, dict) else []:
            vuln_id = vuln.get("VulnerabilityID") or vuln.get("PkgName") or "unknown"
            finding: dict[str, Any] = {
                "id": str(vuln_id),
                "severity": severity(vuln.get("Severity")),
                "tool": "Trivy",
                "rule": str(vuln_id),
                "message": str(vuln.get("Title") or vuln.get("Description") or "")[:1000],
                "package": str(vuln.get("PkgName", "")),
                "installed_version": str(vuln.get("InstalledVersion", "")),
                "fixed_version": vuln.get("FixedVersion") or None,
            }
            if target:
                finding["location"] = {"path": target}
            findings.append(finding)
    return findings


def parse_grype(path: Path) -> list[dict[str, Any]]:
    """`grype -o json`: one match per vulnerable package."""
    report = read_json(path)
    if not isinstance(report, dict) or not isinstance(report.get("matches"), list):
        raise SourceError(f"{path}: not a Grype JSON report (expected an object with matches)")
    findings = []
    for match in report["matches"]:
        vuln = match.get("vulnerability") or {}
        artifact = match.get("artifact") or {}
        fix = vuln.get("fix") or {}
        versions = fix.get("versions") or []
        finding: dict[str, Any] = {
            "id": str(vuln.get("id", "unknown")),
            "severity": severity(vuln.get("severity")),
            "tool": "Grype",
            "rule": str(vuln.get("id", "unknown")),
            "message": str(vuln.get("description") or "")[:1000],
            "package": str(artifact.get("name", "")),
            "installed_version": str(artifact.get("version", "")),
            "fixed_version": str(versions[0]) if fix.get("state") == "fixed" and versions else None,
        }
        locations = [loc.get("path") for loc in artifact.get("locations") or [] if loc.get("path")]
        if locations:
            finding["location"] = {"path": str(locations[0])}
        findings.append(finding)
    return findings


class TrivySource(FindingsSource):
    type_name = "trivy"
    parse = staticmethod(parse_trivy)


class GrypeSource(FindingsSource):
    type_name = "grype"
    parse = staticmethod(parse_grype)
