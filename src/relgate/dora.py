"""DORA's four keys over gate records: deployment frequency, lead time, change failure rate, time to restore.

Deployments are GitHub deployments the records saw (the `github` source's
`deployments.recent`) whose commit had an allowed gate at or before the
deployment; without GitHub deployment data, each allowed gate in enforce mode
counts as one deployment. A deployment failed when GitHub reports a `failure`
or `error` status for it, or an incident is attributed to it (the incident's
`commit`, else the latest deployment of its service and environment before the
incident started). Time to restore runs from a failed deployment's failure to
the next successful deployment of the environment, and from an incident's start
to its resolution.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from relgate.incidents import Incident
from relgate.timeutil import parse_ns

WEEK_NS = 7 * 86_400 * 10**9
FAILED_STATES = ("failure", "error")

DEFINITIONS = {
    "deploy_frequency_per_week": "Deployment frequency: successful deployments to the environment per week over "
                                 "the report's span (GitHub deployments after an allowed gate, else allowed gates).",
    "lead_time_seconds": "Lead time for changes: from the commit (change.committed_at) to the gate that allowed "
                         "it to deploy.",
    "change_failure_rate": "Change failure rate: the share of deployments that failed (a GitHub deployment "
                           "status of failure or error) or caused an incident.",
    "time_to_restore_seconds": "Time to restore service: from a failed deployment to the next successful "
                               "deployment of the environment, and from an incident's start to its resolution.",
}


@dataclass(frozen=True)
class Deployment:
    """One deployment to a stream's environment, as the gate records saw it last."""

    id: str
    service: str
    environment: str
    sha: str
    created_ns: int
    state: str
    succeeded_ns: int | None
    failed_ns: int | None
    gated: bool = False

    @property
    def failed(self) -> bool:
        return self.state in FAILED_STATES or self.failed_ns is not None


@dataclass(frozen=True)
class Unit:
    """What counts as one deployment for the keys: a GitHub deployment, or an allowed gate."""

    key: str
    at_ns: int
    commit: str
    failed: bool
    failed_ns: int | None
    service: str = ""
    environment: str = ""


def spread(values: Sequence[float]) -> dict[str, float | None]:
    """Median, 90th percentile (nearest rank) and count."""
    if not values:
        return {"median": None, "p90": None, "count": 0}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, max(0, math.ceil(0.9 * len(ordered)) - 1))]
    return {"median": statistics.median(ordered), "p90": p90, "count": len(ordered)}


def _ns(value: Any) -> int | None:
    try:
        return parse_ns(value) if isinstance(value, str) else None
    except ValueError:
        return None


def seen_deployments(observed: Iterable[tuple[str, str, Mapping[str, Any]]],
                     allowed: Mapping[tuple[str, str, str], int]) -> list[Deployment]:
    """Deployments from (service, environment, context) triples, the latest sighting of each winning.

    `allowed` maps (service, environment, commit) to the first allowed gate's time.
    """
    latest: dict[tuple[str, str, str], Deployment] = {}
    for service, environment, context in observed:
        block = context.get("deployments")
        recent = block.get("recent") if isinstance(block, dict) else None
        for entry in recent if isinstance(recent, list) else []:
            seen = seen_deployment(entry)
            if seen is None:
                continue
            ident, sha, created, state, succeeded, failed = seen
            gate = allowed.get((service, environment, sha))
            latest[(service, environment, ident)] = Deployment(ident, service, environment, sha, created, state,
                                                               succeeded, failed, gate is not None and gate <= created)
    return sorted(latest.values(), key=lambda d: d.created_ns)


def seen_deployment(entry: Any) -> tuple[str, str, int, str, int | None, int | None] | None:
    """One entry of a context's `deployments.recent` as (id, sha, created, state, succeeded, failed); None
    without a creation time."""
    created = _ns(entry.get("created_at")) if isinstance(entry, dict) else None
    if created is None:
        return None
    return (str(entry.get("id")), str(entry.get("sha") or ""), created, str(entry.get("state") or "unknown"),
            _ns(entry.get("succeeded_at")), _ns(entry.get("failed_at")))


def units(deployments: Sequence[Deployment],
          allowed_gates: Sequence[tuple[int, str, str, str]]) -> tuple[str, list[Unit]]:
    """The basis and the deployments that count: gated GitHub deployments, else allowed gates
    (`allowed_gates` holds (time, commit, service, environment))."""
    if deployments:
        return "github deployments", [
            Unit(f"{d.service}/{d.environment}#{d.id}", d.created_ns, d.sha, d.failed,
                 d.failed_ns or (d.created_ns if d.failed else None), d.service, d.environment)
            for d in deployments if d.gated]
    return "allowed gates", [Unit(f"{service}/{environment}@{at}", at, commit, False, None, service, environment)
                             for at, commit, service, environment in allowed_gates]


def attribute(incidents: Sequence[Incident], counted: Sequence[Unit]) -> dict[str, list[Incident]]:
    """Which deployment each incident is blamed on: its commit's, else the latest one of its service and
    environment before it started."""
    blamed: dict[str, list[Incident]] = {}
    ordered = sorted(counted, key=lambda u: u.at_ns)
    for incident in incidents:
        mine = [u for u in ordered if incident.environment in ("", u.environment)
                and incident.service in ("", u.service)]
        by_commit = [u for u in mine if incident.commit and u.commit == incident.commit]
        before = [u for u in mine if u.at_ns <= incident.started_ns]
        candidates = by_commit or before
        if candidates:
            blamed.setdefault(candidates[-1].key, []).append(incident)
    return blamed


def keys(deployments: Sequence[Deployment], allowed_gates: Sequence[tuple[int, str, str, str]],
         incidents: Sequence[Incident], lead_times: Sequence[float], span_ns: int) -> dict[str, Any]:
    """The four keys for one set of records (one stream, or all of them)."""
    basis, counted = units(deployments, allowed_gates)
    blamed = attribute(incidents, counted)
    failed = [u for u in counted if u.failed or u.key in blamed]
    restores = []
    for unit in counted:
        if unit.failed_ns is None:
            continue
        later = [d.succeeded_ns for d in deployments if d.succeeded_ns is not None and d.succeeded_ns > unit.failed_ns
                 and (d.service, d.environment) == (unit.service, unit.environment)]
        if later:
            restores.append((min(later) - unit.failed_ns) / 1e9)
    restores += [(i.resolved_ns - i.started_ns) / 1e9 for i in incidents if i.resolved_ns is not None]
    weeks = max(span_ns / WEEK_NS, 1.0)
    return {
        "basis": basis,
        "deployments": len(counted),
        "deploy_frequency_per_week": len(counted) / weeks,
        "lead_time_seconds": spread(lead_times),
        "failed_deployments": len(failed),
        "change_failure_rate": len(failed) / len(counted) if counted else None,
        "time_to_restore_seconds": spread(restores),
        "incidents": len(incidents),
        "open_incidents": sum(1 for i in incidents if i.resolved_ns is None),
        "ungated_deployments": [{"id": d.id, "sha": d.sha, "state": d.state, "service": d.service,
                                 "environment": d.environment, "created_ns": d.created_ns}
                                for d in deployments if not d.gated],
    }


def matching(incidents: Sequence[Incident], service: str, environment: str) -> list[Incident]:
    """The incidents of one stream: same environment (or none named), same service (or none named)."""
    return [i for i in incidents if i.environment in ("", environment) and i.service in ("", service)]
