"""Remove a torn final record left by a crash, and record in the chain that it was removed.

Repair never touches a record that verifies or a log that does not: everything
before the torn line must verify first. The removed bytes are kept in a file
beside the log, and a repair record (its own stream) names them by size and digest.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.chain import link
from relgate.audit.jsonl import JsonlStore
from relgate.audit.store import TORN, Entry
from relgate.audit.verify import VerifyReport, verify
from relgate.errors import AuditError
from relgate.portable import pread
from relgate.timeutil import format_ns, now_ns

REPAIR_STREAM = "relgate/repair"
REPAIR_TYPE = "dev.relgate.audit.repaired.v1"


@dataclass(frozen=True)
class RepairResult:
    """What repair found and did: `removed` is 0 when there was nothing torn to remove."""

    report: VerifyReport
    removed: int = 0
    line: int = 0
    saved_to: str = ""
    record_id: str = ""


def repair(store: JsonlStore, key: Ed25519PrivateKey | None) -> RepairResult:
    """Under the append lock: verify, then cut a torn final line off and append a repair record."""
    if not store.path.exists():
        next(store.entries(), None)  # the store's own error for a missing log; repair never creates one
    with store.locked() as fd:
        entries = list(store.entries())
        torn = entries[-1] if entries and entries[-1].defect == TORN else None
        report = verify(entries[:-1] if torn else entries)
        if not report.ok or torn is None:
            return RepairResult(report)
        if key is None and any(s.signed for s in report.streams):
            raise AuditError(f"{store.path}: the log is signed; give the signing key (--key or RELGATE_SIGNING_KEY) "
                             f"so the repair record is signed too")
        size = os.fstat(fd).st_size
        keep = size - _torn_length(fd, size)
        removed = pread(fd, size - keep, keep)
        saved = store.path.with_name(f"{store.path.name}.torn-{now_ns()}")
        try:
            saved.write_bytes(removed)
            os.ftruncate(fd, keep)
            os.fsync(fd)
        except OSError as exc:
            raise AuditError(f"{store.path}: repair failed: {exc.strerror or exc}") from None
        body = _repair_body(store.path, torn, removed, saved, report)
        record = store.append_locked(fd, REPAIR_STREAM, lambda seq, prev: link(body, REPAIR_STREAM, seq, prev, key))
        return RepairResult(report, len(removed), torn.position, str(saved), str(record["id"]))


def _torn_length(fd: int, size: int) -> int:
    """Bytes after the last newline."""
    position = size
    while position > 0:
        start = max(0, position - (1 << 16))
        newline = pread(fd, position - start, start).rfind(b"\n")
        if newline >= 0:
            return size - (start + newline + 1)
        position = start
    return size


def _repair_body(log: Path, torn: Entry, removed: bytes, saved: Path, report: VerifyReport) -> dict[str, Any]:
    event_id = str(uuid.uuid4())
    at = format_ns(now_ns())
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    return {
        "specversion": "1.0", "id": event_id, "source": "/relgate/audit", "type": REPAIR_TYPE,
        "subject": str(log), "time": at, "datacontenttype": "application/json",
        "data": {"removed": {"line": torn.position, "bytes": len(removed),
                             "sha256": hashlib.sha256(removed).hexdigest(), "saved_to": saved.name},
                 "verified_before": report.count, "repaired_by": user, "repaired_at": at},
    }
