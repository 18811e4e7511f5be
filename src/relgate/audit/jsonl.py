"""The default store: one JSON record per line, appended under an exclusive lock.

One file may hold several streams (service/environment); each stream is its
own hash chain with its own sequence numbers.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.chain import HASH, KEYID, PREV, SEQ, SIG, STREAM, key_id, record_hash, sign
from relgate.errors import AuditError


class JsonlStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield (line number, record); a line that is not a JSON object is an error naming it."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AuditError(f"{self.path}: cannot read audit log: {exc.strerror or exc}") from None
        with handle:
            for number, raw in enumerate(handle, start=1):
                yield number, self._parse(number, raw)

    def _parse(self, number: int, raw: bytes) -> dict[str, Any]:
        if not raw.endswith(b"\n"):
            raise AuditError(f"{self.path}:{number}: torn last line (no newline); the log needs repair")
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise AuditError(f"{self.path}:{number}: not a JSON record") from None
        if not isinstance(record, dict):
            raise AuditError(f"{self.path}:{number}: not a JSON object")
        return record

    def get(self, wanted: str) -> dict[str, Any]:
        """Find one record by id or a unique id prefix."""
        hits = [r for _, r in self.records() if str(r.get("id", "")).startswith(wanted)]
        if not hits:
            raise AuditError(f"{self.path}: no record with id {wanted!r}")
        exact = [r for r in hits if r.get("id") == wanted]
        if len(hits) > 1 and not exact:
            raise AuditError(f"{self.path}: id prefix {wanted!r} matches {len(hits)} records")
        return exact[0] if exact else hits[0]

    def append(self, body: Mapping[str, Any], stream: str, key: Ed25519PrivateKey | None = None) -> dict[str, Any]:
        """Chain, sign and append one record atomically with respect to other writers."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            seq, prev = 0, ""
            for _, existing in self.records():
                if existing.get(STREAM) == stream:
                    seq, prev = int(existing.get(SEQ, 0)), str(existing.get(HASH, ""))
            record = {k: v for k, v in body.items() if k not in (SEQ, PREV, STREAM, HASH, SIG, KEYID)}
            record.update({STREAM: stream, SEQ: seq + 1, PREV: prev})
            if key is not None:
                record[KEYID] = key_id(key.public_key())
            digest = record_hash(record)
            record[HASH] = digest
            if key is not None:
                record[SIG] = sign(digest, key)
            line = (json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                written = os.write(fd, line)
                if written != len(line):
                    raise AuditError(f"{self.path}: short write ({written} of {len(line)} bytes)")
                os.fsync(fd)
            finally:
                os.close(fd)
        return record
