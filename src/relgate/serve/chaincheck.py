"""What the console says about a record's place in its chain, and about each stream as a whole.

Built on the chain's own primitives (`record_hash`, signatures): a record's hash
is recomputed, its links to the previous and next record are checked, its
signature is checked when the console has the public key. A stream walk does the
same for every record in order and compares the head with the newest checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from relgate.audit.chain import HASH, KEYID, PREV, SEQ, SIG, key_id, record_hash, signature_valid


@dataclass(frozen=True)
class RecordCheck:
    hash_ok: bool
    prev_ok: bool | None  # None: first record of the stream, or the previous one is missing
    next_ok: bool | None  # None: the newest record
    signature: str  # valid | invalid | unsigned | unchecked (signed, but no public key configured)


@dataclass(frozen=True)
class StreamStatus:
    stream: str
    records: int
    last_seq: int
    ok: bool
    bad_seq: int | None
    reason: str
    signed: int
    signatures_bad: int
    checkpoint: str  # what the newest checkpoint says about this stream


def signature_state(record: Mapping[str, Any], digest: str, public_key: Ed25519PublicKey | None) -> str:
    signature = record.get(SIG)
    if not isinstance(signature, str):
        return "unsigned"
    if public_key is None:
        return "unchecked"
    if record.get(KEYID) != key_id(public_key) or not signature_valid(digest, signature, public_key):
        return "invalid"
    return "valid"


def check_record(record: Mapping[str, Any], previous: Mapping[str, Any] | None, following: Mapping[str, Any] | None,
                 public_key: Ed25519PublicKey | None) -> RecordCheck:
    digest = record_hash(record)
    seq = record.get(SEQ)
    prev_ok: bool | None
    if seq == 1:
        prev_ok = record.get(PREV) == ""
    else:
        prev_ok = None if previous is None else (previous.get(HASH) == record.get(PREV)
                                                 and record_hash(previous) == previous.get(HASH))
    next_ok = None if following is None else following.get(PREV) == record.get(HASH)
    return RecordCheck(digest == record.get(HASH), prev_ok, next_ok, signature_state(record, digest, public_key))


def walk(stream: str, records: Iterable[Mapping[str, Any]], public_key: Ed25519PublicKey | None,
         checkpoint: Mapping[str, Any] | None) -> StreamStatus:
    """Every record of one stream in seq order: the first that does not fit stops the walk."""
    count = signed = bad_signatures = last_seq = 0
    last_hash = ""
    heads: dict[int, str] = {}
    wanted = _checkpoint_head(checkpoint, stream)
    for record in records:
        count += 1
        seq = record.get(SEQ)
        digest = record_hash(record)
        problem = ""
        if digest != record.get(HASH):
            problem = "hash mismatch: the record was changed after it was written"
        elif seq != last_seq + 1:
            problem = f"sequence {seq} where {last_seq + 1} was expected: a record is missing or out of order"
        elif record.get(PREV) != last_hash:
            problem = "previous-hash link broken: a record before it was removed, replaced or reordered"
        if problem:
            return StreamStatus(stream, count, last_seq, False, seq if isinstance(seq, int) else None, problem,
                                signed, bad_signatures, _against(wanted, heads, last_seq))
        state = signature_state(record, digest, public_key)
        signed += state != "unsigned"
        bad_signatures += state == "invalid"
        last_seq, last_hash = int(str(seq)), digest
        if wanted is not None and last_seq == wanted[0]:
            heads[last_seq] = digest
    reason = f"{bad_signatures} signature(s) do not verify" if bad_signatures else ""
    return StreamStatus(stream, count, last_seq, not bad_signatures, None, reason, signed, bad_signatures,
                        _against(wanted, heads, last_seq))


def _checkpoint_head(checkpoint: Mapping[str, Any] | None, stream: str) -> tuple[int, str] | None:
    streams = checkpoint.get("streams") if checkpoint else None
    entry = streams.get(stream) if isinstance(streams, Mapping) else None
    if not isinstance(entry, Mapping):
        return None
    try:
        return int(entry["size"]), str(entry["head"])
    except (KeyError, TypeError, ValueError):
        return None


def _against(wanted: tuple[int, str] | None, heads: Mapping[int, str], last_seq: int) -> str:
    if wanted is None:
        return "not in the last checkpoint"
    size, head = wanted
    if last_seq < size:
        return f"TRUNCATED: the checkpoint has {size} record(s), the store {last_seq}"
    if heads.get(size) != head:
        return f"REWRITTEN: record {size} differs from the checkpoint's head"
    return f"extends it (record {size} matches)"


def newest_checkpoint(folder: Path | None) -> tuple[str, dict[str, Any]] | None:
    """(file name, checkpoint) of the newest `relgate audit checkpoint` output in the folder, by created_at."""
    if folder is None or not folder.is_dir():
        return None
    found: list[tuple[str, str, dict[str, Any]]] = []
    for path in folder.glob("*.json"):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(document, dict) and str(document.get("format", "")).startswith("relgate-checkpoint/"):
            found.append((str(document.get("created_at", "")), path.name, document))
    if not found:
        return None
    _, name, document = max(found, key=lambda item: (item[0], item[1]))
    return name, document
