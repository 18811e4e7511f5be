"""What every scan-report source shares: one report per file, its findings, and the tool failures it admits."""

from __future__ import annotations

import os
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from relgate.context import severity_counts
from relgate.errors import SourceError
from relgate.sources.evidence import load_json
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.sources.paths import matched_files
from relgate.sources.shape import Node

CATEGORIES = ("vulnerability", "secret", "misconfiguration")


@dataclass(frozen=True)
class ScanReport:
    """One report file: the tools that wrote it, the findings that count, and tool failures accepted."""

    tools: tuple[str, ...]
    findings: tuple[dict[str, Any], ...]
    failures: tuple[str, ...] = ()


def read_json(path: Path) -> Any:
    """Parse a JSON report within the evidence limits; errors name the file (and line and column)."""
    return load_json(path)


def other_format(document: Any) -> str | None:
    """Which scanner format a document is, when it is recognisably one, for a helpful error."""
    if not isinstance(document, dict):
        return None
    if "runs" in document and "version" in document:
        return "a SARIF log (use type: sarif)"
    if "matches" in document and "descriptor" in document:
        return "a Grype report (use type: grype)"
    if "SchemaVersion" in document or "ClusterName" in document:
        return "a Trivy report (use type: trivy)"
    return None


def refuse_other_format(root: Node, expected: str, own: str) -> None:
    """Stop early, and say so, when a report of another scanner was given to this one."""
    found = other_format(root.value)
    if found is not None and not found.startswith(own):
        root.error(f"expected {expected}, found {found}")


class FindingsSource(Source):
    """A source whose files each parse into a ScanReport; together they fill the `vulnerabilities` key."""

    accepts_failed_runs: ClassVar[bool] = False

    @abstractmethod
    def read(self, path: Path, allow_failed_runs: bool) -> ScanReport:
        """Read one report; malformed input, or a failure the tool reports, raises SourceError."""

    def allow_failed_runs(self) -> bool:
        if not self.accepts_failed_runs:
            return False
        value = self.spec.option("allow_failed_runs", False)
        if not isinstance(value, bool):
            name = self.spec.name
            raise SourceError(f"source {name!r}: allow_failed_runs: expected true or false, found {value!r}")
        return value

    def collect(self, request: GatherRequest) -> Evidence:
        accept_failures = self.allow_failed_runs()
        findings: list[dict[str, Any]] = []
        reports: list[dict[str, Any]] = []
        for path in matched_files(self.spec):
            report = self.read(path, accept_failures)
            findings.extend(report.findings)
            entry: dict[str, Any] = {
                "path": Path(os.path.relpath(path, self.spec.base_dir)).as_posix(),
                "tool": ", ".join(report.tools),
                "findings": len(report.findings),
            }
            if report.failures:
                entry["failed_runs"] = len(report.failures)
            reports.append(entry)
        return {"vulnerabilities": {"counts": severity_counts(findings), "findings": findings, "reports": reports}}
