"""Findings from SARIF 2.1.0 logs, whichever tool wrote them (CodeQL, Trivy, Semgrep, Grype…)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relgate.context import severity_counts
from relgate.errors import SourceError
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.sources.paths import matched_files

_ADVISORY = re.compile(r"\b(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})\b", re.IGNORECASE)
# SARIF's default level is "warning" when neither the result nor its rule says otherwise.
_LEVELS = {"error": "high", "warning": "medium", "note": "low", "none": "low"}


def cvss_band(score: float) -> str:
    """GitHub's bands for `security-severity`: 9.0 critical, 7.0 high, 4.0 medium, else low."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low"


def parse_sarif(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """Return (tool names, findings) for one SARIF file; suppressed and non-failing results are left out."""
    try:
        log = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    if not isinstance(log, dict):
        raise SourceError(f"{path}: not a SARIF log (expected a JSON object)")
    if log.get("version") != "2.1.0":
        raise SourceError(f"{path}: version: expected SARIF 2.1.0, got {log.get('version')!r}")
    runs = log.get("runs")
    if not isinstance(runs, list):
        raise SourceError(f"{path}: runs: expected a list")
    tools: list[str] = []
    findings: list[dict[str, Any]] = []
    for run in runs:
        tool = _dict(run.get("tool"))
        driver = _dict(tool.get("driver"))
        tools.append(str(driver.get("name", "unknown")))
        components = [driver, *(_dict(e) for e in tool.get("extensions") or [])]
        for result in run.get("results") or []:
            finding = _finding(_dict(result), components, tools[-1])
            if finding is not None:
                findings.append(finding)
    return ", ".join(dict.fromkeys(tools)), findings


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _rule(result: Mapping[str, Any], components: list[dict[str, Any]]) -> dict[str, Any]:
    """Resolve the result's rule: ruleIndex (and toolComponent) first, since ids repeat across packs."""
    ref = _dict(result.get("rule"))
    index = result.get("ruleIndex", ref.get("index"))
    component = components[0]
    tc_index = _dict(ref.get("toolComponent")).get("index")
    if isinstance(tc_index, int) and 0 <= tc_index + 1 < len(components):
        component = components[tc_index + 1]
    rules = component.get("rules") or []
    if isinstance(index, int) and 0 <= index < len(rules):
        return _dict(rules[index])
    rule_id = result.get("ruleId", ref.get("id"))
    for candidate in components:
        for rule in candidate.get("rules") or []:
            if _dict(rule).get("id") == rule_id:
                return _dict(rule)
    return {}


def _severity(result: Mapping[str, Any], rule: Mapping[str, Any]) -> str:
    for props in (_dict(result.get("properties")), _dict(rule.get("properties"))):
        score = props.get("security-severity")
        if score is not None:
            try:
                return cvss_band(float(score))
            except (TypeError, ValueError):
                continue
    level = result.get("level") or _dict(rule.get("defaultConfiguration")).get("level") or "warning"
    return _LEVELS.get(str(level), "unknown")


def _suppressed(result: Mapping[str, Any]) -> bool:
    suppressions = result.get("suppressions") or []
    return any(_dict(s).get("status", "accepted") == "accepted" for s in suppressions)


def _finding(result: Mapping[str, Any], components: list[dict[str, Any]], tool: str) -> dict[str, Any] | None:
    if result.get("kind", "fail") != "fail" or _suppressed(result):
        return None
    rule = _rule(result, components)
    rule_id = str(result.get("ruleId") or _dict(result.get("rule")).get("id") or rule.get("id") or "unknown")
    message = _dict(result.get("message")).get("text") or _dict(rule.get("shortDescription")).get("text") or ""
    advisory = _ADVISORY.search(rule_id) or _ADVISORY.search(str(rule.get("name", "")))
    finding: dict[str, Any] = {
        "id": advisory.group(1).upper() if advisory else rule_id,
        "severity": _severity(result, rule),
        "tool": tool,
        "rule": rule_id,
        "message": str(message)[:1000],
    }
    location = _location(result)
    if location:
        finding["location"] = location
    return finding


def _location(result: Mapping[str, Any]) -> dict[str, Any]:
    for loc in result.get("locations") or []:
        physical = _dict(_dict(loc).get("physicalLocation"))
        uri = _dict(physical.get("artifactLocation")).get("uri")
        if uri:
            out: dict[str, Any] = {"path": str(uri)}
            line = _dict(physical.get("region")).get("startLine")
            if isinstance(line, int):
                out["line"] = line
            return out
    return {}


class SarifSource(Source):
    type_name = "sarif"

    def collect(self, request: GatherRequest) -> Evidence:
        findings: list[dict[str, Any]] = []
        reports = []
        for path in matched_files(self.spec):
            tool, found = parse_sarif(path)
            findings.extend(found)
            reports.append({"path": os.path.relpath(path, self.spec.base_dir), "tool": tool, "findings": len(found)})
        return {"vulnerabilities": {"counts": severity_counts(findings), "findings": findings, "reports": reports}}
