"""Recompute every stream's chain and name the first record that does not fit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from relgate.audit.chain import HASH, KEYID, PREV, SEQ, SIG, STREAM, key_id, record_hash, signature_valid


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    count: int
    streams: int
    line: int | None = None
    record_id: str | None = None
    reason: str = ""


def verify(
    records: Iterable[tuple[int, dict[str, object]]], public_key: Ed25519PublicKey | None = None
) -> VerifyReport:
    """Check hashes, sequence, links and (given a key) signatures; stop at the first bad record."""
    heads: dict[str, tuple[int, str]] = {}
    expected_key = key_id(public_key) if public_key is not None else None
    count = 0
    for line, record in records:
        count += 1
        stream = str(record.get(STREAM, ""))
        seq, prev_hash = heads.get(stream, (0, ""))
        problem = _problem(record, seq, prev_hash, public_key, expected_key)
        if problem:
            return VerifyReport(False, count, len(heads), line, str(record.get("id", "")), problem)
        heads[stream] = (int(str(record[SEQ])), str(record[HASH]))
    return VerifyReport(True, count, len(heads))


def _problem(
    record: dict[str, object],
    seq: int,
    prev_hash: str,
    public_key: Ed25519PublicKey | None,
    expected_key: str | None,
) -> str:
    digest = record_hash(record)
    if record.get(HASH) != digest:
        return "hash mismatch: the record was changed after it was written"
    if record.get(SEQ) != seq + 1:
        return f"sequence {record.get(SEQ)} where {seq + 1} was expected: a record is missing or out of order"
    if record.get(PREV) != prev_hash:
        return "previous-hash link broken: a record before it was removed, replaced or reordered"
    if public_key is not None:
        signature = record.get(SIG)
        if not isinstance(signature, str):
            return "unsigned record, but a public key was given"
        if record.get(KEYID) != expected_key or not signature_valid(digest, signature, public_key):
            return "signature does not verify with the given public key"
    return ""
