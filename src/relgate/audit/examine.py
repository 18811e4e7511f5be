"""Everything verification can learn from one stored record alone: parse, shape, hash, columns, signature.

This is the costly half of `relgate audit verify` (JSON parse, canonical form,
SHA-256, Ed25519), and it needs nothing from the records around it, so it can run
in worker processes over chunks of the log. What links records together (sequence,
previous hash, downgrades, checkpoints) is checked afterwards, in order, by
`verify.Walk`. The result is a small tuple, cheap to send between processes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from relgate.audit.canonical import CANON
from relgate.audit.chain import HASH, KEYID, PREV, SEQ, SIG, STREAM, record_hash, signature_valid
from relgate.audit.quickform import quick_digest
from relgate.audit.sigcheck import signature_valid as quick_signature_valid
from relgate.audit.store import Entry, RawRow, parse_record
from relgate.errors import AuditError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

_TEXT_FIELDS = (HASH, PREV, STREAM)
_COLUMN = {STREAM: "stream", SEQ: "seq", HASH: "hash", "id": "id"}
COLUMN_FIELDS = (STREAM, SEQ, "id", HASH)  # the order of a RawRow's columns


class Examined(NamedTuple):
    """One stored entry as far as it can be judged alone; the walk decides in the verifier's fixed order."""

    position: int
    defect: str = ""  # BLANK or TORN: not a record at all
    error: str = ""  # the store's own "unreadable record" error (not JSON, not UTF-8, NaN): exit 2
    unreadable: str = ""  # a chain field of the wrong type, an unknown canonical form: exit 2
    record_id: str = ""
    stream: str = ""
    seq: int = 0
    prev: str = ""
    digest: str = ""  # the hash recomputed over the record's canonical form
    hash_ok: bool = False
    column_problem: str = ""
    signature_problem: str = ""
    time: str = ""
    canon: int = 1
    signed: bool = False
    keyid: str = ""


def shape_problem(record: Mapping[str, object]) -> str:
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


def column_problem(record: Mapping[str, object], columns: Mapping[str, object] | None) -> str:
    """A stored column that differs from the record's own field (in value or type), or ''."""
    for field, stored in (columns or {}).items():
        value = record.get(field)
        if type(stored) is not type(value) or stored != value:
            return (f"the stored {_COLUMN.get(field, field)} column ({json.dumps(stored)[:80]}) differs from "
                    f"the record's ({json.dumps(value)[:80]}): the row was edited")
    return ""


def examine(position: int, record: dict[str, Any], columns: Mapping[str, object] | None,
            public_key: Ed25519PublicKey | None, expected_key: str | None, digest: str = "",
            valid: Callable[[str, str, Ed25519PublicKey], bool] = signature_valid) -> Examined:
    """Judge one parsed record on its own; `digest`, when given, is its `record_hash` (see `quickform`), and
    `valid` checks a signature as `chain.signature_valid` does (see `sigcheck`)."""
    record_id = str(record.get("id", ""))
    shape = shape_problem(record)
    if shape:
        return Examined(position, unreadable=shape, record_id=record_id)
    if not digest:
        try:
            digest = record_hash(record)
        except AuditError as exc:
            return Examined(position, unreadable=str(exc), record_id=record_id)
    signature = ""
    if public_key is not None:
        found = record.get(SIG)
        if not isinstance(found, str):
            signature = "unsigned record, but a public key was given"
        elif record.get(KEYID) != expected_key or not valid(digest, found, public_key):
            signature = "signature does not verify with the given public key"
    return Examined(
        position, record_id=record_id, stream=record[STREAM], seq=record[SEQ], prev=record[PREV], digest=digest,
        hash_ok=record[HASH] == digest, column_problem=column_problem(record, columns), signature_problem=signature,
        time=str(record.get("time", "")), canon=record.get(CANON, 1), signed=SIG in record,
        keyid=str(record.get(KEYID, "")),
    )


def examine_entries(entries: Iterable[Entry], public_key: Ed25519PublicKey | None,
                    expected_key: str | None) -> Iterable[Examined]:
    """Examine already-parsed entries, in order (the in-process path)."""
    for entry in entries:
        if entry.defect:
            yield Examined(entry.position, defect=entry.defect)
        else:
            yield examine(entry.position, entry.record, entry.columns, public_key, expected_key)


def examine_rows(label: str, rows: Iterable[RawRow], public_key: Ed25519PublicKey | None,
                 expected_key: str | None) -> Iterator[Examined]:
    """Parse and examine stored rows, in order (what a worker process runs), by the exact shortcuts of
    `quickform` and `sigcheck`; `examine_entries` is the plain path they are tested against."""
    for position, defect, text, columns, _ in rows:
        if defect:
            yield Examined(position, defect=defect)
            continue
        fields = dict(zip(COLUMN_FIELDS, columns, strict=True)) if columns else None
        quick = quick_digest(text)
        if quick is not None:
            yield examine(position, quick[0], fields, public_key, expected_key, quick[1], quick_signature_valid)
            continue
        try:
            record = parse_record(text, f"{label}{position}")
        except AuditError as exc:
            yield Examined(position, error=str(exc))
            continue
        yield examine(position, record, fields, public_key, expected_key, valid=quick_signature_valid)
