"""Re-evaluate recorded decisions with another policy set and list the decisions that would flip.

Each record carries what a faithful replay needs (masked input, evaluated_at,
thresholds, waivers, enforcement, mode), so a replay changes only what its
caller names: the policies, and with a config also thresholds, waivers and
enforcement.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from relgate.config import Config, Waiver
from relgate.decision import Decision, Mode
from relgate.engines import make_engine
from relgate.engines.interface import Engine, PolicySet
from relgate.errors import RelgateError
from relgate.verdict import OverrideRequest, judge
from relgate.waivers import open_book


@dataclass(frozen=True)
class Flip:
    """One recorded decision that the new policies would decide differently."""

    record_id: str
    time: str
    service: str
    environment: str
    before: str
    after: str
    rules: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "time": self.time, "service": self.service,
                "environment": self.environment, "before": self.before, "after": self.after,
                "rules": list(self.rules)}


@dataclass(frozen=True)
class ReplayReport:
    replayed: int
    skipped: int
    flips: tuple[Flip, ...]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"replayed": self.replayed, "skipped": self.skipped, "seconds": round(self.seconds, 3),
                "flips": [f.to_json() for f in self.flips]}


def _rules(decision_json: Mapping[str, Any]) -> set[str]:
    return {f"{v['policy']}:{v['id']}" for v in decision_json.get("violations", [])}


def _recorded_override(result: Mapping[str, Any]) -> OverrideRequest | None:
    """A recorded override still stands in a replay: the same person gave the same reason."""
    overrides = result.get("overrides") or []
    if not overrides:
        return None
    return OverrideRequest(str(overrides[0].get("reason", "")), str(overrides[0].get("actor", "")))


def replay(
    records: Iterable[Mapping[str, Any]],
    policies: PolicySet,
    *,
    engine_name: str = "regorus",
    config: Config | None = None,
    since_ns: int | None = None,
) -> ReplayReport:
    """Replay every record (optionally only those evaluated since `since_ns`); never writes anything."""
    started = time.perf_counter()
    engines: dict[str, Engine] = {}
    replayed = skipped = 0
    flips: list[Flip] = []
    for record in records:
        custom = record.get("data", {}).get("customData", {})
        log, recorded = custom.get("decision_log", {}), custom.get("replay")
        if not isinstance(recorded, dict) or not isinstance(log.get("input"), dict):
            skipped += 1
            continue
        context = log["input"]
        if since_ns is not None and int(context.get("evaluated_at_ns", 0)) < since_ns:
            continue
        data = dict(config.data) if config else recorded.get("data", {})
        waivers = config.waivers if config else tuple(Waiver(**w) for w in recorded.get("waivers", []))
        levels = dict(config.enforcement) if config else recorded.get("enforcement", {})
        book = open_book(waivers, service=str(context.get("service", "")),
                         environment=str(context.get("environment", "")),
                         evaluated_at_ns=int(context.get("evaluated_at_ns", 0)))
        loaded = {"config": data, "waivers": book.policy_data()}
        key = json.dumps(loaded, sort_keys=True)
        engine = engines.get(key)
        if engine is None:
            engine = engines[key] = make_engine(engine_name)
            engine.load(policies, loaded)
        try:
            outcomes = engine.evaluate(context)
            errors: list[str] = []
        except RelgateError as exc:
            outcomes, errors = (), [str(exc)]
        before_json = log.get("result", {})
        after: Decision = judge(outcomes, book=book, levels=levels,
                                findings=context.get("vulnerabilities", {}).get("findings", []),
                                override=_recorded_override(before_json), errors=errors,
                                mode=Mode(recorded.get("mode", "enforce")))
        replayed += 1
        before = str(before_json.get("decision", ""))
        if after.verdict.value != before and before != "error":
            changed = _rules(before_json) ^ _rules(after.to_json())
            flips.append(Flip(str(record.get("id", "")), str(record.get("time", "")), after.service or
                              str(context.get("service", "")), str(context.get("environment", "")),
                              before, after.verdict.value, tuple(sorted(changed))))
    return ReplayReport(replayed, skipped, tuple(flips), time.perf_counter() - started)
