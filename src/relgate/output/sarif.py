"""SARIF 2.1.0 for code scanning: one rule per policy rule id, results located where the evidence was."""

from __future__ import annotations

from typing import Any

from relgate import __version__
from relgate.decision import Decision, Violation
from relgate.output.escape import json_text, plain, visible
from relgate.output.interface import Format

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _result(item: Violation, level: str, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": visible(item.id),
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": item.msg},
        "properties": {"policy": item.policy, "enforcement": item.enforcement, "details": dict(item.details)},
    }
    locations = []
    for place in item.locations:
        region = {"startLine": place["line"]} if isinstance(place.get("line"), int) and place["line"] > 0 else None
        physical: dict[str, Any] = {"artifactLocation": {"uri": str(place["path"])}}
        if region:
            physical["region"] = region
        locations.append({"physicalLocation": physical})
    if locations:
        result["locations"] = locations
    return result


class SarifFormat(Format):
    name = "sarif"

    def render(self, decision: Decision, *, colour: bool = False) -> str:
        rules: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        results: list[dict[str, Any]] = []
        for items, level in ((decision.violations, "error"), (decision.warnings, "warning")):
            for item in items:
                rule_id = visible(item.id)
                if rule_id not in index:
                    index[rule_id] = len(rules)
                    rules.append({
                        "id": rule_id,
                        "name": rule_id.replace(".", "_"),
                        "shortDescription": {"text": f"{item.policy}: {item.id}"},
                        "properties": {"policy": item.policy, "enforcement": item.enforcement},
                    })
                results.append(_result(item, level, index[rule_id]))
        log = {
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "relgate", "version": __version__, "rules": rules}},
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
                    "errors": list(decision.errors),
                    "waived": [w.to_json() for w in decision.waived],
                },
            }],
        }
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
