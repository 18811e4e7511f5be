"""SARIF 2.1.0 for code scanning: one rule per policy rule id, results located where the evidence was."""

from __future__ import annotations

import json
from typing import Any

from relgate import __version__
from relgate.decision import Decision, Violation
from relgate.output.interface import Format

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _result(item: Violation, level: str, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": item.id,
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
                if item.id not in index:
                    index[item.id] = len(rules)
                    rules.append({
                        "id": item.id,
                        "name": item.id.replace(".", "_"),
                        "shortDescription": {"text": f"{item.policy}: {item.id}"},
                        "properties": {"policy": item.policy, "enforcement": item.enforcement},
                    })
                results.append(_result(item, level, index[item.id]))
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
        return json.dumps(log, indent=2) + "\n"
