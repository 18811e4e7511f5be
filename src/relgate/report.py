"""The auditor's report from gate records: per stream, what ran, what was blocked and why, who overrode or
waived what, and the value-stream numbers (DORA's four keys, time blocked, approval wait)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from relgate.dora import DEFINITIONS, keys, matching, seen_deployments, spread
from relgate.incidents import Incident
from relgate.timeutil import format_ns, parse_ns


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
    audit_id: str = ""
    mode: str = "enforce"
    reasons: tuple[Mapping[str, Any], ...] = ()
    errors: tuple[str, ...] = ()
    waived: tuple[Mapping[str, Any], ...] = ()
    deployments: Mapping[str, Any] | None = None  # the context's `deployments` block, not the whole context


def gate_of(record: Mapping[str, Any]) -> Gate | None:
    """Read one record; records of another shape are left out of the report, and so are list members
    of another shape (a hostile or hand-edited record ends as what can be read of it, never a crash)."""
    custom = _mapping(_mapping(record.get("data")).get("customData"))
    log, stream = _mapping(custom.get("decision_log")), _mapping(custom.get("value_stream"))
    if not isinstance(log.get("result"), dict):
        return None
    result, context = log["result"], _mapping(log.get("input"))
    try:
        at_ns = int(context.get("evaluated_at_ns") or parse_ns(str(result.get("evaluated_at"))))
    except (ValueError, TypeError, OverflowError):
        return None
    change, facts = _mapping(context.get("change")), _mapping(context.get("change_facts"))
    committed = change.get("committed_at_ns") or facts.get("committed_at_ns")
    violations = _objects(result.get("violations"))
    waived = _objects(result.get("waived"))
    errors = result.get("errors")
    return Gate(
        at_ns=at_ns,
        service=str(result.get("service") or stream.get("service") or ""),
        environment=str(result.get("environment") or stream.get("environment") or ""),
        decision=str(result.get("decision", "error")),
        commit=str(stream.get("commit") or change.get("commit") or ""),
        violations=tuple((str(v.get("policy")), str(v.get("id"))) for v in violations),
        waivers=tuple(dict.fromkeys(str(w.get("waiver_id")) for w in waived)),
        overrides=_objects(result.get("overrides")),
        approval_wait_s=stream.get("approval_wait_seconds"),
        committed_at_ns=int(committed) if isinstance(committed, int) else None,
        audit_id=str(record.get("id") or result.get("audit_id") or ""),
        mode=str(result.get("mode") or "enforce"),
        reasons=tuple({"policy": str(v.get("policy")), "id": str(v.get("id")), "msg": str(v.get("msg"))}
                      for v in violations),
        errors=tuple(str(e) for e in errors) if isinstance(errors, list) else (),
        waived=waived,
        deployments={"deployments": context["deployments"]} if isinstance(context.get("deployments"), dict)
        else None,
    )


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> tuple[Mapping[str, Any], ...]:
    return tuple(v for v in value if isinstance(v, dict)) if isinstance(value, list) else ()


def _where(gate: Gate) -> dict[str, Any]:
    return {"at": format_ns(gate.at_ns), "service": gate.service, "environment": gate.environment,
            "commit": gate.commit, "audit_id": gate.audit_id}


def _time_blocked(gates: Sequence[Gate]) -> list[float]:
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


def _numbers(gates: Sequence[Gate], incidents: Sequence[Incident]) -> dict[str, Any]:
    """Everything the report measures over one set of gates (a stream, or all of them)."""
    decisions = Counter(g.decision for g in gates)
    allowed = [g for g in gates if g.decision == "allow"]
    first_allowed: dict[tuple[str, str, str], int] = {}
    for gate in allowed:
        first_allowed.setdefault((gate.service, gate.environment, gate.commit), gate.at_ns)
    deployments = seen_deployments(((g.service, g.environment, g.deployments) for g in gates if g.deployments),
                                   first_allowed)
    lead = [(g.at_ns - g.committed_at_ns) / 1e9 for g in allowed if g.committed_at_ns is not None]
    span = gates[-1].at_ns - gates[0].at_ns if gates else 0
    gated = [(g.at_ns, g.commit, g.service, g.environment) for g in allowed if g.mode == "enforce"]
    dora = keys(deployments, gated, incidents, lead, span)
    return numbers(len(gates), decisions, _time_blocked(gates),
                   [g.approval_wait_s for g in allowed if g.approval_wait_s is not None], dora)


def numbers(runs: int, decisions: Mapping[str, int], blocked: Sequence[float], waits: Sequence[Any],
            dora: Mapping[str, Any]) -> dict[str, Any]:
    """The measures of one set of gates (a stream, or all of them) in the report's layout."""
    return {
        "runs": runs,
        "decisions": {k: decisions.get(k, 0) for k in ("allow", "deny", "error")},
        "pass_rate": (decisions.get("allow", 0) / runs) if runs else None,
        "time_blocked_seconds": spread(blocked),
        "approval_wait_seconds": spread(waits),
        "lead_time_seconds": dora["lead_time_seconds"],
        "deploy_frequency_per_week": dora["deploy_frequency_per_week"],
        "change_failure_rate": dora["change_failure_rate"],
        "time_to_restore_seconds": dora["time_to_restore_seconds"],
        "deployments": {
            "basis": dora["basis"], "count": dora["deployments"], "failed": dora["failed_deployments"],
            "incidents": dora["incidents"], "open_incidents": dora["open_incidents"],
            "ungated": [{**{k: v for k, v in d.items() if k != "created_ns"}, "created_at": format_ns(d["created_ns"])}
                        for d in dora["ungated_deployments"]],
        },
    }


def blocked_row(gate: Gate) -> dict[str, Any]:
    return {**_where(gate), "decision": gate.decision, "mode": gate.mode, "reasons": list(gate.reasons),
            "errors": list(gate.errors)}


def waiver_rows(gate: Gate) -> list[dict[str, Any]]:
    return [{**_where(gate), "waiver_id": str(w.get("waiver_id")), "policy": str(w.get("policy")),
             "what": ", ".join(map(str, _listed(w.get("findings")))) or str(w.get("id")),
             "approved_by": str(w.get("approved_by")), "reason": str(w.get("reason")),
             "expires": str(w.get("expires"))} for w in gate.waived]


def override_rows(gate: Gate) -> list[dict[str, Any]]:
    return [{"actor": o.get("actor"), "reason": o.get("reason"), "policy": o.get("policy"),
             **_where(gate), "id": o.get("id"), "msg": o.get("msg")} for o in gate.overrides]


def incident_rows(incidents: Sequence[Incident]) -> list[dict[str, Any]]:
    return [{"id": i.id, "service": i.service, "environment": i.environment, "commit": i.commit,
             "started_at": format_ns(i.started_ns),
             "resolved_at": format_ns(i.resolved_ns) if i.resolved_ns is not None else None,
             "description": i.description} for i in incidents]


def in_scope(incidents: Sequence[Incident], since_ns: int | None, streams: Iterable[tuple[str, str]]) -> list[Incident]:
    """An incident counts where it happened: in a stream the report covers (others are not this gate's business)."""
    streams = list(streams)
    return [i for i in incidents if (since_ns is None or i.started_ns >= since_ns)
            and any(matching([i], s, e) for s, e in streams)]


def build_report(
    records: Iterable[Mapping[str, Any]],
    *,
    since_ns: int | None = None,
    service: str | None = None,
    environment: str | None = None,
    incidents: Sequence[Incident] = (),
) -> dict[str, Any]:
    """The report as a JSON-ready document (the `json` format prints it as is)."""
    gates = sorted(
        (g for g in map(gate_of, records) if g is not None
         and (since_ns is None or g.at_ns >= since_ns)
         and (service is None or g.service == service)
         and (environment is None or g.environment == environment)),
        key=lambda g: g.at_ns,
    )
    days: dict[str, Counter[str]] = defaultdict(Counter)
    for gate in gates:
        days[format_ns(gate.at_ns)[:10]][gate.decision] += 1
    by_stream: dict[tuple[str, str], list[Gate]] = defaultdict(list)
    for gate in gates:
        by_stream[(gate.service, gate.environment)].append(gate)
    incidents = in_scope(incidents, since_ns, by_stream)
    top = Counter(v for g in gates for v in g.violations)
    used = Counter(w for g in gates for w in g.waivers)
    return {
        **_numbers(gates, incidents),
        "first": format_ns(gates[0].at_ns) if gates else None,
        "last": format_ns(gates[-1].at_ns) if gates else None,
        "streams": [{"service": s, "environment": e, **_numbers(group, matching(incidents, s, e))}
                    for (s, e), group in sorted(by_stream.items())],
        "by_day": [{"day": day, "runs": sum(c.values()), "allow": c.get("allow", 0), "deny": c.get("deny", 0),
                    "error": c.get("error", 0)} for day, c in sorted(days.items())],
        "top_violations": [{"policy": p, "id": i, "count": n} for (p, i), n in top.most_common(10)],
        "blocked": [blocked_row(g) for g in gates if g.decision != "allow"],
        "waivers_used": [{"waiver_id": w, "count": n} for w, n in used.most_common()],
        "waivers": [row for g in gates for row in waiver_rows(g)],
        "overrides": [row for g in gates for row in override_rows(g)],
        "incidents": incident_rows(incidents),
        "definitions": dict(DEFINITIONS),
    }


def add_waiver_use(groups: dict[tuple[str, ...], dict[str, Any]], use: Mapping[str, Any]) -> None:
    """Fold one waiver use (a row of the report's `waivers`) into its waiver's table row."""
    fold_waiver_use(groups, (use["waiver_id"], use["policy"], use["what"], use["approved_by"], use["reason"],
                             use["expires"]), use["at"], use["service"], use["environment"], use["commit"])


def fold_waiver_use(groups: dict[tuple[str, ...], dict[str, Any]], key: tuple[str, ...], at: str, service: str,
                    environment: str, commit: Any) -> None:
    """Fold one use of the waiver `key` (id, policy, what, approved by, reason, expires) into its table row:
    runs, first five commits, streams, first and last use."""
    group = groups.get(key)
    if group is None:
        group = groups[key] = {"waiver_id": key[0], "policy": key[1], "what": key[2], "approved_by": key[3],
                               "reason": key[4], "expires": key[5], "runs": 0, "commits": [],
                               "more_commits": False, "streams": [], "first": at, "last": at}
    group["runs"] += 1
    group["last"] = at
    stream = {"service": service, "environment": environment}
    if stream not in group["streams"]:
        group["streams"].append(stream)
    commit = str(commit or "")
    if commit and commit not in group["commits"]:
        if len(group["commits"]) < 5:
            group["commits"].append(commit)
        else:
            group["more_commits"] = True


def waiver_groups(uses: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for use in uses:
        add_waiver_use(groups, use)
    return list(groups.values())
