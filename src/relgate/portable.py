"""What Linux, macOS and Windows do differently for relgate's files, in one place.

- An exclusive lock on an open file: `flock` on POSIX; on Windows `msvcrt.locking`
  on one byte far past the end (Windows locks are mandatory, so the data itself is
  never locked and readers are never refused).
- Positioned reads (`os.pread` is POSIX only) and a data flush (`os.fdatasync` is
  missing on macOS and Windows).
- Open flags: close-on-exec where it exists, and `O_BINARY` on Windows so no
  CRLF translation touches a log line or an evidence byte.
"""

from __future__ import annotations

import os
import sys
import time

OPEN_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | OPEN_FLAGS
datasync = getattr(os, "fdatasync", os.fsync)

if sys.platform == "win32":
    import msvcrt

    _FAR = 1 << 62

    def lock_exclusive(fd: int) -> None:
        """Block until this process holds the file's lock (released when the descriptor is closed)."""
        here = os.lseek(fd, 0, os.SEEK_CUR)
        os.lseek(fd, _FAR, os.SEEK_SET)
        try:
            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                    return
                except OSError:
                    time.sleep(0.02)
        finally:
            os.lseek(fd, here, os.SEEK_SET)

    def pread(fd: int, count: int, offset: int) -> bytes:
        """Up to `count` bytes at `offset` (the caller holds the lock, so moving the position is safe)."""
        here = os.lseek(fd, 0, os.SEEK_CUR)
        os.lseek(fd, offset, os.SEEK_SET)
        try:
            chunks, left = [], count
            while left > 0:
                chunk = os.read(fd, left)
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            return b"".join(chunks)
        finally:
            os.lseek(fd, here, os.SEEK_SET)

else:
    import fcntl

    def lock_exclusive(fd: int) -> None:
        """Block until this process holds the file's lock (released when the descriptor is closed)."""
        fcntl.flock(fd, fcntl.LOCK_EX)

    pread = os.pread
