"""The default store: one JSON record per line, appended crash-safely under an exclusive lock.

One file may hold several streams (service/environment); each stream is its
own hash chain with its own sequence numbers. The lock is taken on the log file
itself, so every name that reaches it (a symlink, a hard link) shares one lock.
An append is written, flushed to disk and read back; on any failure the file is
cut back to its previous size, so a failed append leaves no trace. Only a kill
or power loss in the middle of the single write can leave a torn final line,
which `relgate audit repair` removes.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from relgate.audit import tails
from relgate.audit.chain import HASH, SEQ, STREAM
from relgate.audit.store import BLANK, TORN, LinkingStore, RawRow, parse_record
from relgate.errors import AuditError
from relgate.portable import OPEN_FLAGS, READ_FLAGS, datasync, lock_exclusive, pread


def reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


class JsonlStore(LinkingStore):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def _open(self) -> BinaryIO:
        try:
            return self.path.open("rb")
        except FileNotFoundError:
            raise self._missing() from None
        except OSError as exc:
            raise AuditError(f"{self.path}: cannot read the audit log: {reason(exc)}") from None

    def raw_rows(self) -> Iterator[RawRow]:
        """Every line, unparsed: a record's text, a BLANK line, or a TORN final line (no newline)."""
        with self._open() as handle:
            mark = 0
            try:
                for number, raw in enumerate(handle, start=1):
                    mark += len(raw)
                    if not raw.endswith(b"\n"):
                        yield number, TORN, b"", None, mark
                        return
                    if not raw.strip():
                        yield number, BLANK, b"", None, mark
                        continue
                    yield number, "", raw, None, mark
            except OSError as exc:
                raise AuditError(f"{self.path}: cannot read the audit log: {reason(exc)}") from None

    def _missing(self) -> AuditError:
        return AuditError(f"{self.path}: no audit log here (a relative --log is read from the working "
                          f"directory, a relative audit.log from the config file's folder)")

    def spans(self, size: int) -> Iterator[tuple[int, int]]:
        """The log cut into byte ranges of about `size` bytes, each from a line's start to the next range's, so
        workers can read them alone (`read_span`); lines appended after the first range is given are left out."""
        with self._open() as handle:
            try:
                end = os.fstat(handle.fileno()).st_size
                start = 0
                while start < end:
                    cut = start + size
                    if cut >= end:
                        yield start, end
                        return
                    handle.seek(cut - 1)  # a line starts at the first byte after a newline from here on
                    skipped = 0
                    while True:
                        block = handle.read(1 << 16)
                        found = block.find(b"\n")
                        if found >= 0 or not block:
                            break
                        skipped += len(block)
                    if found < 0:
                        yield start, end
                        return
                    cut += skipped + found
                    if cut >= end:
                        yield start, end
                        return
                    yield start, cut
                    start = cut
            except OSError as exc:
                raise AuditError(f"{self.path}: cannot read the audit log: {reason(exc)}") from None

    def read_span(self, start: int, end: int) -> bytes:
        """The bytes of a range `spans` gave; a last line without its newline is read on to its end (it may
        have been appended meanwhile), so only a line still torn at the end of the file stays torn."""
        with self._open() as handle:
            try:
                handle.seek(start)
                data = handle.read(end - start)
                while data and not data.endswith(b"\n"):
                    more = handle.readline()
                    if not more:
                        break
                    data += more
            except OSError as exc:
                raise AuditError(f"{self.path}: cannot read the audit log: {reason(exc)}") from None
        return data

    def row_label(self) -> str:
        return f"{self.path}:"

    def open_regular(self) -> tuple[int, os.stat_result] | None:
        """The log open for positioned reads, and its status now; None when it is not a regular file.

        Verification reads a regular log in parts, each in a worker (`parts_of`, `rows_between`),
        up to the size it had here; anything else is read in order by `raw_rows`.
        """
        try:
            if not stat.S_ISREG(os.stat(self.path).st_mode):  # a pipe (--log <(zcat …)) is read once, in order
                return None
            fd = os.open(self.path, READ_FLAGS)
        except FileNotFoundError:
            raise self._missing() from None
        except OSError:  # raw_rows says why
            return None
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            os.close(fd)
            return None
        return fd, status

    def rows_between(self, fd: int, start: int, end: int, first: int) -> Iterator[RawRow]:
        """The rows `raw_rows` gives for the lines in bytes [start, end) (line boundaries), numbered from `first`."""
        try:
            data = pread(fd, end - start, start)
        except OSError as exc:
            raise AuditError(f"{self.path}: cannot read the audit log: {reason(exc)}") from None
        if len(data) != end - start:
            raise AuditError(f"{self.path}: the audit log shrank while it was being read")
        pieces = data.split(b"\n")
        torn = pieces.pop()  # b"" when the part ends with a newline, as every part but a torn log's last does
        mark = start
        for number, piece in enumerate(pieces, start=first):
            raw = piece + b"\n"
            mark += len(raw)
            yield (number, BLANK, b"", None, mark) if not raw.strip() else (number, "", raw, None, mark)
        if torn:
            yield first + len(pieces), TORN, b"", None, mark + len(torn)


    def size_hint(self) -> int | None:
        try:
            return self.path.stat().st_size
        except OSError:
            return None

    def get(self, wanted: str) -> dict[str, Any]:
        """Find one record by id or a unique id prefix."""
        hits = [r for _, r in self.records() if str(r.get("id", "")).startswith(wanted)]
        if not hits:
            raise AuditError(f"{self.path}: no record with id {wanted!r}")
        exact = [r for r in hits if r.get("id") == wanted]
        if len(hits) > 1 and not exact:
            raise AuditError(f"{self.path}: id prefix {wanted!r} matches {len(hits)} records")
        return exact[0] if exact else hits[0]

    @contextmanager
    def locked(self) -> Iterator[int]:
        """The log open for appending and reading, exclusively locked (the lock is on the file, not its name)."""
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | OPEN_FLAGS
        try:
            try:
                fd = os.open(self.path, flags, 0o644)
            except FileNotFoundError:  # the folder is made only when missing: a mkdir per append costs
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise AuditError(f"{self.path}: cannot open the audit log for appending: {reason(exc)}") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise AuditError(f"{self.path}: the audit log is not a regular file")
            lock_exclusive(fd)
            yield fd
        finally:
            os.close(fd)

    def _write(self, stream: str, make: Callable[[int, str], dict[str, Any]]) -> dict[str, Any]:
        with self.locked() as fd:
            return self.append_locked(fd, stream, make)

    def append_locked(self, fd: int, stream: str, make: Callable[[int, str], dict[str, Any]]) -> dict[str, Any]:
        """Append one record while holding `locked()`: written, flushed, read back, or undone."""
        before = os.fstat(fd)
        size = before.st_size
        known = tails.lookup(fd, before)
        head = known.heads.get(stream) if known else None
        if head is None:
            head = self._head(fd, size, stream)
        record = make(*head)
        try:
            line = (json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
        except (ValueError, TypeError) as exc:
            raise AuditError(f"{self.path}: the record cannot be written as JSON: {exc}") from None
        try:
            written = 0
            while written < len(line):  # a short write is retried, so the real cause (ENOSPC, EFBIG) surfaces
                step = os.write(fd, line[written:])
                if step <= 0:
                    raise OSError(errno.EIO, f"only {written} of {len(line)} bytes could be written")
                written += step
            datasync(fd)
            if pread(fd, len(line), size) != line:
                raise OSError(errno.EIO, "the bytes read back differ from those written")
        except BaseException as exc:
            tails.forget(fd)
            outcome = self.cut_back(fd, size)
            if isinstance(exc, OSError):
                raise AuditError(f"{self.path}: append failed ({reason(exc)}); {outcome}") from None
            raise
        tails.remember(fd, known, line, stream, (record[SEQ], record[HASH]))
        return record

    def cut_back(self, fd: int, size: int) -> str:
        """Truncate the log to `size` bytes (undo a failed append); say whether that worked."""
        try:
            os.ftruncate(fd, size)
            os.fsync(fd)
        except OSError as exc:
            return f"the partial record could not be removed ({reason(exc)}); run `relgate audit repair`"
        return "nothing was recorded and the log is as it was"

    def _head(self, fd: int, size: int, stream: str) -> tuple[int, str]:
        """(seq, hash) of the stream's last record, read backwards from the end of the file.

        A torn last line is refused here, before anything is appended after it.
        """
        if size == 0:
            return 0, ""
        if pread(fd, 1, size - 1) != b"\n":
            raise AuditError(f"{self.path}:{_line_count(fd, size) + 1}: torn final record (an append was interrupted); "
                             f"`relgate audit repair` removes it")
        tail, position = b"", size
        while position > 0:
            step = min(1 << 14, position)
            position -= step
            tail = pread(fd, step, position) + tail
            parts = tail.split(b"\n")
            complete = parts if position == 0 else parts[1:]
            for raw in reversed(complete):
                if raw.strip():
                    record = parse_record(raw, f"{self.path}: a record near the end")
                    if record.get(STREAM) == stream:
                        seq, digest = record.get(SEQ), record.get(HASH)
                        if type(seq) is not int or not isinstance(digest, str):
                            raise AuditError(f"{self.path}: the last record of stream {stream} has no valid "
                                             f"{SEQ}/{HASH}; run `relgate audit verify`")
                        return seq, digest
            tail = parts[0] if position > 0 else b""
        return 0, ""


def parts_of(fd: int, size: int, span: int) -> Iterator[tuple[int, int]]:
    """The first `size` bytes of a log in parts of about `span` bytes, each ending after a newline (or at size)."""
    start = 0
    while start < size:
        end = _line_start(fd, min(start + max(span, 1), size), size)
        yield start, end
        start = end


def _line_start(fd: int, at: int, size: int) -> int:
    """The first position >= `at` (at > 0) where a line starts, or `size`."""
    position = at - 1
    while position < size:
        block = pread(fd, min(1 << 16, size - position), position)
        if not block:
            break
        found = block.find(b"\n")
        if found >= 0:
            return position + found + 1
        position += len(block)
    return size


def _line_count(fd: int, size: int) -> int:
    count = position = 0
    while position < size:
        chunk = pread(fd, 1 << 20, position)
        if not chunk:
            break
        count += chunk.count(b"\n")
        position += len(chunk)
    return count
