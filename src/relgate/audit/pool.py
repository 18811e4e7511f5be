"""Examine a store's rows in worker processes, chunk by chunk, and hand the results back in order.

Verification is CPU-bound (JSON parse, canonical form, SHA-256, Ed25519) and each
record can be examined alone, so the rows are read in one process, cut into chunks
and examined by one worker per core; the results come back in the log's order for
the walk that links them. At most two chunks per worker are in flight, so memory
stays flat whatever the size of the log. A log smaller than a few chunks is
examined in this process: starting workers would cost more than it saves.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from relgate.audit.chain import key_id
from relgate.audit.examine import Examined, examine_rows
from relgate.audit.store import AuditStore, RawRow

if TYPE_CHECKING:
    from concurrent.futures import Future

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CHUNK = 2000
_WORKER: tuple[Any, str | None] = (None, None)


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def examined_rows(store: AuditStore, public_key: Ed25519PublicKey | None, *, workers: int | None = None,
                  chunk: int = CHUNK, progress: Callable[[int, int], None] | None = None,
                  ) -> Generator[Examined, None, None]:
    """Every row of `store`, examined, in order; `progress(records read, read mark)` after each chunk."""
    expected = key_id(public_key) if public_key is not None else None
    label = store.row_label()
    rows = store.raw_rows()
    report = progress or (lambda done, mark: None)
    try:
        chunks = _chunks(rows, chunk)
        first = list(islice(chunks, 2))
        workers = cores() if workers is None else workers
        if workers <= 1 or len(first) < 2:
            done = 0
            for batch in _chain(first, chunks):
                done += len(batch)
                report(done, batch[-1][4])
                yield from examine_rows(label, batch, public_key, expected)
            return
        yield from _in_workers(label, _chain(first, chunks), public_key, expected, workers, report)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _chain(first: list[list[RawRow]], rest: Iterator[list[RawRow]]) -> Iterator[list[RawRow]]:
    yield from first
    yield from rest


def _chunks(rows: Iterator[RawRow], size: int) -> Iterator[list[RawRow]]:
    while True:
        batch = list(islice(rows, size))
        if not batch:
            return
        yield batch


def _in_workers(label: str, chunks: Iterator[list[RawRow]], public_key: Ed25519PublicKey | None,
                expected: str | None, workers: int, report: Callable[[int, int], None],
                ) -> Generator[Examined, None, None]:
    from concurrent.futures import ProcessPoolExecutor

    raw_key = public_key.public_bytes_raw() if public_key is not None else None
    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_start, initargs=(raw_key, expected))
    pending: deque[tuple[Future[list[Examined]], int, int]] = deque()
    done = 0
    try:
        for batch in chunks:
            pending.append((pool.submit(_examine, label, batch), len(batch), batch[-1][4]))
            if len(pending) >= 2 * workers:
                done = yield from _deliver(pending.popleft(), done, report)
        while pending:
            done = yield from _deliver(pending.popleft(), done, report)
    finally:
        for future, _, _ in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _deliver(item: tuple[Future[list[Examined]], int, int], done: int,
             report: Callable[[int, int], None]) -> Generator[Examined, None, int]:
    future, size, mark = item
    results = future.result()
    done += size
    report(done, mark)
    yield from results
    return done


def _context() -> Any:
    """fork when this process runs one thread (cheap: workers inherit what is loaded), else spawn (safe)."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _start(raw_key: bytes | None, expected: str | None) -> None:
    global _WORKER
    key = None
    if raw_key is not None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        key = Ed25519PublicKey.from_public_bytes(raw_key)
    _WORKER = (key, expected)


def _examine(label: str, rows: list[RawRow]) -> list[Examined]:
    key, expected = _WORKER
    return examine_rows(label, rows, key, expected)
