"""The remembered end of a JSONL log saves reading it back, and is never trusted once anything else touched it."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from relgate.audit import tails
from relgate.audit.jsonl import JsonlStore
from relgate.audit.verify import verify
from relgate.errors import AuditError
from tests.audit.helpers import body

STREAM = "checkout/production"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The streams whose head was read back from the file (a cache miss), in order."""
    seen: list[str] = []
    original = JsonlStore._head

    def spy(self: JsonlStore, fd: int, size: int, stream: str) -> tuple[int, str]:
        seen.append(stream)
        return original(self, fd, size, stream)

    monkeypatch.setattr(JsonlStore, "_head", spy)
    yield seen


def records(path: Path) -> list[dict[str, object]]:
    return [record for _, record in JsonlStore(path).records()]


def assert_one_valid_chain(path: Path, count: int) -> None:
    report = verify(JsonlStore(path).entries())
    assert report.ok and report.count == count, report


def test_a_run_of_appends_reads_each_stream_head_once(tmp_path: Path, reads: list[str]) -> None:
    log = tmp_path / "audit.jsonl"
    for index in range(30):
        JsonlStore(log).append(body(), f"s{index % 3}/production")  # a new store object each time: same file
    assert sorted(reads) == ["s0/production", "s1/production", "s2/production"]
    assert_one_valid_chain(log, 30)


def _append(path: str, count: int) -> None:
    store = JsonlStore(Path(path))
    for _ in range(count):
        store.append(body(), STREAM)


def test_another_process_appending_in_between_is_chained_onto(tmp_path: Path, reads: list[str]) -> None:
    log = tmp_path / "audit.jsonl"
    store = JsonlStore(log)
    store.append(body(), STREAM)
    other = multiprocessing.get_context("spawn").Process(target=_append, args=(str(log), 3))
    other.start()
    other.join(timeout=60)
    assert other.exitcode == 0
    record = store.append(body(), STREAM)
    before = records(log)[-2]
    assert record["relgateseq"] == 5 and record["relgateprev"] == before["relgatehash"]
    assert reads == [STREAM, STREAM]  # the first append, and again after the other writer
    assert_one_valid_chain(log, 5)


def test_a_truncated_log_is_read_again(tmp_path: Path, reads: list[str]) -> None:
    log = tmp_path / "audit.jsonl"
    store = JsonlStore(log)
    for _ in range(3):
        store.append(body(), STREAM)
    lines = log.read_bytes().splitlines(keepends=True)
    with log.open("r+b") as handle:  # what a repair does: cut bytes off the end
        handle.truncate(len(b"".join(lines[:2])))
    record = store.append(body(), STREAM)
    assert record["relgateseq"] == 3 and record["relgateprev"] == records(log)[1]["relgatehash"]
    assert reads == [STREAM, STREAM]
    assert_one_valid_chain(log, 3)


def test_a_same_size_rewrite_with_its_times_put_back_is_not_trusted(tmp_path: Path, reads: list[str]) -> None:
    log = tmp_path / "audit.jsonl"
    store = JsonlStore(log)
    for _ in range(2):
        store.append(body(), STREAM)
    data = log.read_bytes()
    at = os.stat(log)
    last = data.rindex(b'"id":"') + 6
    log.write_bytes(data[:last] + (b"0" if data[last:last + 1] != b"0" else b"1") + data[last + 1:])
    os.utime(log, ns=(at.st_atime_ns, at.st_mtime_ns))
    assert os.stat(log).st_size == at.st_size and os.stat(log).st_mtime_ns == at.st_mtime_ns
    fd = os.open(log, os.O_RDONLY)
    try:
        assert tails.lookup(fd, os.fstat(fd)) is None
    finally:
        os.close(fd)
    store.append(body(), STREAM)
    assert reads == [STREAM, STREAM]


def test_a_replaced_file_is_read_again(tmp_path: Path, reads: list[str]) -> None:
    log = tmp_path / "audit.jsonl"
    store = JsonlStore(log)
    for _ in range(2):
        store.append(body(), STREAM)
    shutil.copyfile(log, tmp_path / "copy.jsonl")
    os.replace(tmp_path / "copy.jsonl", log)  # the same bytes under a new inode
    record = store.append(body(), STREAM)
    assert record["relgateseq"] == 3
    assert reads == [STREAM, STREAM]
    assert_one_valid_chain(log, 3)


def test_a_failed_append_forgets_the_tail(tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "audit.jsonl"
    store = JsonlStore(log)
    store.append(body(), STREAM)
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr("relgate.audit.jsonl.datasync", full)
        with pytest.raises(AuditError, match="No space left"):
            store.append(body(), STREAM)
    record = store.append(body(), STREAM)
    assert record["relgateseq"] == 2
    assert reads == [STREAM, STREAM]
    assert_one_valid_chain(log, 2)
