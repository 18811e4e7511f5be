"""Verification in worker processes reaches exactly the verdict of the in-order verifier, record for record.

The parallel path cuts the log into chunks examined by a process pool; these tests
force it on small logs (two workers, chunks of three records) and compare its report
with `verify(store.entries())` on logs damaged in every way the verifier knows, with
the damage in the middle of a chunk, at a chunk's edge and at the end.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.chain import SIG, sign
from relgate.audit.jsonl import JsonlStore
from relgate.audit.pool import examined_rows
from relgate.audit.store import AuditStore, open_store
from relgate.audit.verify import Stretch, VerifyReport, verify, verify_store, walk
from relgate.errors import AuditError
from tests.audit.helpers import body

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
COUNT = 14


def parallel(store: AuditStore, key: Ed25519PrivateKey | None = KEY, chunk: int = 3,
             anchors: dict[str, dict[int, str]] | None = None, tell_workers: bool = True) -> VerifyReport:
    """Verified by the pool in parts of about `chunk` records (rows of a table; lines of a log, cut by bytes)."""
    public = key.public_key() if key else None
    rows = examined_rows(store, public, workers=2, chunk=chunk, span=_span(store, chunk),
                         anchors=anchors if tell_workers else None)
    try:
        return walk(rows, public is not None, anchors)
    finally:
        rows.close()


def _span(store: AuditStore, lines: int) -> int:
    """Bytes that make parts of `lines` lines of a log of (nearly) equal lines."""
    if not isinstance(store, JsonlStore):
        return 1
    text = store.path.read_bytes()
    return max(1, lines * len(text) // max(1, text.count(b"\n")) - 1)


def in_order(store: AuditStore, key: Ed25519PrivateKey | None = KEY,
             anchors: dict[str, dict[int, str]] | None = None) -> VerifyReport:
    return verify(store.entries(), key.public_key() if key else None, anchors)


def jsonl_log(tmp_path: Path, count: int = COUNT) -> Path:
    store = open_store(f"jsonl:{tmp_path}/audit.jsonl")
    for index in range(count):
        store.append(body(service=("checkout", "search")[index % 2]), f"s{index % 2}/production", key=KEY)
    return tmp_path / "audit.jsonl"


def edit_line(path: Path, number: int, change: Callable[[dict[str, object]], object]) -> None:
    lines = path.read_text().splitlines(keepends=True)
    record = json.loads(lines[number - 1])
    replaced = change(record)
    lines[number - 1] = replaced if isinstance(replaced, str) else json.dumps(record, separators=(",", ":")) + "\n"
    path.write_text("".join(lines))


def resign_elsewhere(record: dict[str, object]) -> None:
    record[SIG] = sign(str(record["relgatehash"]), OTHER)


DAMAGE: dict[str, Callable[[dict[str, object]], object]] = {
    "changed field": lambda r: r.update(time="2020-01-01T00:00:00Z"),
    "foreign signature": resign_elsewhere,
    "unsigned": lambda r: r.pop(SIG) and None,
    "seq of wrong type": lambda r: r.update(relgateseq="7"),
    "unknown canonical form": lambda r: r.update(relgatecanon=3),
    "broken link": lambda r: r.update(relgateprev="sha256:" + "0" * 64),
    "blank line": lambda r: "\n",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("line", [1, 5, 6, 7, COUNT])  # chunk start, middle, end (chunks of 3), last record
def test_damage_anywhere_is_named_exactly_as_in_order(tmp_path: Path, damage: str, line: int) -> None:
    log = jsonl_log(tmp_path)
    edit_line(log, line, DAMAGE[damage])
    store = open_store(f"jsonl:{log}")
    expected = in_order(store)
    assert not expected.ok and expected.line == line, expected
    assert parallel(store) == expected


def test_a_clean_log_verifies_the_same_with_any_chunking(tmp_path: Path) -> None:
    store = open_store(f"jsonl:{jsonl_log(tmp_path)}")
    expected = in_order(store)
    assert expected.ok and expected.count == COUNT
    for chunk in (1, 2, 3, 5, COUNT, COUNT + 1):
        assert parallel(store, chunk=chunk) == expected
    assert parallel(store, key=None) == in_order(store, key=None)
    assert verify_store(store, KEY.public_key()) == expected  # the command's own entry point


def test_a_removed_or_swapped_record_is_named_as_in_order(tmp_path: Path) -> None:
    log = jsonl_log(tmp_path)
    lines = log.read_text().splitlines(keepends=True)
    for damaged in (lines[:6] + lines[7:], [*lines[:4], lines[6], lines[5], lines[4], *lines[7:]]):
        log.write_text("".join(damaged))
        store = open_store(f"jsonl:{log}")
        expected = in_order(store)
        assert not expected.ok
        assert parallel(store) == expected


def test_an_unreadable_line_mid_chunk_is_the_same_error(tmp_path: Path) -> None:
    log = jsonl_log(tmp_path)
    edit_line(log, 8, lambda r: '{"not json\n')
    store = open_store(f"jsonl:{log}")
    with pytest.raises(AuditError) as sequential:
        in_order(store)
    with pytest.raises(AuditError) as pooled:
        parallel(store)
    assert str(pooled.value) == str(sequential.value)
    assert f"{log}:8: unreadable record" in str(pooled.value)


def test_an_earlier_failure_wins_over_a_later_unreadable_line(tmp_path: Path) -> None:
    log = jsonl_log(tmp_path)
    edit_line(log, 3, DAMAGE["changed field"])
    edit_line(log, 11, lambda r: "NaN\n")
    store = open_store(f"jsonl:{log}")
    assert parallel(store) == in_order(store)
    assert parallel(store).line == 3


def test_a_torn_final_line_is_named_as_in_order(tmp_path: Path) -> None:
    log = jsonl_log(tmp_path)
    with log.open("ab") as handle:
        handle.write(b'{"specversion":"1.0","id":')
    store = open_store(f"jsonl:{log}")
    assert parallel(store) == in_order(store)
    assert "torn final record" in parallel(store).reason


def test_checkpoint_anchors_are_checked_as_in_order(tmp_path: Path) -> None:
    store = open_store(f"jsonl:{jsonl_log(tmp_path)}")
    good = in_order(store)
    heads = {s.name: s.head for s in good.streams}
    cut = {"s0/production": {99: "sha256:x"}}
    rewritten = {"s1/production": {3: "sha256:" + "1" * 64}}
    kept = {name: {1: ""} for name in heads} | {"s0/production": {good.streams[0].last_seq: heads["s0/production"]}}
    for anchors in (cut, rewritten):
        for told in (True, False):  # workers that were not told of the checkpoints: the walk looks closer itself
            assert parallel(store, anchors=anchors, tell_workers=told) == in_order(store, anchors=anchors)
        assert not parallel(store, anchors=anchors).ok
    heads_kept = {s.name: {s.last_seq: s.head, 2: in_order_hash(store, s.name, 2)} for s in good.streams}
    for anchors in (kept, heads_kept):
        for told in (True, False):
            assert parallel(store, anchors=anchors, tell_workers=told) == in_order(store, anchors=anchors)
    assert parallel(store, anchors=heads_kept).ok


def in_order_hash(store: AuditStore, stream: str, seq: int) -> str:
    return next(str(e.record["relgatehash"]) for e in store.entries()
                if e.record["relgatestream"] == stream and e.record["relgateseq"] == seq)


def test_sql_stores_edited_rows_are_named_as_in_order(sql_store_url: str) -> None:
    store = open_store(sql_store_url)
    for _ in range(10):
        store.append(body(), "checkout/production", key=KEY)
    positions = [entry.position for entry in store.entries()]
    assert parallel(store) == in_order(store) and in_order(store).ok
    edits = [("UPDATE relgate_records SET hash = ? WHERE position = ?", "sha256:" + "0" * 64, positions[4]),
             ("UPDATE relgate_records SET body = replace(body, 'lee', 'eve') WHERE position = ?", None, positions[7])]
    for sql, value, position in edits:
        _execute(sql_store_url, sql, *((value, position) if value is not None else (position,)))
        expected = in_order(store)
        assert not expected.ok and parallel(store) == expected
    assert in_order(store).line == positions[4]


def _execute(url: str, sql: str, *args: object) -> None:
    if url.startswith("sqlite:"):
        with sqlite3.connect(url[len("sqlite:"):]) as connection:
            connection.execute(sql, args)
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.replace("?", "%s"), args)


def test_progress_reaches_the_end_of_the_log(tmp_path: Path) -> None:
    log = jsonl_log(tmp_path, 7)
    seen: list[tuple[int, int]] = []
    store = open_store(f"jsonl:{log}")
    rows = examined_rows(store, None, workers=2, span=_span(store, 2),
                         progress=lambda done, mark: seen.append((done, mark)))
    assert sum(unit.records if isinstance(unit, Stretch) else 1 for unit in rows) == 7
    assert len(seen) >= 3
    assert seen[-1] == (7, log.stat().st_size) and seen == sorted(seen)
    assert store.size_hint() == log.stat().st_size


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_log_read_through_a_pipe_verifies_as_the_file(tmp_path: Path) -> None:
    log = jsonl_log(tmp_path)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_bytes(log.read_bytes()))
    writer.start()
    try:
        through_pipe = verify_store(open_store(f"jsonl:{pipe}"), KEY.public_key(), workers=2)
    finally:
        writer.join()
    assert through_pipe == verify_store(open_store(f"jsonl:{log}"), KEY.public_key())
    assert through_pipe.ok and through_pipe.count == COUNT


def test_spawned_workers_open_the_log_themselves(tmp_path: Path) -> None:
    """With another thread running, workers are spawned (not forked): they open the log again by name."""
    log = jsonl_log(tmp_path)
    edit_line(log, 9, DAMAGE["changed field"])
    store = open_store(f"jsonl:{log}")
    done = threading.Event()
    other = threading.Thread(target=done.wait)
    other.start()
    try:
        assert parallel(store) == in_order(store)
    finally:
        done.set()
        other.join()
    assert in_order(store).line == 9


def test_workers_read_a_tables_rows_themselves(sql_store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """No process reads the whole table: each worker reads its ranges of positions on its own connection."""
    store = open_store(sql_store_url)
    for _ in range(COUNT):
        store.append(body(), "checkout/production", key=KEY)
    expected = in_order(store)
    monkeypatch.setattr(type(store), "raw_rows", lambda self: pytest.fail("the whole table was read"))
    seen: list[tuple[int, int]] = []
    rows = examined_rows(store, KEY.public_key(), workers=2, chunk=4,
                         progress=lambda done, mark: seen.append((done, mark)))
    try:
        assert walk(rows, True) == expected and expected.ok
    finally:
        rows.close()
    assert seen == sorted(seen) and len(seen) == 4 and seen[-1] == (COUNT, store.size_hint())


def test_a_range_a_worker_cannot_read_is_read_again_here(sql_store_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(sql_store_url)
    for _ in range(COUNT):
        store.append(body(), "checkout/production", key=KEY)
    _execute(sql_store_url, "UPDATE relgate_records SET hash = ? WHERE position = ?", "sha256:" + "0" * 64,
             [entry.position for entry in store.entries()][8])
    expected = in_order(store)
    here, read = os.getpid(), type(store).raw_rows_in

    def flaky(self: AuditStore, first: int, last: int) -> object:
        if os.getpid() != here:
            raise AuditError("a worker lost its connection")
        return read(self, first, last)

    monkeypatch.setattr(type(store), "raw_rows_in", flaky)
    assert parallel(store) == expected and expected.line == 9


def test_a_body_that_is_not_utf8_is_named_as_in_order(tmp_path: Path) -> None:
    store = open_store(f"sqlite:{tmp_path}/audit.db")
    for _ in range(COUNT):
        store.append(body(), "checkout/production", key=KEY)
    _execute(f"sqlite:{tmp_path}/audit.db", "UPDATE relgate_records SET body = CAST(X'7B22FF223A317D' AS TEXT) "
             "WHERE position = ?", 7)
    for read in (in_order, parallel):
        with pytest.raises(AuditError, match=r"audit\.db: row 7: unreadable record: not UTF-8$"):
            read(store)
