"""SARIF 2.1.0 that GitHub code scanning accepts: every result located, fingerprinted and tied to a described rule.

A result sits where its evidence was (the finding's file and line) or, when no
evidence file applies (tests, approvals, freeze, checks, SLOs), on the line of
the config setting it violates. A violation that names several located findings
becomes one result per finding, since code scanning shows only a result's first
location. Tool errors are `toolExecutionNotifications` of an unsuccessful
invocation, which is how code scanning learns that the gate did not decide.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from relgate import __version__
from relgate.decision import Decision, Violation
from relgate.output.escape import json_text, plain, visible
from relgate.output.interface import Format
from relgate.output.rule_help import SECURITY_SEVERITY, help_for

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000  # code scanning refuses a run with more
_MAPPED_URI = re.compile(r"^(?:file|https?)://")  # the schemes code scanning maps; any other is a path
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"
_PATH_SAFE = "/!$&'()*+,;=@~"  # RFC 3986 path characters; `:` is encoded so no scheme appears
_SEVERITY_ORDER = ("critical", "high", "medium", "low")


def artifact_uri(path: str) -> str:
    """A URI-reference for a path as a scanner or the gate wrote it: relative paths stay relative to the repository."""
    shown = visible(path)
    if _DRIVE.match(shown):
        return "file:///" + quote(shown.replace("\\", "/"), safe="/:")
    if _MAPPED_URI.match(shown):
        return quote(shown, safe=_URI_SAFE)
    posix = shown.replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    if posix.startswith("/"):
        return "file://" + quote(posix, safe=_PATH_SAFE)
    return quote(posix, safe=_PATH_SAFE) or "."


def _positive(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def region(place: Mapping[str, Any]) -> dict[str, int]:
    """All four of startLine, startColumn, endLine, endColumn, as code scanning asks; one character when unknown."""
    line = _positive(place.get("line"), 1)
    column = _positive(place.get("column"), 1)
    end_line = max(_positive(place.get("end_line"), line), line)
    end_column = _positive(place.get("end_column"), column + 1)
    if end_line == line:
        end_column = max(end_column, column + 1)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def fingerprint(decision: Decision, item: Violation, place: Mapping[str, Any], uri: str) -> str:
    """Stable across runs: the stream, the rule and what it points at, never the message or the line number."""
    anchor = str(place.get("finding") or place.get("setting") or "")
    key = [decision.service, decision.environment, item.policy, item.id, anchor, uri]
    return hashlib.sha256(json.dumps(key, ensure_ascii=True).encode()).hexdigest()


def rule_id_of(item: Violation) -> str:
    """The rule id as code scanning shows it; a rule always has one."""
    return visible(item.id).strip() or visible(item.policy).strip() or "relgate.unnamed"


def _result(decision: Decision, item: Violation, level: str, rule_index: int,
            place: Mapping[str, Any]) -> dict[str, Any]:
    uri = artifact_uri(str(place.get("path") or "relgate.yaml"))
    digest = fingerprint(decision, item, place, uri)
    finding = place.get("finding")
    properties: dict[str, Any] = {"policy": item.policy, "enforcement": item.enforcement,
                                  "details": dict(item.details)}
    for key in ("finding", "setting"):
        if place.get(key):
            properties[key] = str(place[key])
    message = item.msg if item.msg.strip() else f"{rule_id_of(item)} ({'denied' if level == 'error' else 'warned'})"
    return {
        "ruleId": rule_id_of(item),
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": f"{finding}: {message}" if finding else message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region(place)}}],
        "partialFingerprints": {"primaryLocationLineHash": f"{digest[:16]}:1", "relgate/v1": digest},
        "properties": properties,
    }


def _severity_of(items: list[Violation]) -> str | None:
    seen = {str(v.details.get("severity", "")).lower() for v in items}
    return next((SECURITY_SEVERITY[s] for s in _SEVERITY_ORDER if s in seen), None)


def _rule(rule_id: str, items: list[Violation], levels: set[str]) -> dict[str, Any]:
    first = items[0]
    about = help_for(first.id, first.policy)
    level = "error" if "error" in levels else "warning"
    properties: dict[str, Any] = {"tags": list(about.tags), "precision": "very-high", "policy": first.policy,
                                  "enforcement": first.enforcement}
    score = _severity_of(items) if "security" in about.tags else None
    if score is not None:
        properties["security-severity"] = score
    else:
        properties["problem.severity"] = level
    full = f"{about.text} Policy package {first.policy}, rule {first.id}."
    return {
        "id": rule_id,
        "name": re.sub(r"[^A-Za-z0-9]+", "_", rule_id).strip("_") or "rule",
        "shortDescription": {"text": about.summary},
        "fullDescription": {"text": full[:1000]},
        "help": {"text": full, "markdown": f"**{about.summary}**\n\n{about.text}"},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }


def _run_id(decision: Decision) -> str:
    """`relgate/<service>/<environment>/`: the category code scanning keeps apart, one per gate stream."""
    parts = [re.sub(r"[/\s]+", "_", part) or "-" for part in (decision.service, decision.environment)]
    return f"relgate/{parts[0]}/{parts[1]}/{decision.audit_id or ''}"


class SarifFormat(Format):
    name = "sarif"

    def render(self, decision: Decision, *, colour: bool = False) -> str:
        by_rule: dict[str, list[Violation]] = {}
        levels: dict[str, set[str]] = {}
        graded = [(item, "error") for item in decision.violations] + [(item, "warning") for item in decision.warnings]
        for item, level in graded:
            by_rule.setdefault(rule_id_of(item), []).append(item)
            levels.setdefault(rule_id_of(item), set()).add(level)
        index = {rule_id: i for i, rule_id in enumerate(by_rule)}
        results: list[dict[str, Any]] = []
        seen: set[str] = set()
        dropped = 0
        for item, level in graded:
            for place in item.locations or ({},):
                result = _result(decision, item, level, index[rule_id_of(item)], place)
                digest = result["partialFingerprints"]["relgate/v1"]
                if digest in seen:
                    continue
                seen.add(digest)
                if len(results) >= MAX_RESULTS:
                    dropped += 1
                    continue
                results.append(result)
        notes = [{"level": "error", "message": {"text": error}, "descriptor": {"id": "relgate.error"}}
                 for error in decision.errors]
        if dropped:
            notes.append({"level": "warning", "message": {"text": f"{dropped} result(s) left out: code scanning "
                                                                  f"accepts at most {MAX_RESULTS} per run"},
                          "descriptor": {"id": "relgate.truncated"}})
        run = {
            "tool": {"driver": {"name": "relgate", "version": __version__, "semanticVersion": __version__,
                                "rules": [_rule(r, items, levels[r]) for r, items in by_rule.items()]}},
            "automationDetails": {"id": _run_id(decision)},
            "invocations": [{"executionSuccessful": not decision.errors, "toolExecutionNotifications": notes}],
            "results": results,
            "properties": {
                "decision": decision.verdict.value,
                "allowed": decision.allowed,
                "mode": decision.mode.value,
                "service": decision.service,
                "environment": decision.environment,
                "evaluated_at": decision.evaluated_at,
                "policy_digest": decision.policy_digest,
                "engine": decision.engine,
                "audit_id": decision.audit_id,
                "waived": [w.to_json() for w in decision.waived],
                "overrides": [o.to_json() for o in decision.overrides],
            },
        }
        log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
        return json_text(_shown(log)) + "\n"


def _shown(value: Any) -> Any:
    """Every string as a code-scanning UI may show it: controls and bidi characters visible."""
    if isinstance(value, str):
        return plain(value)
    if isinstance(value, dict):
        return {visible(str(k)): _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value
