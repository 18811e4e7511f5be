"""Findings from SARIF 2.1.0 logs, whichever tool wrote them (CodeQL, Trivy, Semgrep, Grype…).

SARIF leaves severity and identity to convention. This module follows GitHub code
scanning's: a `security-severity` score in CVSS bands when there is one, else the
result's level; and a finding is named by its CVE/GHSA when the rule makes one evident,
so a waiver can name the advisory whichever scanner reported it.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relgate.context import severity_counts
from relgate.errors import SourceError
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.sources.paths import matched_files

_CVE = re.compile(r"(?<![A-Za-z0-9])CVE-\d{4}-\d{4,}(?!\d)", re.IGNORECASE)
_GHSA = re.compile(
    r"(?<![A-Za-z0-9])GHSA((?:-[23456789cfghjmpqrvwx]{4}){3})(?![A-Za-z0-9])", re.IGNORECASE
)
# SARIF's default level is "warning" when neither the result nor its rule gives one.
_LEVELS = {"error": "high", "warning": "medium", "note": "low", "none": "low"}
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d+)\}")
_MESSAGE_LIMIT = 1000


@dataclass(frozen=True)
class SarifReport:
    """One SARIF file: the tools that wrote its runs and the findings that still count."""

    tools: tuple[str, ...]
    findings: tuple[dict[str, Any], ...]


def cvss_band(score: float) -> str:
    """GitHub's bands for `security-severity`: 9.0 critical, 7.0 high, 4.0 medium, else low."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low"


def parse_sarif(path: Path) -> list[dict[str, Any]]:
    """Findings in one SARIF file; suppressed, fixed and non-failing results are left out."""
    return list(read_sarif(path).findings)


def read_sarif(path: Path) -> SarifReport:
    """Read one SARIF file into its tools and findings; a malformed log raises SourceError."""
    tools: list[str] = []
    findings: list[dict[str, Any]] = []
    # Beyond the envelope, parts of the wrong shape are skipped: one odd result from one
    # tool should not blind the gate to every other finding in the log.
    for run in _load(path):
        if not isinstance(run, dict):
            continue
        name = str(_obj(_obj(run.get("tool")).get("driver")).get("name") or "unknown")
        tools.append(name)
        for result in _seq(run.get("results")):
            finding = _finding(result, run, name) if isinstance(result, dict) else None
            if finding is not None:
                findings.append(finding)
    return SarifReport(tuple(dict.fromkeys(tools)), tuple(findings))


def _load(path: Path) -> list[Any]:
    try:
        # json.loads on bytes honours a BOM and UTF-16/32, which Windows tools sometimes write.
        log = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not valid JSON: undecodable byte at {exc.start}") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not isinstance(log, dict):
        kind = type(log).__name__
        raise SourceError(f"{path}: not a SARIF log (expected a JSON object, got {kind})")
    if log.get("version") != "2.1.0":
        raise SourceError(f"{path}: version: expected SARIF 2.1.0, got {log.get('version')!r}")
    runs = log.get("runs")
    if not isinstance(runs, list):
        raise SourceError(f"{path}: runs: expected a list, got {type(runs).__name__}")
    return runs


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _seq(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _index(value: Any, length: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < length:
        return value
    return None


def resolve_rule(result: Mapping[str, Any], tool: Mapping[str, Any]) -> dict[str, Any]:
    """The reportingDescriptor a result points at, or {} when it names none we can find.

    The index wins over the id: CodeQL logs repeat one rule id across query packs
    with different severities, and only `ruleIndex` says which one fired.
    """
    driver = _obj(tool.get("driver"))
    extensions = [_obj(e) for e in _seq(tool.get("extensions"))]
    ref = _obj(result.get("rule"))
    component = _component(_obj(ref.get("toolComponent")), driver, extensions)
    rules = _seq(component.get("rules"))
    for candidate in (result.get("ruleIndex"), ref.get("index")):
        index = _index(candidate, len(rules))
        if index is not None:
            return _obj(rules[index])
    rule_id = result.get("ruleId") or ref.get("id")
    if isinstance(rule_id, str):
        for searched in (component, driver, *extensions):
            for rule in _seq(searched.get("rules")):
                if _obj(rule).get("id") == rule_id:
                    return _obj(rule)
    return {}


def _component(
    ref: Mapping[str, Any], driver: dict[str, Any], extensions: list[dict[str, Any]]
) -> dict[str, Any]:
    """A toolComponentReference indexes `tool.extensions`; by name or guid, maybe the driver."""
    index = _index(ref.get("index"), len(extensions))
    if index is not None:
        return extensions[index]
    for key in ("guid", "name"):
        wanted = ref.get(key)
        if wanted is None:
            continue
        for component in (driver, *extensions):
            if component.get(key) == wanted:
                return component
    return driver


def _score(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        score = float(value)
    except ValueError:
        return None
    return score if math.isfinite(score) and score >= 0.0 else None


def _severity(result: Mapping[str, Any], rule: Mapping[str, Any]) -> str:
    for properties in (_obj(result.get("properties")), _obj(rule.get("properties"))):
        score = _score(properties.get("security-severity"))
        if score is not None:
            return cvss_band(score)
    level = result.get("level") or _obj(rule.get("defaultConfiguration")).get("level") or "warning"
    return _LEVELS.get(str(level), "unknown")


def _counts(result: Mapping[str, Any]) -> bool:
    """Whether a result is a live failure: not a pass, not suppressed, not fixed since baseline."""
    if (result.get("kind") or "fail") != "fail" or result.get("baselineState") == "absent":
        return False
    suppressions = _seq(result.get("suppressions"))
    return not any(_obj(s).get("status", "accepted") == "accepted" for s in suppressions)


def _advisory(text: str) -> str | None:
    cve = _CVE.search(text)
    if cve:
        return cve.group(0).upper()
    ghsa = _GHSA.search(text)
    return f"GHSA{ghsa.group(1).lower()}" if ghsa else None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _finding_id(rule_id: str | None, rule: Mapping[str, Any], message: str) -> str:
    """The CVE/GHSA when the rule id or the rule's metadata names one, else the rule id."""
    places = [rule_id or "", str(rule.get("name") or "")]
    places += [*_strings(rule.get("properties")), str(rule.get("helpUri") or "")]
    for text in places:
        advisory = _advisory(text)
        if advisory:
            return advisory
    # Without any rule id (gitleaks 7), the message is the most specific name left.
    return rule_id or message.split("\n", 1)[0][:200] or "unknown"


def _message(result: Mapping[str, Any], rule: Mapping[str, Any]) -> str:
    message = _obj(result.get("message"))
    text = message.get("text")
    if not isinstance(text, str):
        template = _obj(_obj(rule.get("messageStrings")).get(str(message.get("id")))).get("text")
        if isinstance(template, str):
            text = _fill(template, [str(a) for a in _seq(message.get("arguments"))])
        else:
            short = _obj(rule.get("shortDescription")).get("text")
            text = short or _obj(rule.get("fullDescription")).get("text")
    return str(text or "")[:_MESSAGE_LIMIT]


def _fill(template: str, arguments: list[str]) -> str:
    """SARIF message strings: {0}-style placeholders, with {{ and }} for literal braces."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        index = int(match.group(1))
        return arguments[index] if index < len(arguments) else match.group(0)

    return _PLACEHOLDER.sub(replace, template)


def _location(result: Mapping[str, Any], run: Mapping[str, Any]) -> dict[str, Any]:
    for location in _seq(result.get("locations")):
        physical = _obj(_obj(location).get("physicalLocation"))
        if not physical:
            continue
        artifact = _obj(physical.get("artifactLocation"))
        uri = artifact.get("uri")
        artifacts = _seq(run.get("artifacts"))
        index = _index(artifact.get("index"), len(artifacts))
        if not isinstance(uri, str) and index is not None:
            uri = _obj(_obj(artifacts[index]).get("location")).get("uri")
        out: dict[str, Any] = {}
        if isinstance(uri, str) and uri:
            out["path"] = uri
        line = _obj(physical.get("region")).get("startLine")
        if isinstance(line, int) and not isinstance(line, bool):
            out["line"] = line
        return out
    return {}


def _finding(
    result: Mapping[str, Any], run: Mapping[str, Any], tool_name: str
) -> dict[str, Any] | None:
    if not _counts(result):
        return None
    rule = resolve_rule(result, _obj(run.get("tool")))
    raw_id = result.get("ruleId") or _obj(result.get("rule")).get("id") or rule.get("id")
    rule_id = str(raw_id) if raw_id else None
    message = _message(result, rule)
    finding: dict[str, Any] = {
        "id": _finding_id(rule_id, rule, message),
        "severity": _severity(result, rule),
        "tool": tool_name,
    }
    if rule_id:
        finding["rule"] = rule_id
    finding["message"] = message
    location = _location(result, run)
    if location:
        finding["location"] = location
    return finding


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path, base)).as_posix()


class SarifSource(Source):
    """`type: sarif` — every SARIF log the `paths` globs match, as vulnerability findings."""

    type_name = "sarif"

    def collect(self, request: GatherRequest) -> Evidence:
        findings: list[dict[str, Any]] = []
        reports: list[dict[str, Any]] = []
        for path in matched_files(self.spec):
            report = read_sarif(path)
            findings.extend(report.findings)
            reports.append({
                "path": _relative(path, self.spec.base_dir),
                "tool": ", ".join(report.tools),
                "findings": len(report.findings),
            })
        counts = severity_counts(findings)
        return {"vulnerabilities": {"findings": findings, "counts": counts, "reports": reports}}
