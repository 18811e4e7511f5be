"""The default store: one JSON record per line, appended under an exclusive lock.

One file may hold several streams (service/environment); each stream is its
own hash chain with its own sequence numbers.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from relgate.audit.chain import HASH, SEQ, STREAM
from relgate.audit.store import LinkingStore
from relgate.errors import AuditError


class JsonlStore(LinkingStore):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

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

    def _head(self, stream: str) -> tuple[int, str]:
        """(seq, hash) of the stream's last record, read backwards from the end of the file.

        A torn last line is refused here, before anything is appended after it.
        """
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return 0, ""
        with handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return 0, ""
            handle.seek(size - 1)
            if handle.read(1) != b"\n":
                count = sum(1 for _ in self.path.open("rb"))
                raise AuditError(f"{self.path}:{count}: torn last line (no newline); the log needs repair")
            tail, position = b"", size
            while position > 0:
                step = min(1 << 16, position)
                position -= step
                handle.seek(position)
                tail = handle.read(step) + tail
                lines = tail.split(b"\n")
                complete = lines if position == 0 else lines[1:]
                for raw in reversed(complete):
                    if raw.strip():
                        record = self._parse(0, raw + b"\n")
                        if record.get(STREAM) == stream:
                            return int(record.get(SEQ, 0)), str(record.get(HASH, ""))
                tail = lines[0] if position > 0 else b""
        return 0, ""

    def _write(self, stream: str, make: Callable[[int, str], dict[str, Any]]) -> dict[str, Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            record = make(*self._head(stream))
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
