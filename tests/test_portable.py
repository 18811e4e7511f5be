"""The portability layer: one exclusive lock per file across processes, positioned reads, binary opens."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from relgate.portable import OPEN_FLAGS, READ_FLAGS, datasync, lock_exclusive, pread

HOLDER = """
import os, sys
from relgate.portable import OPEN_FLAGS, lock_exclusive
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | OPEN_FLAGS, 0o644)
lock_exclusive(fd)
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_second_process_waits_for_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "locked"
    acquired = threading.Event()

    def take() -> None:
        fd = os.open(path, os.O_RDWR | OPEN_FLAGS)
        lock_exclusive(fd)
        acquired.set()
        os.close(fd)

    waiter = threading.Thread(target=take)
    waiter.start()
    assert not acquired.wait(0.5)  # still held by the other process
    holder.stdin.close()  # the holder exits, and its descriptor (and lock) goes with it
    holder.wait(timeout=30)
    assert acquired.wait(30)
    waiter.join()


def test_positioned_reads_and_flags(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"line one\nline two\n")
    fd = os.open(path, READ_FLAGS)
    try:
        assert pread(fd, 4, 5) == b"one\n" and pread(fd, 100, 9) == b"line two\n" and pread(fd, 4, 99) == b""
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0  # the position is untouched
    finally:
        os.close(fd)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | OPEN_FLAGS)
    try:
        os.write(fd, b"three\r\n")
        datasync(fd)
    finally:
        os.close(fd)
    assert path.read_bytes().endswith(b"three\r\n")  # bytes as written: no newline translation
    assert READ_FLAGS & getattr(os, "O_NONBLOCK", 0) == getattr(os, "O_NONBLOCK", 0)
    assert OPEN_FLAGS & getattr(os, "O_BINARY", 0) == getattr(os, "O_BINARY", 0)
