"""`relgate audit report` over a log of any size: the same document as `build_report`, in flat memory.

Worker processes read the log in parts (a JSONL log: byte ranges each worker reads
itself; other stores: chunks of rows handed over) into small per-run facts
(`report_read`), sorted by time within the part, and this process spools them to a
temporary file. A merge of those sorted runs then replays every gate in time order
(records may be stored out of order: `--at` backdates), feeding per-stream tallies.
What is held per run is one float per measured duration (time blocked, approval
wait, lead time: the medians need them all); blocked runs, waiver uses and overrides
go to spool files as JSON rows, in time order, and are copied to the output at the
end. A table in the HTML or text report shows the newest `SHOWN` rows of each list.
"""

from __future__ import annotations

import gc
import heapq
import json
import marshal
import tempfile
from array import array
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from operator import itemgetter
from typing import IO, Any

from relgate.audit.store import BLANK, AuditStore, RawRow, parse_record
from relgate.dora import DEFINITIONS, WEEK_NS, Deployment, keys, matching, spread
from relgate.errors import AuditError, RelgateError
from relgate.incidents import Incident
from relgate.output.escape import json_text
from relgate.report import fold_waiver_use, in_scope, incident_rows, numbers
from relgate.report_read import (
    AT,
    BLOCKED,
    COMMIT,
    COMMITTED,
    DAY_NS,
    DECISION,
    DEPLOYS,
    ENV,
    MODE,
    OVERRIDDEN,
    SEQ,
    SERVICE,
    VIOLATIONS,
    WAIT,
    WAIVED,
    WAIVER_IDS,
    Filters,
    day_text,
)
from relgate.report_read import (
    fact as read_fact,
)
from relgate.timeutil import format_ns

CHUNK = 4000  # rows per worker task from a store that hands rows over (SQLite, PostgreSQL)
SPAN = 8 << 20  # bytes of a JSONL log per worker task (the worker reads them itself)
FRAME = 64  # facts per marshalled frame: the merge holds one frame per run
MAX_RUNS = 32  # sorted runs merged at once
SHOWN = 500  # rows per list in the HTML and text reports (the JSON report has every row)
LISTS = ("blocked", "waivers", "overrides")
TICK = 4096  # facts merged between two progress updates

# What a worker task gives back: (frames of time-sorted facts, deployed (service, environment, sha), error,
# first and last time, rows read, gate runs per (day number, decision)). The error is a message, or for a JSONL
# range (kind, line within the range, byte offset of the line), made into a message where the line is known.
Facts = tuple[list[bytes], set[tuple[str, str, str]], "str | tuple[str, int, int] | None", int, int, int,
              dict[tuple[int, str], int]]

_WORKER: tuple[Any, str, str, Filters] = (None, "", "", (None, None, None))


def _start(store: Any, label: str, where: str, filters: Filters) -> None:
    global _WORKER
    _WORKER = (store, label, where, filters)


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


class _Collect:
    """A task's facts, the deployments they saw and the runs per day, then cut into time-sorted frames."""

    def __init__(self) -> None:
        self.facts: list[tuple[Any, ...]] = []
        self.shas: set[tuple[str, str, str]] = set()
        self.days: dict[tuple[int, str], int] = {}
        self.names: dict[str, str] = {}

    def add(self, fact: tuple[Any, ...]) -> None:
        self.facts.append(fact)
        day = (fact[AT] // DAY_NS, fact[DECISION])
        self.days[day] = self.days.get(day, 0) + 1
        for deploy in fact[DEPLOYS]:
            self.shas.add((fact[SERVICE], fact[ENV], deploy[1]))

    def done(self, rows: int, error: str | tuple[str, int, int] | None = None) -> Facts:
        if error is not None:
            return [], set(), error, 0, 0, rows, {}
        facts = self.facts
        facts.sort(key=itemgetter(AT))
        return ([marshal.dumps(facts[i:i + FRAME]) for i in range(0, len(facts), FRAME)], self.shas, None,
                facts[0][AT] if facts else 0, facts[-1][AT] if facts else 0, rows, self.days)


def _span_facts(spans: list[tuple[int, int]]) -> Facts:
    """A task over a JSONL log: read one byte range (whole lines) and read each record in it."""
    store, _, _, filters = _WORKER
    [(start, end)] = spans
    with _no_gc():
        collect = _Collect()
        offset, number = start, 0
        for line in BytesIO(store.read_span(start, end)):
            number += 1
            if not line.endswith(b"\n"):  # a final line cut short
                return collect.done(number, ("torn", number, offset))
            if line.strip():
                try:
                    found = read_fact(line, offset, "", filters, collect.names)
                except RelgateError:
                    return collect.done(number, ("unreadable", number, offset))
                if found is not None:
                    collect.add(found)
            offset += len(line)
        return collect.done(number)


def _row_facts(rows: list[tuple[int, RawRow]]) -> Facts:
    """A task over rows a store handed over (SQL stores): read each record, as `store.records()` reads them."""
    _, label, where, filters = _WORKER
    with _no_gc():
        collect = _Collect()
        for seq, (position, defect, text, _, _) in rows:
            if defect == BLANK:
                continue
            try:
                if defect:
                    raise RelgateError(f"{where}:{position}: torn final record (an append was interrupted); "
                                       f"run `relgate audit repair` to remove it")
                found = read_fact(text, seq, f"{label}{position}", filters, collect.names)
            except RelgateError as exc:  # sent back as its words: a RelgateError subclass may not pickle
                return collect.done(len(rows), str(exc))
            if found is not None:
                collect.add(found)
        return collect.done(len(rows))


@dataclass
class _Candidate:
    """The deployment (here: an allowed gate) an incident is blamed on so far: time, store order, and how many
    allowed gates of the stream share its time (they share its key, so `dora.keys` counts them all as failed)."""

    at: int
    seq: int
    same: int


class _Stream:
    """The running measures of one service/environment, fed its gates in time order."""

    def __init__(self, service: str, environment: str, incidents: Sequence[Incident], deployed: set[str]) -> None:
        self.service, self.environment = service, environment
        self.runs = 0
        self.decisions: Counter[str] = Counter()
        self.first = self.last = 0
        self.blocked_since: dict[str, int] = {}
        self.blocked = array("d")
        self.lead = array("d")
        self.waits: array[float] | list[Any] = array("d")  # a list once a wait is not a float (12 is not 12.0)
        self.units = 0
        self.unit_at, self.unit_same = -1, 0
        self.incidents = matching(incidents, service, environment)
        self.index = {id(incident): index for index, incident in enumerate(self.incidents)}
        self.by_commit: list[_Candidate | None] = [None] * len(self.incidents)
        self.before: list[_Candidate | None] = [None] * len(self.incidents)
        self.deployed = deployed  # the commits GitHub deployments of this stream were seen for
        self.first_allowed: dict[str, int] = {}

    def add(self, fact: tuple[Any, ...]) -> None:
        at, decision, commit = fact[AT], fact[DECISION], fact[COMMIT]
        if not self.runs:
            self.first = at
        self.runs += 1
        self.last = at
        self.decisions[decision] += 1
        if decision != "allow":
            if decision == "deny" and commit and commit not in self.blocked_since:
                self.blocked_since[commit] = at
            return
        if commit and commit in self.blocked_since:
            self.blocked.append((at - self.blocked_since.pop(commit)) / 1e9)
        if commit in self.deployed and commit not in self.first_allowed:
            self.first_allowed[commit] = at
        committed, wait = fact[COMMITTED], fact[WAIT]
        if committed is not None:
            self.lead.append((at - committed) / 1e9)
        if wait is not None:
            if type(wait) is not float and type(self.waits) is array:
                self.waits = list(self.waits)
            self.waits.append(wait)
        if fact[MODE] == "enforce":
            if self.incidents:
                self._unit(at, fact[SEQ], commit)
            else:
                self.units += 1

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
        yield from marshal.loads(spool.read(length))


def stream_report(store: AuditStore, *, since_ns: int | None = None, service: str | None = None,
                  environment: str | None = None, incidents: Sequence[Incident] = (),
                  progress: Callable[[int, int], None] | None = None, merging: Callable[[int], None] | None = None,
                  workers: int | None = None, chunk: int = CHUNK, span: int = SPAN) -> StreamedReport:
    """The report over a whole store: read in one worker process per core, merged in time order here.

    `progress(records, mark)` follows the reading (mark: bytes or rows, as `store.size_hint()` counts them);
    then `merging(gate runs)` announces the merge, and `progress(merged, merged)` follows it."""
    from relgate.audit.jsonl import JsonlStore
    from relgate.workers import chunked, ordered

    filters = (since_ns, service, environment)
    work: Generator[tuple[list[Any], Facts], None, None]
    spans: Iterator[tuple[int, int]] | None = None
    rows: Iterator[RawRow] | None = None
    if isinstance(store, JsonlStore):
        spans = store.spans(span)
        work = ordered(([s] for s in spans), _span_facts, initializer=_start,
                       initargs=(store, store.row_label(), store.where, filters), workers=workers)
    else:
        rows = store.raw_rows()
        work = ordered(chunked(enumerate(rows), chunk), _row_facts, initializer=_start,
                       initargs=(None, store.row_label(), store.where, filters), workers=workers)
    facts: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed below; the merge reads it)
    runs: list[list[tuple[int, int]]] = []
    deployed: set[tuple[str, str, str]] = set()
    days: dict[tuple[int, str], int] = {}
    done, last = 0, None
    # While the parts come in time order (a log stored in time order: the usual case) the merge runs here as they
    # come, beside the workers; a part out of order ends that, and the merge runs over the sorted runs at the end.
    live: _Merge | None = _Merge(incidents, since_ns)
    merge: _Merge | None = None
    try:
        for batch, (frames, shas, error, first_at, last_at, count, seen) in work:
            if error is not None:
                raise _error(store, batch, done, error)
            done += count
            if progress is not None:
                progress(done, batch[-1][1] if spans is not None else batch[-1][1][4])
            deployed |= shas
            for key, runs_on_day in seen.items():
                days[key] = days.get(key, 0) + runs_on_day
            if not frames:
                continue
            if last is None or first_at < last:  # out of order: a new sorted run (else this one goes on)
                runs.append([])
                if live is not None and len(runs) > 1:
                    live.close()
                    live = None
            last = last_at if last is None else max(last, last_at)
            if live is not None:
                live.more_deployed(shas)
                with _no_gc():
                    for frame in frames:
                        live.feed(marshal.loads(frame))
            for frame in frames:
                runs[-1].append((facts.tell(), len(frame)))
                facts.write(frame)
        merge, live = live, None
        if merge is None:
            with _no_gc():
                facts, runs = _fewer_runs(facts, runs)
            merge = _Merge(incidents, since_ns)
            merge.more_deployed(deployed)
            if merging is not None:
                merging(sum(days.values()))
            with _no_gc():
                merge.feed(_runs(facts, runs[0]) if len(runs) == 1 else
                           heapq.merge(*(_runs(facts, run) for run in runs)), progress)
        if merge.late:  # deployments first seen after the live merge had passed their commits' gates
            with _no_gc():
                merge.refind_first_allowed(_runs(facts, runs[0]))
        report, merge = merge.report(days), None
        return report
    finally:
        for unfinished in (live, merge):
            if unfinished is not None:
                unfinished.close()
        work.close()
        for source in (spans, rows):
            close = getattr(source, "close", None)
            if close is not None:
                close()
        facts.close()


def _error(store: AuditStore, batch: list[Any], before: int, error: str | tuple[str, int, int]) -> RelgateError:
    """A task's error as the generic reader words it: a JSONL range's line number is known only here."""
    if isinstance(error, str):
        return RelgateError(error)
    kind, number, offset = error
    line = before + number
    if kind == "torn":
        return AuditError(f"{store.where}:{line}: torn final record (an append was interrupted); "
                          f"run `relgate audit repair` to remove it")
    text = store.read_span(offset, batch[0][1])  # type: ignore[attr-defined]
    text = text[:text.find(b"\n") + 1]  # the line with its newline, as the generic reader parses it
    try:
        parse_record(text, f"{store.row_label()}{line}")
    except RelgateError as exc:
        return exc
    return AuditError(f"{store.row_label()}{line}: unreadable record")


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
                        frame = marshal.dumps(batch)
                        fewer[-1].append((merged.tell(), len(frame)))
                        merged.write(frame)
                        batch = []
                if batch:
                    frame = marshal.dumps(batch)
                    fewer[-1].append((merged.tell(), len(frame)))
                    merged.write(frame)
        except BaseException:
            merged.close()
            raise
        facts.close()
        facts, runs = merged, fewer
    return facts, runs


class _Merge:
    """The pass over every gate in time order (ties in store order, as a stable sort leaves them): per-stream
    tallies and counts in memory, the long lists in spool files (handed to the report, or closed by `close`).

    `deployed` are the (service, environment, sha) GitHub deployments were seen for; a pass that starts before all
    are known (`more_deployed`) leaves the first allowed gate of those found late to `refind_first_allowed`."""

    def __init__(self, incidents: Sequence[Incident], since_ns: int | None) -> None:
        self.candidates = [i for i in incidents if since_ns is None or i.started_ns >= since_ns]
        self.shas: dict[tuple[str, str], set[str]] = {}
        self.late: set[tuple[str, str, str]] = set()
        self.streams: dict[tuple[str, str], _Stream] = {}
        self.top: Counter[tuple[str, str]] = Counter()
        self.used: Counter[str] = Counter()
        self.latest: dict[tuple[str, str, str], tuple[str, str, tuple[Any, ...]]] = {}
        self.groups: dict[tuple[str, ...], dict[str, Any]] = {}
        self.spools: dict[str, IO[str]] = {key: tempfile.TemporaryFile("w+", encoding="ascii")  # noqa: SIM115
                                           for key in LISTS}
        self.counts = dict.fromkeys(LISTS, 0)
        self.newest: dict[str, deque[str]] = {key: deque(maxlen=SHOWN) for key in LISTS}
        self.merged = 0

    def more_deployed(self, deployed: set[tuple[str, str, str]]) -> None:
        for service, environment, sha in deployed:
            known = self.shas.setdefault((service, environment), set())
            if sha not in known:
                known.add(sha)
                if self.merged:
                    self.late.add((service, environment, sha))

    def feed(self, facts: Iterable[tuple[Any, ...]], progress: Callable[[int, int], None] | None = None) -> None:
        streams, shas, candidates, top, used, latest = (self.streams, self.shas, self.candidates, self.top, self.used,
                                                        self.latest)
        blocked_spool, blocked_newest = self.spools["blocked"].write, self.newest["blocked"].append
        merged, blocked_count = self.merged, 0
        for fact in facts:
            where = (fact[SERVICE], fact[ENV])
            stream = streams.get(where)
            if stream is None:
                stream = streams[where] = _Stream(*where, candidates, shas.setdefault(where, set()))
            stream.add(fact)
            for kind in fact[VIOLATIONS]:
                top[kind] += 1
            for waiver in fact[WAIVER_IDS]:
                used[waiver] += 1
            for deploy in fact[DEPLOYS]:
                latest[(fact[SERVICE], fact[ENV], deploy[0])] = (fact[SERVICE], fact[ENV], deploy)
            blocked = fact[BLOCKED]
            if blocked is not None:
                blocked_spool(blocked + "\n")
                blocked_newest(blocked)
                blocked_count += 1
            for row, *use in fact[WAIVED]:
                self._keep("waivers", row)
                fold_waiver_use(self.groups, tuple(use[:6]), use[6], fact[SERVICE], fact[ENV], fact[COMMIT])
            for row in fact[OVERRIDDEN]:
                self._keep("overrides", row)
            merged += 1
            if progress is not None and not merged % TICK:
                progress(merged, merged)
        self.counts["blocked"] += blocked_count
        self.merged = merged

    def _keep(self, key: str, row: str) -> None:
        self.spools[key].write(row + "\n")
        self.counts[key] += 1
        self.newest[key].append(row)

    def refind_first_allowed(self, facts: Iterable[tuple[Any, ...]]) -> None:
        """The first allowed gate of each commit whose deployment was found after the pass had begun (`facts`:
        every gate in time order again)."""
        found: dict[tuple[str, str, str], int] = {}
        late = self.late
        for fact in facts:
            if fact[DECISION] == "allow":
                key = (fact[SERVICE], fact[ENV], fact[COMMIT])
                if key in late and key not in found:
                    found[key] = fact[AT]
        for (service, environment, sha), at in found.items():
            self.streams[(service, environment)].first_allowed[sha] = at
        self.late = set()

    def close(self) -> None:
        for spool in self.spools.values():
            spool.close()

    def report(self, days: dict[tuple[int, str], int]) -> StreamedReport:
        """The report; the spools become its own (closed by `StreamedReport.close`)."""
        streams = self.streams
        deployments = _deployments(self.latest, streams)
        ordered_streams = [streams[key] for key in sorted(streams)]
        incidents = in_scope(self.candidates, None, streams)
        all_runs = list(streams.values())
        first = min((s.first for s in all_runs), default=None)
        last = max((s.last for s in all_runs), default=None)
        by_day: dict[str, Counter[str]] = {}
        for (day, decision), count in days.items():
            by_day.setdefault(day_text(day), Counter())[decision] += count
        head: dict[str, Any] = {
            **_measures(all_runs, deployments, incidents),
            "first": format_ns(first) if first is not None else None,
            "last": format_ns(last) if last is not None else None,
            "streams": [{"service": s.service, "environment": s.environment,
                         **_measures([s], [d for d in deployments if (d.service, d.environment) == (s.service,
                                                                                                    s.environment)],
                                     matching(incidents, s.service, s.environment))} for s in ordered_streams],
            "by_day": [{"day": day, "runs": sum(c.values()), "allow": c.get("allow", 0), "deny": c.get("deny", 0),
                        "error": c.get("error", 0)} for day, c in sorted(by_day.items())],
            "top_violations": [{"policy": p, "id": i, "count": n} for (p, i), n in self.top.most_common(10)],
            "blocked": None,
            "waivers_used": [{"waiver_id": w, "count": n} for w, n in self.used.most_common()],
            "waivers": None,
            "overrides": None,
            "incidents": incident_rows(incidents),
            "definitions": dict(DEFINITIONS),
        }
        return StreamedReport(head, self.spools, self.counts, self.newest, list(self.groups.values()))


def _deployments(latest: dict[tuple[str, str, str], tuple[str, str, tuple[Any, ...]]],
                 streams: dict[tuple[str, str], _Stream]) -> list[Deployment]:
    found = []
    for service, environment, (ident, sha, created, state, succeeded, failed) in latest.values():
        gate = streams[(service, environment)].first_allowed.get(sha)
        found.append(Deployment(ident, service, environment, sha, created, state, succeeded, failed,
                                gate is not None and gate <= created))
    return sorted(found, key=lambda d: d.created_ns)
