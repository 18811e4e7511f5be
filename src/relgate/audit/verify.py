"""Recompute every stream's chain, name the first record that does not fit, and say what was proved.

A record that does not fit (changed, missing, reordered, a stored column that
disagrees with its body, a bad signature, a torn or blank line) is a failure at
that record (exit 1). A record that cannot be read as one (a chain field of the
wrong type, an unknown canonical form) is unreadable (exit 2). What a chain
cannot prove alone is its own length: `anchors` from checkpoints bound it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from relgate.audit.chain import key_id
from relgate.audit.examine import Examined, examine_entries
from relgate.audit.store import BLANK, AuditStore, Entry
from relgate.errors import AuditError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass(frozen=True)
class StreamSummary:
    """What verification established for one stream."""

    name: str
    records: int
    last_seq: int
    head: str
    first_time: str
    last_time: str
    signed: int
    keyids: tuple[str, ...]
    canon: tuple[int, ...]


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    count: int
    streams: tuple[StreamSummary, ...]
    line: int | None = None
    record_id: str | None = None
    reason: str = ""
    unreadable: bool = False
    signatures_checked: bool = False

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 2 if self.unreadable else 1


class _Stream:
    __slots__ = ("canon", "first_time", "head", "keyids", "last_seq", "last_time", "name", "records", "signed")

    def __init__(self, name: str, time: str) -> None:
        self.name, self.first_time, self.last_time = name, time, time
        self.records = self.last_seq = self.signed = 0
        self.head = ""
        self.keyids: set[str] = set()
        self.canon: set[int] = set()

    def summary(self) -> StreamSummary:
        return StreamSummary(self.name, self.records, self.last_seq, self.head, self.first_time, self.last_time,
                             self.signed, tuple(sorted(self.keyids)), tuple(sorted(self.canon)))


def verify(entries: Iterable[Entry], public_key: Ed25519PublicKey | None = None,
           anchors: Mapping[str, Mapping[int, str]] | None = None) -> VerifyReport:
    """Check hashes, stored columns, sequence, links, (given a key) signatures and (given anchors) heads.

    `anchors` maps a stream to {seq: hash} pairs taken from checkpoints: the log
    must hold exactly that record at that place, and at least that many records.
    This is the plain path (the standard library's parser and encoder, OpenSSL), which
    the tests hold `verify_store`'s shortcuts to.
    """
    expected = key_id(public_key) if public_key is not None else None
    return walk(examine_entries(entries, public_key, expected), public_key is not None, anchors)


def verify_store(store: AuditStore, public_key: Ed25519PublicKey | None = None,
                 anchors: Mapping[str, Mapping[int, str]] | None = None, *,
                 progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> VerifyReport:
    """`verify` over a whole store, its records examined in parallel worker processes when the log is large.

    The result is the same as `verify(store.entries(), …)`, failure for failure; `progress`
    is called with (records read, the store's read mark; see `size_hint`) as reading goes.
    """
    from relgate.audit.pool import examined_rows

    rows = examined_rows(store, public_key, workers=workers, anchors=anchors, progress=progress)
    try:
        return walk(rows, public_key is not None, anchors)
    finally:
        rows.close()


class StreamRun(NamedTuple):
    """One stream's records within a stretch: how they join what came before, and where they leave it."""

    name: str
    first_seq: int
    first_prev: str
    first_canon: int
    first_time: str
    records: int
    last_seq: int
    head: str
    last_time: str
    canon: frozenset[int]
    signed: int
    keyids: frozenset[str]
    marked: tuple[tuple[int, str], ...]  # (seq, hash) of its records that a checkpoint names


class Stretch(NamedTuple):
    """Consecutive records in which nothing fails on its own (see `stretch_of`), as one small value.

    A worker hands this back instead of one `Examined` per record. The walk accepts it
    whole when each stream's first record joins the chain so far; otherwise `detail`
    (set by whoever holds the records) gives them one by one and the walk names the record.
    """

    records: int
    streams: tuple[StreamRun, ...]
    detail: Callable[[], Iterable[Examined]] | None = None


def stretch_of(examined: Iterable[Examined], anchors: Mapping[str, Mapping[int, str]] | None = None,
               ) -> Stretch | None:
    """The records as a Stretch, or None when one of them fails whatever came before it.

    A record fails on its own when it is no record, unreadable, changed, edited, or its
    signature is wrong; or when it does not follow the record before it in its stream
    within the stretch (sequence, link, downgrade). What is left to check is how each
    stream's first record joins the chain before, and the records `anchors` name.
    """
    anchors = anchors or {}
    runs: dict[str, list[Any]] = {}
    count = 0
    for item in examined:
        if (item.defect or item.error or item.unreadable or not item.hash_ok or item.column_problem
                or item.signature_problem):
            return None
        run = runs.get(item.stream)
        if run is None:
            run = runs[item.stream] = [item.seq, item.prev, item.canon, item.time, 0, 0, "", "", set(), 0, set(), []]
        elif item.seq != run[5] + 1 or item.prev != run[6] or item.canon < max(run[8]):
            return None
        marks = anchors.get(item.stream)
        if marks and item.seq in marks:
            run[11].append((item.seq, item.digest))
        count += 1
        run[4] += 1
        run[5], run[6], run[7] = item.seq, item.digest, item.time
        run[8].add(item.canon)
        if item.signed:
            run[9] += 1
            run[10].add(item.keyid)
    return Stretch(count, tuple(StreamRun(name, run[0], run[1], run[2], run[3], run[4], run[5], run[6], run[7],
                                          frozenset(run[8]), run[9], frozenset(run[10]), tuple(run[11]))
                                for name, run in runs.items()))


def walk(examined: Iterable[Examined | Stretch], signatures_checked: bool,
         anchors: Mapping[str, Mapping[int, str]] | None = None) -> VerifyReport:
    """Link the examined records in order: each stream's sequence, previous hashes, forms and checkpoints.

    The first problem found ends the walk; a store error ("unreadable record: not JSON")
    is raised when the walk reaches it, as reading the store in order would. A Stretch
    counts as its records one by one would, record for record (see `Stretch`).
    """
    streams: dict[str, _Stream] = {}
    anchors = anchors or {}
    count = 0

    def fail(item: Examined, reason: str, unreadable: bool = False) -> VerifyReport:
        return VerifyReport(False, count, tuple(s.summary() for s in streams.values()), item.position,
                            item.record_id, reason, unreadable, signatures_checked)

    def step(item: Examined) -> VerifyReport | None:
        nonlocal count
        count += 1
        if item.defect:
            return fail(item, "blank line where a record belongs (the log was edited)" if item.defect == BLANK
                        else "torn final record (an append was interrupted); `relgate audit repair` removes it")
        if item.error:
            raise AuditError(item.error)
        if item.unreadable:
            return fail(item, f"unreadable record: {item.unreadable}", unreadable=True)
        state = streams.get(item.stream)
        if state is None:
            state = streams[item.stream] = _Stream(item.stream, item.time)
        problem = _problem(item, state)
        if problem:
            return fail(item, problem)
        marks = anchors.get(item.stream)
        if marks and item.seq in marks and marks[item.seq] != item.digest:
            return fail(item, f"differs from the checkpoint's record {item.seq} of stream {item.stream} (rewritten)")
        state.records += 1
        state.last_seq, state.head, state.last_time = item.seq, item.digest, item.time
        state.canon.add(item.canon)
        if item.signed:
            state.signed += 1
            state.keyids.add(item.keyid)
        return None

    for unit in examined:
        if isinstance(unit, Stretch):
            if _joins(unit, streams, anchors):
                count += unit.records
                _take(unit, streams)
                continue
            if unit.detail is None:
                raise RuntimeError("a Stretch reached the walk without its detail")
            items: Iterable[Examined] = unit.detail()
        else:
            items = (unit,)
        for item in items:
            failed = step(item)
            if failed:
                return failed
    for name, marks in anchors.items():
        have = streams[name].last_seq if name in streams else 0
        if marks and have < max(marks):
            return VerifyReport(False, count, tuple(s.summary() for s in streams.values()), None, None,
                                f"stream {name}: {have} record(s), a checkpoint has {max(marks)} (truncated)",
                                False, signatures_checked)
    return VerifyReport(True, count, tuple(s.summary() for s in streams.values()),
                        signatures_checked=signatures_checked)


def _joins(stretch: Stretch, streams: Mapping[str, _Stream], anchors: Mapping[str, Mapping[int, str]]) -> bool:
    """Whether each stream's first record in the stretch follows the chain so far (the walk's own rule), and each
    record a checkpoint names is in the stretch's `marked` with the checkpoint's hash."""
    for run in stretch.streams:
        state = streams.get(run.name)
        last_seq, head = (state.last_seq, state.head) if state else (0, "")
        if run.first_seq != last_seq + 1 or run.first_prev != head:
            return False
        if state and state.canon and run.first_canon < max(state.canon):
            return False
        marks = anchors.get(run.name)
        if marks:
            seen = dict(run.marked)
            if any(run.first_seq <= seq <= run.last_seq and seen.get(seq) != digest for seq, digest in marks.items()):
                return False
    return True


def _take(stretch: Stretch, streams: dict[str, _Stream]) -> None:
    for run in stretch.streams:
        state = streams.get(run.name)
        if state is None:
            state = streams[run.name] = _Stream(run.name, run.first_time)
        state.records += run.records
        state.last_seq, state.head, state.last_time = run.last_seq, run.head, run.last_time
        state.canon |= run.canon
        state.signed += run.signed
        state.keyids |= run.keyids


def _problem(item: Examined, state: _Stream) -> str:
    if not item.hash_ok:
        return "hash mismatch: the record was changed after it was written"
    if item.column_problem:
        return item.column_problem
    if item.seq != state.last_seq + 1:
        return (f"sequence {item.seq} where {state.last_seq + 1} was expected: "
                f"a record is missing or out of order")
    if item.prev != state.head:
        return "previous-hash link broken: a record before it was removed, replaced or reordered"
    if state.canon and item.canon < max(state.canon):
        return "written in an older canonical form than the record before it (a downgrade)"
    return item.signature_problem
