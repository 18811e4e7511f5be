"""What this process last wrote at the end of each JSONL log, so the next append need not read the log back.

An append must chain onto its stream's last record. Finding it means reading the
log backwards and parsing lines; a process that appends many records (a service,
an import, a benchmark) would do that for every one. After each append we remember
the file's state and the stream heads we know. The memory is trusted only while the
file is exactly as we left it: the same device and inode, the same size, the same
modification and change times (on POSIX ctime moves on every write, truncation or
utime, and cannot be set back), and the same final line, byte for byte. Any other writer, a
repair, a truncation or a replaced file fails that check and the head is read from
the file again. The memory never outlives the process and only ever saves a read.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from relgate.portable import pread

_MAX_FILES = 64


@dataclass(frozen=True)
class Tail:
    """A log as this process left it, with the heads (seq, hash) of the streams it knows there."""

    size: int
    mtime_ns: int
    ctime_ns: int
    last_line: bytes
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)


_TAILS: dict[tuple[int, int], Tail] = {}
_GUARD = threading.Lock()


def lookup(fd: int, now: os.stat_result) -> Tail | None:
    """The remembered tail when the open, locked log is exactly as this process left it, else None."""
    with _GUARD:
        tail = _TAILS.get((now.st_dev, now.st_ino))
    if tail is None or (tail.size, tail.mtime_ns, tail.ctime_ns) != (now.st_size, now.st_mtime_ns, now.st_ctime_ns):
        return None
    end = len(tail.last_line)
    if now.st_size < end or pread(fd, end, now.st_size - end) != tail.last_line:
        return None
    return tail


def remember(fd: int, known: Tail | None, line: bytes, stream: str, head: tuple[int, str]) -> None:
    """After an append of `line` (still under the lock): the file's new state and `stream`'s new head."""
    now = os.fstat(fd)
    heads = dict(known.heads) if known is not None else {}
    heads[stream] = head
    with _GUARD:
        if len(_TAILS) >= _MAX_FILES:
            _TAILS.clear()
        _TAILS[(now.st_dev, now.st_ino)] = Tail(now.st_size, now.st_mtime_ns, now.st_ctime_ns, line, heads)


def forget(fd: int) -> None:
    """Drop what is remembered about this log (a failed append, a repair)."""
    try:
        now = os.fstat(fd)
    except OSError:
        with _GUARD:
            _TAILS.clear()
        return
    with _GUARD:
        _TAILS.pop((now.st_dev, now.st_ino), None)
