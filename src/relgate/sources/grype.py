"""Findings from Grype's own JSON (`grype -o json`): one match per vulnerable package.

The report must be Grype's: an object with a `descriptor` naming grype and a `matches`
array; each match's vulnerability and artifact are checked for what relgate reads,
and severities must be Grype's own words (`Critical`, …, `Negligible`, `Unknown`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relgate.sources.findings import FindingsSource, ScanReport, read_json, refuse_other_format
from relgate.sources.shape import Node

# Negligible is Grype's rating below Low; an absent severity is Grype's Unknown.
SEVERITIES = {"Critical": "critical", "High": "high", "Medium": "medium", "Low": "low", "Negligible": "low",
              "Unknown": "unknown"}
_MESSAGE_LIMIT = 1000


def parse_grype(path: Path) -> list[dict[str, Any]]:
    return list(read_grype(path).findings)


def read_grype(path: Path) -> ScanReport:
    """Read one Grype JSON report; any other document raises SourceError naming the element."""
    root = Node(read_json(path), path)
    if not root.is_object():
        root.expected("a Grype JSON report (an object with matches and descriptor)")
    refuse_other_format(root, "a Grype JSON report", "a Grype")
    descriptor = root.obj("descriptor", required=True)
    assert descriptor is not None
    if descriptor.string("name", required=True) != "grype":
        descriptor.need("name").expected('"grype"')
    findings = [_match(match) for match in root.objects("matches", required=True)]
    return ScanReport(("Grype",), tuple(findings))


def _match(match: Node) -> dict[str, Any]:
    vulnerability = match.obj("vulnerability", required=True)
    artifact = match.obj("artifact", required=True)
    assert vulnerability is not None and artifact is not None
    vuln_id = vulnerability.string("id", required=True) or ""
    severity = vulnerability.enum("severity", SEVERITIES)
    fix = vulnerability.obj("fix")
    versions = fix.strings("versions") if fix is not None else []
    state = fix.string("state") if fix is not None else None
    locations = [loc.string("path") for loc in artifact.objects("locations")]
    finding: dict[str, Any] = {
        "id": vuln_id,
        "severity": SEVERITIES[severity] if severity is not None else "unknown",
        "category": "vulnerability",
        "tool": "Grype",
        "rule": vuln_id,
        "message": (vulnerability.string("description") or "")[:_MESSAGE_LIMIT],
        "package": artifact.string("name", required=True) or "",
        "installed_version": artifact.string("version") or "",
        "fixed_version": versions[0] if state == "fixed" and versions else None,
    }
    paths = [p for p in locations if p]
    if paths:
        finding["location"] = {"path": paths[0]}
    return finding


class GrypeSource(FindingsSource):
    """`type: grype` — Grype JSON reports (`grype … -o json`)."""

    type_name = "grype"

    def read(self, path: Path, allow_failed_runs: bool) -> ScanReport:
        return read_grype(path)
