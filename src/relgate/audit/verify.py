"""Recompute every stream's chain, name the first record that does not fit, and say what was proved.

A record that does not fit (changed, missing, reordered, a stored column that
disagrees with its body, a bad signature, a torn or blank line) is a failure at
that record (exit 1). A record that cannot be read as one (a chain field of the
wrong type, an unknown canonical form) is unreadable (exit 2). What a chain
cannot prove alone is its own length: `anchors` from checkpoints bound it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from relgate.audit.chain import CANON, HASH, KEYID, PREV, SEQ, SIG, STREAM, key_id, record_hash, signature_valid
from relgate.audit.store import BLANK, Entry
from relgate.errors import AuditError

_TEXT_FIELDS = (HASH, PREV, STREAM)
_COLUMN = {STREAM: "stream", SEQ: "seq", HASH: "hash", "id": "id"}


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


def _shape(record: Mapping[str, object]) -> str:
    """Why a record cannot be checked at all (a chain field of the wrong type), or ''."""
    seq = record.get(SEQ)
    if type(seq) is not int:
        return f"{SEQ}: expected an integer, found {json.dumps(seq)[:40]}"
    for field in _TEXT_FIELDS:
        if not isinstance(record.get(field), str):
            return f"{field}: expected a string, found {json.dumps(record.get(field))[:40]}"
    for field in (SIG, KEYID):
        if field in record and not isinstance(record[field], str):
            return f"{field}: expected a string, found {json.dumps(record[field])[:40]}"
    return ""


def verify(entries: Iterable[Entry], public_key: Ed25519PublicKey | None = None,
           anchors: Mapping[str, Mapping[int, str]] | None = None) -> VerifyReport:
    """Check hashes, stored columns, sequence, links, (given a key) signatures and (given anchors) heads.

    `anchors` maps a stream to {seq: hash} pairs taken from checkpoints: the log
    must hold exactly that record at that place, and at least that many records.
    """
    streams: dict[str, _Stream] = {}
    expected_key = key_id(public_key) if public_key is not None else None
    anchors = anchors or {}
    count = 0

    def fail(entry: Entry, reason: str, unreadable: bool = False) -> VerifyReport:
        return VerifyReport(False, count, tuple(s.summary() for s in streams.values()), entry.position,
                            str(entry.record.get("id", "")), reason, unreadable, public_key is not None)

    for entry in entries:
        count += 1
        if entry.defect:
            return fail(entry, "blank line where a record belongs (the log was edited)" if entry.defect == BLANK
                        else "torn final record (an append was interrupted); `relgate audit repair` removes it")
        record = entry.record
        shape = _shape(record)
        if shape:
            return fail(entry, f"unreadable record: {shape}", unreadable=True)
        try:
            digest = record_hash(record)
        except AuditError as exc:
            return fail(entry, f"unreadable record: {exc}", unreadable=True)
        name = record[STREAM]
        state = streams.get(name)
        if state is None:
            state = streams[name] = _Stream(name, str(record.get("time", "")))
        problem = _problem(record, digest, state, entry.columns, public_key, expected_key)
        if problem:
            return fail(entry, problem)
        seq = record[SEQ]
        marks = anchors.get(name)
        if marks and seq in marks and marks[seq] != digest:
            return fail(entry, f"differs from the checkpoint's record {seq} of stream {name} (rewritten)")
        state.records += 1
        state.last_seq, state.head, state.last_time = seq, digest, str(record.get("time", ""))
        state.canon.add(record.get(CANON, 1))
        if SIG in record:
            state.signed += 1
            state.keyids.add(str(record.get(KEYID, "")))
    for name, marks in anchors.items():
        have = streams[name].last_seq if name in streams else 0
        if marks and have < max(marks):
            return VerifyReport(False, count, tuple(s.summary() for s in streams.values()), None, None,
                                f"stream {name}: {have} record(s), a checkpoint has {max(marks)} (truncated)",
                                False, public_key is not None)
    return VerifyReport(True, count, tuple(s.summary() for s in streams.values()),
                        signatures_checked=public_key is not None)


def _problem(record: Mapping[str, object], digest: str, state: _Stream, columns: Mapping[str, object] | None,
             public_key: Ed25519PublicKey | None, expected_key: str | None) -> str:
    if record[HASH] != digest:
        return "hash mismatch: the record was changed after it was written"
    if columns:
        for field, stored in columns.items():
            value = record.get(field)
            if type(stored) is not type(value) or stored != value:
                return (f"the stored {_COLUMN.get(field, field)} column ({json.dumps(stored)[:80]}) differs from "
                        f"the record's ({json.dumps(value)[:80]}): the row was edited")
    if record[SEQ] != state.last_seq + 1:
        return (f"sequence {record[SEQ]} where {state.last_seq + 1} was expected: "
                f"a record is missing or out of order")
    if record[PREV] != state.head:
        return "previous-hash link broken: a record before it was removed, replaced or reordered"
    if state.canon and record.get(CANON, 1) < max(state.canon):  # type: ignore[operator]
        return "written in an older canonical form than the record before it (a downgrade)"
    if public_key is not None:
        signature = record.get(SIG)
        if not isinstance(signature, str):
            return "unsigned record, but a public key was given"
        if record.get(KEYID) != expected_key or not signature_valid(digest, signature, public_key):
            return "signature does not verify with the given public key"
    return ""
