"""Value-stream numbers from gate records: pass rate, time blocked, approval wait, lead time, frequency."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from relgate.timeutil import format_ns, parse_ns

DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class Gate:
    """The facts one record contributes to the report."""

    at_ns: int
    service: str
    environment: str
    decision: str
    commit: str
    violations: tuple[tuple[str, str], ...]
    waivers: tuple[str, ...]
    overrides: tuple[Mapping[str, Any], ...]
    approval_wait_s: float | None
    committed_at_ns: int | None


def gate_of(record: Mapping[str, Any]) -> Gate | None:
    """Read one record; records of another shape are left out of the report."""
    custom = record.get("data", {}).get("customData", {})
    log, stream = custom.get("decision_log"), custom.get("value_stream", {})
    if not isinstance(log, dict) or not isinstance(log.get("result"), dict):
        return None
    result, context = log["result"], log.get("input") or {}
    try:
        at_ns = int(context.get("evaluated_at_ns") or parse_ns(str(result.get("evaluated_at"))))
    except ValueError:
        return None
    change = context.get("change") or {}
    facts = context.get("change_facts") or {}
    committed = change.get("committed_at_ns") or facts.get("committed_at_ns")
    return Gate(
        at_ns=at_ns,
        service=str(result.get("service") or stream.get("service") or ""),
        environment=str(result.get("environment") or stream.get("environment") or ""),
        decision=str(result.get("decision", "error")),
        commit=str(stream.get("commit") or change.get("commit") or ""),
        violations=tuple((str(v.get("policy")), str(v.get("id"))) for v in result.get("violations", [])),
        waivers=tuple(dict.fromkeys(str(w.get("waiver_id")) for w in result.get("waived", []))),
        overrides=tuple(result.get("overrides", [])),
        approval_wait_s=stream.get("approval_wait_seconds"),
        committed_at_ns=int(committed) if isinstance(committed, int) else None,
    )


def _spread(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "p90": None, "count": 0}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, max(0, math.ceil(0.9 * len(ordered)) - 1))]
    return {"median": statistics.median(ordered), "p90": p90, "count": len(ordered)}


def build_report(
    records: Iterable[Mapping[str, Any]],
    *,
    since_ns: int | None = None,
    service: str | None = None,
    environment: str | None = None,
) -> dict[str, Any]:
    """The report as a JSON-ready document (the `json` format prints it as is)."""
    gates = sorted(
        (g for g in map(gate_of, records) if g is not None
         and (since_ns is None or g.at_ns >= since_ns)
         and (service is None or g.service == service)
         and (environment is None or g.environment == environment)),
        key=lambda g: g.at_ns,
    )
    decisions = Counter(g.decision for g in gates)
    days: dict[str, Counter[str]] = defaultdict(Counter)
    for gate in gates:
        days[format_ns(gate.at_ns)[:10]][gate.decision] += 1
    top = Counter(v for g in gates for v in g.violations)
    used = Counter(w for g in gates for w in g.waivers)
    allowed = [g for g in gates if g.decision == "allow"]
    span_weeks = max((gates[-1].at_ns - gates[0].at_ns) / (7 * DAY_NS), 1.0) if gates else 1.0
    return {
        "runs": len(gates),
        "decisions": {k: decisions.get(k, 0) for k in ("allow", "deny", "error")},
        "pass_rate": (decisions.get("allow", 0) / len(gates)) if gates else None,
        "first": format_ns(gates[0].at_ns) if gates else None,
        "last": format_ns(gates[-1].at_ns) if gates else None,
        "by_day": [{"day": day, "runs": sum(c.values()), "allow": c.get("allow", 0), "deny": c.get("deny", 0),
                    "error": c.get("error", 0)} for day, c in sorted(days.items())],
        "top_violations": [{"policy": p, "id": i, "count": n} for (p, i), n in top.most_common(10)],
        "waivers_used": [{"waiver_id": w, "count": n} for w, n in used.most_common()],
        "overrides": [{"actor": o.get("actor"), "reason": o.get("reason"), "policy": o.get("policy"),
                       "at": format_ns(g.at_ns)} for g in gates for o in g.overrides],
        "time_blocked_seconds": _spread(_time_blocked(gates)),
        "approval_wait_seconds": _spread([g.approval_wait_s for g in allowed if g.approval_wait_s is not None]),
        "lead_time_seconds": _spread([(g.at_ns - g.committed_at_ns) / 1e9 for g in allowed
                                      if g.committed_at_ns is not None]),
        "deploy_frequency_per_week": len(allowed) / span_weeks if gates else 0.0,
    }


def _time_blocked(gates: list[Gate]) -> list[float]:
    """For each commit: from its first deny to the next allow of the same commit."""
    blocked_since: dict[tuple[str, str, str], int] = {}
    spans: list[float] = []
    for gate in gates:
        if not gate.commit:
            continue
        key = (gate.service, gate.environment, gate.commit)
        if gate.decision == "deny":
            blocked_since.setdefault(key, gate.at_ns)
        elif gate.decision == "allow" and key in blocked_since:
            spans.append((gate.at_ns - blocked_since.pop(key)) / 1e9)
    return spans
