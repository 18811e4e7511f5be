"""Appends survive crashes, full disks and many writers: no record reported as written is lost, no fork."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import re
import resource
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from relgate.audit.jsonl import JsonlStore
from relgate.audit.repair import REPAIR_STREAM, repair
from relgate.audit.verify import verify
from relgate.cli import main
from relgate.errors import AuditError
from tests.audit.helpers import body
from tests.conftest import QUICKSTART_AT

STREAM = "checkout/production"
BIG = "x" * (256 * 1024)  # a record large enough that a kill can land inside its write


def _append_many(path: str, count: int) -> None:
    store = JsonlStore(Path(path))
    for _ in range(count):
        store.append(body(), STREAM)


def test_thirty_two_writers_through_a_file_and_a_symlink_keep_one_chain(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.touch()
    link = tmp_path / "alias.jsonl"
    link.symlink_to(log)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(str(log if i % 2 else link), 5)) for i in range(32)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    records = [r for _, r in JsonlStore(log).records()]
    assert [r["relgateseq"] for r in records] == list(range(1, 161))
    assert verify(JsonlStore(link).entries()).ok and link.is_symlink()


def _writer(path: Path, big: bool, report: int) -> None:
    """Forked child: append until killed; after each append returns, report its id."""
    store = JsonlStore(path)
    payload = {**body(), "padding": BIG} if big else body()
    code = 0
    try:
        while True:
            record = store.append(payload, STREAM)
            os.write(report, (record["id"] + "\n").encode())
    except AuditError:
        code = 3  # a torn tail from the last kill: the parent repairs it
    finally:
        os._exit(code)


def test_kill_nine_during_appends_loses_no_reported_record(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    store = JsonlStore(log)
    reported: list[str] = []
    repairs = 0
    rng = random.Random(11)
    for kill in range(200):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            os.close(read_end)
            _writer(log, kill % 2 == 1, write_end)
        os.close(write_end)
        time.sleep(rng.uniform(0.001, 0.02))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read_end, "rb") as pipe:
            reported.extend(line.decode() for line in pipe.read().splitlines())
        if log.exists() and log.stat().st_size and not log.read_bytes().endswith(b"\n"):
            assert repair(store, None).removed > 0
            repairs += 1
    report = verify(store.entries())
    assert report.ok, report
    ids = {r["id"] for _, r in store.records()}
    assert reported and set(reported) <= ids
    assert len([r for _, r in store.records() if r["relgatestream"] == REPAIR_STREAM]) == repairs


def test_a_file_size_limit_mid_append_leaves_the_log_as_it_was(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes write() fail part-way (EFBIG), as a full disk would; run in a child process."""
    log = tmp_path / "audit.jsonl"
    store = JsonlStore(log)
    for _ in range(3):
        store.append(body(), STREAM)
    before = log.read_bytes()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        limit = len(before) + 1000  # room for part of the next record only
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        try:
            store.append(body(), STREAM)
        except AuditError as exc:
            os._exit(7 if "append failed" in str(exc) and "nothing was recorded" in str(exc) else 5)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 7
    assert log.read_bytes() == before
    store.append(body(), STREAM)
    assert verify(store.entries()).ok


@contextlib.contextmanager
def tiny_tmpfs(where: Path, size: str = "64k", options: str = "") -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}{options}", "tmpfs", str(where)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}); "
                    f"the RLIMIT_FSIZE test covers a write that fails part-way")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_full_disk_keeps_every_reported_record_and_no_partial_line(tmp_path: Path) -> None:
    with tiny_tmpfs(tmp_path / "disk") as disk:
        store = JsonlStore(disk / "audit.jsonl")
        written: list[str] = []
        with pytest.raises(AuditError, match=r"No space left on device|File too large"):
            for _ in range(1000):
                written.append(store.append(body(), STREAM)["id"])
        assert (disk / "audit.jsonl").read_bytes().endswith(b"\n")
        report = verify(store.entries())
        assert report.ok and report.count == len(written) > 0
        assert [r["id"] for _, r in store.records()] == written
        with pytest.raises(AuditError, match="nothing was recorded"):
            store.append(body(), STREAM)
        assert verify(store.entries()).count == len(written)


def test_read_only_filesystem_is_one_clear_error(tmp_path: Path) -> None:
    with tiny_tmpfs(tmp_path / "ro", options=",ro") as disk, pytest.raises(AuditError, match="cannot open"):
        JsonlStore(disk / "audit.jsonl").append(body(), STREAM)


@pytest.mark.parametrize("shape", ["directory", "under a file", "fifo"])
def test_a_log_that_is_not_a_writable_file_is_one_clear_error(tmp_path: Path, shape: str) -> None:
    if shape == "directory":
        log = tmp_path / "audit.jsonl"
        log.mkdir()
    elif shape == "under a file":
        (tmp_path / "file").write_text("x")
        log = tmp_path / "file" / "audit.jsonl"
    else:
        log = tmp_path / "audit.jsonl"
        os.mkfifo(log)
    with pytest.raises(AuditError, match=r"audit\.jsonl: (cannot open|the audit log is not a regular file)"):
        JsonlStore(log).append(body(), STREAM)


def _check(quickstart: Path, log: Path) -> Result:
    quickstart.write_text(re.sub(r"audit: \{log: [^}]*\}", f"audit: {{log: '{log}'}}", quickstart.read_text()))
    return CliRunner().invoke(main, ["check", "--config", str(quickstart), "--at", QUICKSTART_AT],
                              catch_exceptions=False)


def test_gate_on_a_full_disk_or_a_directory_is_one_line_and_exit_two(quickstart: Path, tmp_path: Path) -> None:
    (tmp_path / "dir.jsonl").mkdir()
    result = _check(quickstart, tmp_path / "dir.jsonl")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [f"relgate: error: {tmp_path / 'dir.jsonl'}: cannot open the audit "
                                                  f"log for appending: Is a directory"]
    with tiny_tmpfs(tmp_path / "disk") as disk:
        (disk / "filler").write_bytes(b"x" * (62 * 1024))
        full = _check(quickstart, disk / "audit.jsonl")
        assert full.exit_code == 2 and "Traceback" not in full.output, full.output
        assert "No space left on device" in full.stderr and len(full.stderr.strip().splitlines()) == 1
        assert (disk / "audit.jsonl").read_bytes() == b""
