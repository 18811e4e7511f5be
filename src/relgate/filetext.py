"""Read a text file a user named: a regular file only, bounded in size, strictly UTF-8.

A FIFO named as the config would block the gate forever, a directory or a device
is never a config, and a huge or non-UTF-8 file must be one clear error rather
than a hang, a MemoryError or a traceback.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from relgate.portable import READ_FLAGS

MAX_CONFIG_BYTES = 1024 * 1024


class FileRefused(Exception):
    """The file cannot be read as text; the message says why, without the file name."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_text(path: Path, max_bytes: int = MAX_CONFIG_BYTES) -> str:
    """The file's text; a leading UTF-8 byte order mark is dropped."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, READ_FLAGS)  # also binary on Windows: the bytes as written
    except OSError as exc:
        raise FileRefused(exc.strerror or str(exc)) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FileRefused(f"expected a regular file, found {_kind(info.st_mode)}")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > max_bytes:
            raise FileRefused(f"expected at most {max_bytes} bytes, found {info.st_size}")
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise FileRefused(exc.strerror or str(exc)) from None
    if len(data) > max_bytes:
        raise FileRefused(f"expected at most {max_bytes} bytes, found more")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused(
            f"line {line}: expected UTF-8 text, found byte 0x{data[exc.start]:02x} at offset {exc.start}"
        ) from None
