"""Re-evaluate recorded decisions with another policy set and list the decisions that would flip.

Each record carries what a faithful replay needs (masked input, evaluated_at,
thresholds, waivers, enforcement, mode), so a replay changes only what its
caller names: the policies, and with a config also thresholds, waivers and
enforcement. Policies are loaded once per distinct set of thresholds and waivers
(in each worker), never per record; a large log is replayed by one worker process
per core (`replay_store`), its flips reported in the log's order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from relgate.audit.store import BLANK, AuditStore, RawRow, parse_record
from relgate.config import Config, Waiver
from relgate.decision import Decision, Mode
from relgate.engines import make_engine
from relgate.engines.interface import Engine, Evaluation, PolicySet
from relgate.errors import AuditError, RelgateError
from relgate.verdict import OverrideRequest, judge
from relgate.waivers import WaiverBook, open_book

CHUNK = 64  # a record takes milliseconds to evaluate: small chunks keep every worker busy to the end
REPLAYED, SKIPPED, OUTSIDE = "replayed", "skipped", "outside"


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


@dataclass(frozen=True)
class _Pending:
    """A record ready to evaluate: what judging its new answer takes, besides the answer."""

    record: Mapping[str, Any]
    context: Mapping[str, Any]
    engine_key: str
    book: WaiverBook
    levels: Mapping[str, Any]


class Replayer:
    """Replays records in batches, loading the policies once per distinct thresholds and waivers."""

    def __init__(self, policies: PolicySet, engine_name: str, config: Config | None, since_ns: int | None) -> None:
        self.policies, self.engine_name, self.config, self.since_ns = policies, engine_name, config, since_ns
        self.engines: dict[str, Engine] = {}

    def one(self, record: Mapping[str, Any]) -> tuple[str, Flip | None]:
        """(REPLAYED, the flip or None), (SKIPPED, None) without replay data, (OUTSIDE, None) before `since`."""
        return self.many([self.prepare(record)])[0]

    def prepare(self, record: Mapping[str, Any]) -> _Pending | tuple[str, None]:
        """The record made ready to evaluate (its policies loaded), or why it is not replayed."""
        config = self.config
        custom = record.get("data", {}).get("customData", {})
        log, recorded = custom.get("decision_log", {}), custom.get("replay")
        if not isinstance(recorded, dict) or not isinstance(log.get("input"), dict):
            return SKIPPED, None
        context = log["input"]
        if self.since_ns is not None and int(context.get("evaluated_at_ns", 0)) < self.since_ns:
            return OUTSIDE, None
        data = dict(config.data) if config else recorded.get("data", {})
        waivers = config.waivers if config else tuple(Waiver(**w) for w in recorded.get("waivers", []))
        levels = dict(config.enforcement) if config else recorded.get("enforcement", {})
        book = open_book(waivers, service=str(context.get("service", "")),
                         environment=str(context.get("environment", "")),
                         evaluated_at_ns=int(context.get("evaluated_at_ns", 0)))
        loaded = {"config": data, "waivers": book.policy_data()}
        key = json.dumps(loaded, sort_keys=True)
        if key not in self.engines:
            engine = make_engine(self.engine_name)
            engine.load(self.policies, loaded)
            self.engines[key] = engine
        return _Pending(record, context, key, book, levels)

    def many(self, prepared: Sequence[_Pending | tuple[str, None]]) -> list[tuple[str, Flip | None]]:
        """Evaluate prepared records, one engine call per distinct policy data; results in their order."""
        answers: dict[int, Evaluation] = {}
        batches: dict[str, list[tuple[int, _Pending]]] = {}
        for index, item in enumerate(prepared):
            if isinstance(item, _Pending):
                batches.setdefault(item.engine_key, []).append((index, item))
        for key, members in batches.items():
            evaluated = self.engines[key].evaluate_many([pending.context for _, pending in members])
            answers.update(zip((index for index, _ in members), evaluated, strict=True))
        return [_judged(item, answers[index]) if isinstance(item, _Pending) else item
                for index, item in enumerate(prepared)]


def _judged(pending: _Pending, answer: Evaluation) -> tuple[str, Flip | None]:
    """Judge the new answer as the gate would and compare it with the recorded decision."""
    context, record = pending.context, pending.record
    recorded = record.get("data", {}).get("customData", {})
    before_json = recorded.get("decision_log", {}).get("result", {})
    errors = [answer.error] if answer.error is not None else []
    after: Decision = judge(answer.outcomes, book=pending.book, levels=pending.levels,
                            findings=context.get("vulnerabilities", {}).get("findings", []),
                            override=_recorded_override(before_json), errors=errors,
                            mode=Mode(recorded.get("replay", {}).get("mode", "enforce")))
    before = str(before_json.get("decision", ""))
    if after.verdict.value == before or before == "error":
        return REPLAYED, None
    changed = _rules(before_json) ^ _rules(after.to_json())
    return REPLAYED, Flip(str(record.get("id", "")), str(record.get("time", "")), after.service or
                          str(context.get("service", "")), str(context.get("environment", "")),
                          before, after.verdict.value, tuple(sorted(changed)))


def replay(
    records: Iterable[Mapping[str, Any]],
    policies: PolicySet,
    *,
    engine_name: str = "regorus",
    config: Config | None = None,
    since_ns: int | None = None,
) -> ReplayReport:
    """Replay every record (optionally only those evaluated since `since_ns`) in this process; never writes."""
    from relgate.workers import chunked

    started = time.perf_counter()
    replayer = Replayer(policies, engine_name, config, since_ns)
    return _report((outcome for batch in chunked(iter(records), CHUNK)
                    for outcome in replayer.many([replayer.prepare(record) for record in batch])), started)


def replay_store(
    store: AuditStore,
    policies: PolicySet,
    *,
    engine_name: str = "regorus",
    config: Config | None = None,
    since_ns: int | None = None,
    workers: int | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> ReplayReport:
    """`replay` over a whole store, in one worker process per core when the log is large; same report."""
    from relgate.workers import chunked, ordered

    started = time.perf_counter()
    rows = store.raw_rows()
    work = ordered(chunked(rows, chunk), _replay_rows, initializer=_start,
                   initargs=(store.row_label(), store.where, policies, engine_name, config, since_ns),
                   workers=workers)

    def outcomes() -> Iterable[tuple[str, Flip | None]]:
        done = 0
        for batch, results in work:
            done += len(batch)
            if progress is not None:
                progress(done, batch[-1][4])
            for kind, detail in results:
                if kind == "error":
                    raise RelgateError(str(detail))
                yield kind, detail if isinstance(detail, Flip) else None

    try:
        return _report(outcomes(), started)
    finally:
        work.close()
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _report(outcomes: Iterable[tuple[str, Flip | None]], started: float) -> ReplayReport:
    replayed = skipped = 0
    flips: list[Flip] = []
    for kind, flip in outcomes:
        if kind == SKIPPED:
            skipped += 1
        elif kind == REPLAYED:
            replayed += 1
            if flip is not None:
                flips.append(flip)
    return ReplayReport(replayed, skipped, tuple(flips), time.perf_counter() - started)


_WORKER: tuple[str, str, Replayer | None] = ("", "", None)


def _start(label: str, where: str, policies: PolicySet, engine_name: str, config: Config | None,
           since_ns: int | None) -> None:
    global _WORKER
    _WORKER = (label, where, Replayer(policies, engine_name, config, since_ns))


def _replay_rows(rows: list[RawRow]) -> list[tuple[str, Flip | RelgateError | str | None]]:
    """Parse and replay a chunk of rows as `store.records()` reads them: blank lines passed over, a torn
    line or an unreadable record an error at its place; a policy that does not load ends the chunk."""
    label, where, replayer = _WORKER
    assert replayer is not None
    prepared: list[_Pending | tuple[str, None]] = []
    stopped: str | None = None
    for position, defect, text, _, _ in rows:
        if defect == BLANK:
            continue
        try:
            if defect:
                raise AuditError(f"{where}:{position}: torn final record (an append was interrupted); "
                                 f"run `relgate audit repair` to remove it")
            prepared.append(replayer.prepare(parse_record(text, f"{label}{position}")))
        except RelgateError as exc:  # sent back as its words: a RelgateError subclass may not pickle
            stopped = str(exc)
            break
    found: list[tuple[str, Flip | RelgateError | str | None]] = list(replayer.many(prepared))
    if stopped is not None:
        found.append(("error", stopped))
    return found
