"""`relgate audit report` over a log of any size: the same document as `build_report`, in flat memory.

Worker processes parse chunks of stored rows into small per-run facts, sorted by
time within the chunk, and this process spools them to a temporary file. A
merge of those sorted runs then replays every gate in time order (records may be
stored out of order: `--at` backdates), feeding per-stream tallies. What is held
per run is one float per measured duration (time blocked, approval wait, lead
time: the medians need them all); blocked runs, waiver uses and overrides go to
spool files as JSON rows, in time order, and are copied to the output at the end.
A table in the HTML or text report shows the newest `SHOWN` rows of each list.
"""

from __future__ import annotations

import gc
import heapq
import json
import pickle
import tempfile
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any

from relgate.audit.store import BLANK, AuditStore, RawRow, parse_record
from relgate.dora import DEFINITIONS, WEEK_NS, Deployment, keys, matching, spread
from relgate.errors import RelgateError
from relgate.incidents import Incident
from relgate.output.escape import json_text
from relgate.report import (
    add_waiver_use,
    blocked_row,
    gate_of,
    in_scope,
    incident_rows,
    numbers,
    override_rows,
    waiver_rows,
)
from relgate.timeutil import format_ns

CHUNK = 4000  # records per worker task: one sorted run of the merge
FRAME = 32  # facts per pickled frame: the merge holds one frame per run
MAX_RUNS = 32  # sorted runs merged at once
SHOWN = 500  # rows per list in the HTML and text reports (the JSON report has every row)
LISTS = ("blocked", "waivers", "overrides")

# A fact: what one gate run contributes, in a tuple (pickles small, sorts by time then store order).
AT, SEQ, SERVICE, ENV, DECISION, COMMIT, MODE, COMMITTED, WAIT, VIOLATIONS, WAIVER_IDS, DEPLOYS, DAY, ROWS = range(14)

DAY_NS = 86_400 * 10**9

_fast_loads: Callable[[bytes], Any] | None
try:
    from orjson import loads as _fast_loads
except ImportError:  # the standard library's parser: same records, slower
    _fast_loads = None

_WORKER: tuple[str, str, int | None, str | None, str | None] = ("", "", None, None, None)


def _start(label: str, where: str, since_ns: int | None, service: str | None, environment: str | None) -> None:
    global _WORKER
    _WORKER = (label, where, since_ns, service, environment)


def _deploys(context: Any) -> tuple[tuple[str, str, int, str, int | None, int | None], ...]:
    """The GitHub deployments a record saw, as `dora.seen_deployments` reads them."""
    from relgate.dora import _ns

    block = context.get("deployments") if isinstance(context, dict) and context else None
    recent = block.get("recent") if isinstance(block, dict) else None
    found = []
    for entry in recent if isinstance(recent, list) else []:
        created = _ns(entry.get("created_at")) if isinstance(entry, dict) else None
        if created is None:
            continue
        found.append((str(entry.get("id")), str(entry.get("sha") or ""), created, str(entry.get("state") or "unknown"),
                      _ns(entry.get("succeeded_at")), _ns(entry.get("failed_at"))))
    return tuple(found)


_DIGITS = bytes(48 if chr(b).isdigit() and b < 128 else 45 if b == 45 else 32 for b in range(256))


def _parse(text: bytes | str, where: str) -> dict[str, Any]:
    """`parse_record`, with orjson when it is installed and reads the text exactly as the standard library would
    (it turns integers beyond 64 bits into floats: those records, and anything it rejects, take the slow path)."""
    if _fast_loads is not None and isinstance(text, bytes) and not _long_number(text):
        try:
            record = _fast_loads(text)
        except ValueError:
            pass
        else:
            if isinstance(record, dict):
                return record
    return parse_record(text, where)


def _long_number(text: bytes) -> bool:
    """Twenty digits in a row, or a minus and nineteen (cheap: one translation, two substring searches)."""
    shape = text.translate(_DIGITS)
    return b"0" * 20 in shape or b"-" + b"0" * 19 in shape


@lru_cache(maxsize=4096)
def _day(day: int) -> str:
    return format_ns(day * DAY_NS)[:10]


Facts = tuple[list[bytes], set[tuple[str, str, str]], str | None, int, int]


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic collector off while many short-lived, acyclic objects are made (parsed records, facts): it
    would otherwise walk them again and again, for a fifth of the time; reference counting frees them."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _facts(rows: list[tuple[int, RawRow]]) -> Facts:
    """Parse a chunk as `store.records()` reads it: (frames of time-sorted facts, deployed commits, error,
    first and last time)."""
    with _no_gc():
        return _chunk_facts(rows)


def _chunk_facts(rows: list[tuple[int, RawRow]]) -> Facts:
    label, where, since_ns, service, environment = _WORKER
    facts: list[tuple[Any, ...]] = []
    shas: set[tuple[str, str, str]] = set()
    for seq, (position, defect, text, _, _) in rows:
        if defect == BLANK:
            continue
        try:
            if defect:
                raise RelgateError(f"{where}:{position}: torn final record (an append was interrupted); "
                                   f"run `relgate audit repair` to remove it")
            gate = gate_of(_parse(text, f"{label}{position}"))
        except RelgateError as exc:  # sent back as its words: a RelgateError subclass may not pickle
            return [], set(), str(exc), 0, 0
        if gate is None or (since_ns is not None and gate.at_ns < since_ns) or \
                (service is not None and gate.service != service) or \
                (environment is not None and gate.environment != environment):
            continue
        deploys = _deploys(gate.deployments)
        shas.update((gate.service, gate.environment, d[1]) for d in deploys)
        rows_out = (json_text(blocked_row(gate), indent=None) if gate.decision != "allow" else None,
                    tuple(json_text(r, indent=None) for r in waiver_rows(gate)),
                    tuple(json_text(r, indent=None) for r in override_rows(gate)))
        facts.append((gate.at_ns, seq, gate.service, gate.environment, gate.decision, gate.commit, gate.mode,
                      gate.committed_at_ns, gate.approval_wait_s, gate.violations, gate.waivers, deploys,
                      _day(gate.at_ns // DAY_NS), rows_out))
    facts.sort(key=lambda f: f[AT])
    return ([_frame(facts[i:i + FRAME]) for i in range(0, len(facts), FRAME)], shas, None,
            facts[0][AT] if facts else 0, facts[-1][AT] if facts else 0)


def _frame(facts: list[tuple[Any, ...]]) -> bytes:
    return pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass
class _Candidate:
    """The deployment (here: an allowed gate) an incident is blamed on so far: time, store order, and how many
    allowed gates of the stream share its time (they share its key, so `dora.keys` counts them all as failed)."""

    at: int
    seq: int
    same: int


class _Stream:
    """The running measures of one service/environment, fed its gates in time order."""

    def __init__(self, service: str, environment: str, incidents: Sequence[Incident]) -> None:
        self.service, self.environment = service, environment
        self.runs = 0
        self.decisions: Counter[str] = Counter()
        self.first = self.last = 0
        self.blocked_since: dict[str, int] = {}
        self.blocked = array("d")
        self.lead = array("d")
        self.waits: list[Any] = []
        self.units = 0
        self.unit_at, self.unit_same = -1, 0
        self.incidents = matching(incidents, service, environment)
        self.index = {id(incident): index for index, incident in enumerate(self.incidents)}
        self.by_commit: list[_Candidate | None] = [None] * len(self.incidents)
        self.before: list[_Candidate | None] = [None] * len(self.incidents)
        self.first_allowed: dict[str, int] = {}

    def add(self, fact: tuple[Any, ...], deployed: set[tuple[str, str, str]]) -> None:
        at, decision, commit = fact[AT], fact[DECISION], fact[COMMIT]
        if not self.runs:
            self.first = at
        self.runs += 1
        self.last = at
        self.decisions[decision] += 1
        if commit:
            if decision == "deny":
                self.blocked_since.setdefault(commit, at)
            elif decision == "allow" and commit in self.blocked_since:
                self.blocked.append((at - self.blocked_since.pop(commit)) / 1e9)
        if decision != "allow":
            return
        if (self.service, self.environment, commit) in deployed:
            self.first_allowed.setdefault(commit, at)
        if fact[COMMITTED] is not None:
            self.lead.append((at - fact[COMMITTED]) / 1e9)
        if fact[WAIT] is not None:
            self.waits.append(fact[WAIT])
        if fact[MODE] == "enforce":
            self._unit(at, fact[SEQ], commit)

    def _unit(self, at: int, seq: int, commit: str) -> None:
        self.units += 1
        self.unit_same = self.unit_same + 1 if at == self.unit_at else 1
        self.unit_at = at
        for index, incident in enumerate(self.incidents):
            held = self.by_commit[index]
            if incident.commit and commit == incident.commit:
                self.by_commit[index] = _Candidate(at, seq, self.unit_same)
            elif held is not None and held.at == at:
                held.same = self.unit_same
            if at <= incident.started_ns:
                self.before[index] = _Candidate(at, seq, self.unit_same)

    def blamed(self, incident: Incident) -> tuple[_Candidate | None, _Candidate | None]:
        index = self.index.get(id(incident))
        return (None, None) if index is None else (self.by_commit[index], self.before[index])


def _gate_keys(streams: Sequence[_Stream], incidents: Sequence[Incident], lead: Sequence[float],
               span: int) -> dict[str, Any]:
    """`dora.keys` when each allowed gate (enforce mode) counts as a deployment, from the streams' tallies."""
    blamed: dict[tuple[str, str, int], int] = {}
    for incident in incidents:
        found = [(kind, c, s) for s in streams for kind, c in enumerate(s.blamed(incident)) if c is not None]
        by_commit = [(c.at, c.seq, c.same, s) for kind, c, s in found if kind == 0]
        before = [(c.at, c.seq, c.same, s) for kind, c, s in found if kind == 1]
        if by_commit or before:
            at, _, same, stream = max(by_commit or before, key=lambda item: (item[0], item[1]))
            key = (stream.service, stream.environment, at)
            blamed[key] = max(blamed.get(key, 0), same)
    count = sum(s.units for s in streams)
    failed = sum(blamed.values())
    restores = [(i.resolved_ns - i.started_ns) / 1e9 for i in incidents if i.resolved_ns is not None]
    return {"basis": "allowed gates", "deployments": count,
            "deploy_frequency_per_week": count / max(span / WEEK_NS, 1.0),
            "lead_time_seconds": spread(lead), "failed_deployments": failed,
            "change_failure_rate": failed / count if count else None, "time_to_restore_seconds": spread(restores),
            "incidents": len(incidents), "open_incidents": sum(1 for i in incidents if i.resolved_ns is None),
            "ungated_deployments": []}


def _measures(streams: Sequence[_Stream], deployments: Sequence[Deployment], incidents: Sequence[Incident]
              ) -> dict[str, Any]:
    runs = sum(s.runs for s in streams)
    decisions: Counter[str] = Counter()
    for s in streams:
        decisions.update(s.decisions)
    lead = [v for s in streams for v in s.lead]
    span = max(s.last for s in streams) - min(s.first for s in streams) if streams else 0
    dora = (keys(deployments, [], incidents, lead, span) if deployments
            else _gate_keys(streams, incidents, lead, span))
    return numbers(runs, decisions, [v for s in streams for v in s.blocked], [v for s in streams for v in s.waits],
                   dora)


class StreamedReport:
    """The report's measures in memory and its long lists in spool files (closed by `close`)."""

    def __init__(self, head: dict[str, Any], spools: dict[str, IO[str]], counts: dict[str, int],
                 newest: dict[str, deque[str]], waiver_groups: list[dict[str, Any]]) -> None:
        self.head, self.spools, self.counts, self.newest = head, spools, counts, newest
        self.waiver_groups = waiver_groups

    def write_json(self, write: Callable[[str], Any]) -> None:
        """The JSON document, one top-level key a line and one row a line; the same escaping as `json_text`."""
        write("{")
        for index, (key, value) in enumerate(self.head.items()):
            write(("\n" if not index else ",\n") + json_text(key) + ": ")
            if key not in self.spools:
                write(json_text(value, indent=None))
                continue
            spool = self.spools[key]
            spool.seek(0)
            write("[")
            for number, line in enumerate(spool):
                write(("\n" if not number else ",\n") + line.rstrip("\n"))
            write("\n]" if self.counts[key] else "]")
        write("\n}\n")

    def document(self) -> dict[str, Any]:
        """The report for the HTML and text renderers: each long list holds its newest `SHOWN` rows, and
        `<list>_count` says how many there are in all."""
        shown: dict[str, Any] = {}
        for key, value in self.head.items():
            shown[key] = [json.loads(row) for row in self.newest[key]] if key in self.spools else value
        shown.update({f"{key}_count": self.counts[key] for key in self.spools})
        shown["waiver_groups"] = self.waiver_groups
        return shown

    def close(self) -> None:
        for spool in self.spools.values():
            spool.close()


def _runs(spool: IO[bytes], frames: list[tuple[int, int]]) -> Iterator[tuple[Any, ...]]:
    for offset, length in frames:
        spool.seek(offset)
        yield from pickle.loads(spool.read(length))


def stream_report(store: AuditStore, *, since_ns: int | None = None, service: str | None = None,
                  environment: str | None = None, incidents: Sequence[Incident] = (),
                  progress: Callable[[int, int], None] | None = None, workers: int | None = None,
                  chunk: int = CHUNK) -> StreamedReport:
    """The report over a whole store: parsed in one worker process per core, merged in time order here."""
    from relgate.workers import chunked, ordered

    rows = store.raw_rows()
    work = ordered(chunked(enumerate(rows), chunk), _facts, initializer=_start,
                   initargs=(store.row_label(), store.where, since_ns, service, environment), workers=workers)
    facts: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed below; the merge reads it)
    runs: list[list[tuple[int, int]]] = []
    deployed: set[tuple[str, str, str]] = set()
    done, last = 0, None
    try:
        for batch, (frames, shas, error, first_at, last_at) in work:
            if error is not None:
                raise RelgateError(error)
            done += len(batch)
            if progress is not None:
                progress(done, batch[-1][1][4])
            deployed |= shas
            if not frames:
                continue
            if last is None or first_at < last:  # out of order: a new sorted run (else this one goes on)
                runs.append([])
            last = last_at if last is None else max(last, last_at)
            for frame in frames:
                runs[-1].append((facts.tell(), len(frame)))
                facts.write(frame)
        with _no_gc():
            facts, runs = _fewer_runs(facts, runs)
        return _merge(facts, runs, deployed, since_ns, incidents)
    finally:
        work.close()
        close = getattr(rows, "close", None)
        if close is not None:
            close()
        facts.close()


def _fewer_runs(facts: IO[bytes], runs: list[list[tuple[int, int]]]
                ) -> tuple[IO[bytes], list[list[tuple[int, int]]]]:
    """Merge sorted runs, `MAX_RUNS` at a time, until at most `MAX_RUNS` are left: the final merge holds one frame
    of each (a log stored in time order is one run; each backdated stretch adds one)."""
    while len(runs) > MAX_RUNS:
        merged = tempfile.TemporaryFile()  # noqa: SIM115 (returned, or closed)
        try:
            fewer: list[list[tuple[int, int]]] = []
            for start in range(0, len(runs), MAX_RUNS):
                fewer.append([])
                batch: list[tuple[Any, ...]] = []
                for fact in heapq.merge(*(_runs(facts, run) for run in runs[start:start + MAX_RUNS])):
                    batch.append(fact)
                    if len(batch) == FRAME:
                        frame = _frame(batch)
                        fewer[-1].append((merged.tell(), len(frame)))
                        merged.write(frame)
                        batch = []
                if batch:
                    frame = _frame(batch)
                    fewer[-1].append((merged.tell(), len(frame)))
                    merged.write(frame)
        except BaseException:
            merged.close()
            raise
        facts.close()
        facts, runs = merged, fewer
    return facts, runs


def _merge(facts: IO[bytes], runs: list[list[tuple[int, int]]], deployed: set[tuple[str, str, str]],
           since_ns: int | None, incidents: Sequence[Incident]) -> StreamedReport:
    """One pass over every gate in time order (ties in store order, as a stable sort leaves them)."""
    with _no_gc():
        return _merged(facts, runs, deployed, since_ns, incidents)


def _merged(facts: IO[bytes], runs: list[list[tuple[int, int]]], deployed: set[tuple[str, str, str]],
            since_ns: int | None, incidents: Sequence[Incident]) -> StreamedReport:
    candidates = [i for i in incidents if since_ns is None or i.started_ns >= since_ns]
    streams: dict[tuple[str, str], _Stream] = {}
    days: dict[str, Counter[str]] = {}
    top: Counter[tuple[str, str]] = Counter()
    used: Counter[str] = Counter()
    latest: dict[tuple[str, str, str], tuple[str, str, tuple[Any, ...]]] = {}
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    spools: dict[str, IO[str]] = {key: tempfile.TemporaryFile("w+", encoding="ascii")  # noqa: SIM115
                                  for key in LISTS}  # closed by StreamedReport.close
    counts = dict.fromkeys(LISTS, 0)
    newest: dict[str, deque[str]] = {key: deque(maxlen=SHOWN) for key in LISTS}

    def keep(key: str, row: str) -> None:
        spools[key].write(row + "\n")
        counts[key] += 1
        newest[key].append(row)

    try:
        ordered = _runs(facts, runs[0]) if len(runs) == 1 else heapq.merge(*(_runs(facts, run) for run in runs))
        for fact in ordered:
            where = (fact[SERVICE], fact[ENV])
            stream = streams.get(where)
            if stream is None:
                stream = streams[where] = _Stream(*where, candidates)
            stream.add(fact, deployed)
            day = days.get(fact[DAY])
            if day is None:
                day = days[fact[DAY]] = Counter()
            day[fact[DECISION]] += 1
            if fact[VIOLATIONS]:
                top.update(fact[VIOLATIONS])
            if fact[WAIVER_IDS]:
                used.update(fact[WAIVER_IDS])
            for deploy in fact[DEPLOYS]:
                latest[(fact[SERVICE], fact[ENV], deploy[0])] = (fact[SERVICE], fact[ENV], deploy)
            blocked, waived, overridden = fact[ROWS]
            if blocked is not None:
                keep("blocked", blocked)
            for row in waived:
                keep("waivers", row)
                add_waiver_use(groups, json.loads(row))
            for row in overridden:
                keep("overrides", row)
    except BaseException:
        for spool in spools.values():
            spool.close()
        raise
    deployments = _deployments(latest, streams)
    ordered_streams = [streams[key] for key in sorted(streams)]
    incidents = in_scope(candidates, None, streams)
    all_runs = list(streams.values())
    first = min((s.first for s in all_runs), default=None)
    last = max((s.last for s in all_runs), default=None)
    head: dict[str, Any] = {
        **_measures(all_runs, deployments, incidents),
        "first": format_ns(first) if first is not None else None,
        "last": format_ns(last) if last is not None else None,
        "streams": [{"service": s.service, "environment": s.environment,
                     **_measures([s], [d for d in deployments if (d.service, d.environment) == (s.service,
                                                                                                s.environment)],
                                 matching(incidents, s.service, s.environment))} for s in ordered_streams],
        "by_day": [{"day": day, "runs": sum(c.values()), "allow": c.get("allow", 0), "deny": c.get("deny", 0),
                    "error": c.get("error", 0)} for day, c in sorted(days.items())],
        "top_violations": [{"policy": p, "id": i, "count": n} for (p, i), n in top.most_common(10)],
        "blocked": None,
        "waivers_used": [{"waiver_id": w, "count": n} for w, n in used.most_common()],
        "waivers": None,
        "overrides": None,
        "incidents": incident_rows(incidents),
        "definitions": dict(DEFINITIONS),
    }
    return StreamedReport(head, spools, counts, newest, list(groups.values()))


def _deployments(latest: dict[tuple[str, str, str], tuple[str, str, tuple[Any, ...]]],
                 streams: dict[tuple[str, str], _Stream]) -> list[Deployment]:
    found = []
    for service, environment, (ident, sha, created, state, succeeded, failed) in latest.values():
        gate = streams[(service, environment)].first_allowed.get(sha)
        found.append(Deployment(ident, service, environment, sha, created, state, succeeded, failed,
                                gate is not None and gate <= created))
    return sorted(found, key=lambda d: d.created_ns)
