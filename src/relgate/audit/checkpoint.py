"""Signed checkpoints: a log's size and head hash per stream, kept outside the log.

A hash chain cannot prove its own length: whoever can write the log can cut
records off its end and what is left still verifies. A checkpoint published
elsewhere (a file in another repository, a witness endpoint) bounds it: a later
`verify --checkpoint` proves the log still holds exactly those records at those
places and at least that many. Given the previous checkpoint too, it proves the
log only grew between them.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from relgate.audit.canonical import canonical, digest_of
from relgate.audit.chain import key_id
from relgate.audit.verify import VerifyReport
from relgate.errors import AuditError
from relgate.timeutil import format_ns, now_ns

FORMAT = "relgate-checkpoint/2"
_CANON = {"relgate-checkpoint/1": 1, FORMAT: 2}  # the canonical form each format is signed in
EVENT_TYPE = "dev.relgate.audit.checkpoint.v1"


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint read from a file: where it came from and the (seq, head) it pins per stream."""

    path: str
    created_at: str
    records: int
    anchors: Mapping[str, tuple[int, str]]
    document: Mapping[str, Any]


def make_checkpoint(origin: str, report: VerifyReport, key: Ed25519PrivateKey | None,
                    previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A checkpoint of a log that was just verified (`report`), signed when a key is given."""
    if not report.ok:
        raise AuditError(f"{origin}: will not checkpoint a log that does not verify: {report.reason}")
    streams = {s.name: {"size": s.last_seq, "head": s.head, "last_time": s.last_time} for s in report.streams}
    checkpoint: dict[str, Any] = {"format": FORMAT, "origin": origin, "records": report.count,
                                  "streams": streams, "created_at": format_ns(now_ns())}
    if previous is not None:
        checkpoint["previous"] = digest_of(dict(previous))
    if key is not None:
        checkpoint["keyid"] = key_id(key.public_key())
        checkpoint["signature"] = base64.b64encode(key.sign(canonical(checkpoint))).decode()
    return checkpoint


def read_checkpoint(path: str) -> Checkpoint:
    """Parse a checkpoint file; anything that is not one is an AuditError naming the file and field."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuditError(f"{path}: cannot read checkpoint: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise AuditError(f"{path}: not a checkpoint (not JSON: {exc})") from None
    if not isinstance(document, dict) or document.get("format") not in _CANON:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise AuditError(f"{path}:format: expected one of {', '.join(_CANON)}, found {found!r}")
    streams = document.get("streams")
    if not isinstance(streams, dict):
        raise AuditError(f"{path}:streams: expected an object of streams")
    anchors: dict[str, tuple[int, str]] = {}
    for name, entry in streams.items():
        size, head = (entry.get("size"), entry.get("head")) if isinstance(entry, dict) else (None, None)
        if type(size) is not int or size < 1 or not isinstance(head, str):
            raise AuditError(f"{path}:streams.{name}: expected {{size: integer >= 1, head: string}}")
        anchors[name] = (size, head)
    records = document.get("records", document.get("size", 0))
    return Checkpoint(path, str(document.get("created_at", "")), records if type(records) is int else 0,
                      anchors, document)


def signature_problem(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> str:
    """Empty when the checkpoint is signed by `public_key`; otherwise why not, in one line."""
    document = checkpoint.document
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    try:
        signed = canonical(unsigned, _CANON[str(document["format"])])
        public_key.verify(base64.b64decode(str(document.get("signature") or ""), validate=True), signed)
    except (InvalidSignature, ValueError, AuditError):
        return f"{checkpoint.path}: checkpoint signature does not verify with the given public key"
    return ""


def merge_anchors(checkpoints: Iterable[Checkpoint]) -> dict[str, dict[int, str]]:
    """Every (seq, head) pinned by any checkpoint, per stream; two checkpoints that disagree are an AuditError."""
    merged: dict[str, dict[int, str]] = {}
    seen: dict[tuple[str, int], str] = {}
    for checkpoint in checkpoints:
        for name, (size, head) in checkpoint.anchors.items():
            other = merged.setdefault(name, {}).setdefault(size, head)
            if other != head:
                raise AuditError(f"{checkpoint.path} and {seen[(name, size)]} name different records as number "
                                 f"{size} of stream {name}: one of them was taken from a rewritten log")
            seen.setdefault((name, size), checkpoint.path)
    return merged


def write_checkpoint(checkpoint: Mapping[str, Any], path: str) -> None:
    """Write the file whole (a temporary file renamed into place), so a reader never sees half of it."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(checkpoint, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise AuditError(f"{path}: cannot write the checkpoint: {exc.strerror or exc}") from None


def checkpoint_event(checkpoint: Mapping[str, Any]) -> dict[str, Any]:
    """The checkpoint as a CloudEvent for a witness; its id is its digest, so a repeat is recognisable."""
    return {"specversion": "1.0", "id": digest_of(dict(checkpoint)), "source": "/relgate/audit",
            "type": EVENT_TYPE, "subject": str(checkpoint.get("origin", "")),
            "time": str(checkpoint.get("created_at", "")), "datacontenttype": "application/json",
            "data": dict(checkpoint)}
