"""Run CPU-bound work over a stream of chunks, one worker process per core, handing results back in order.

`relgate audit verify` and `relgate replay` spend their time in work each record
allows alone (hashing and signature checks; policy evaluation), so the input is cut
into chunks, each chunk goes to a worker, and results come back in the input's
order. At most two chunks per worker are in flight, so memory stays flat whatever
the size of the log. Work of fewer than two chunks runs in this process: starting
workers would cost more than it saves.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

In = TypeVar("In")
Out = TypeVar("Out")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def chunked(items: Iterator[In], size: int) -> Iterator[list[In]]:
    while True:
        batch = list(islice(items, size))
        if not batch:
            return
        yield batch


def ordered(chunks: Iterator[list[In]], task: Callable[[list[In]], Out], *, initializer: Callable[..., None],
            initargs: tuple[Any, ...] = (), workers: int | None = None,
            ) -> Generator[tuple[list[In], Out], None, None]:
    """(chunk, task(chunk)) for every chunk, in order. `task` and `initializer` must be module-level functions:
    the initializer sets up each worker (and this process, when the work is small)."""
    first = list(islice(chunks, 2))
    workers = cores() if workers is None else workers
    if workers <= 1 or len(first) < 2:
        initializer(*initargs)
        for batch in _chain(first, chunks):
            yield batch, task(batch)
        return
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=initializer, initargs=initargs)
    pending: deque[tuple[list[In], Future[Out]]] = deque()
    try:
        for batch in _chain(first, chunks):
            pending.append((batch, pool.submit(task, batch)))
            if len(pending) >= 2 * workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _chain(first: list[list[In]], rest: Iterator[list[In]]) -> Iterator[list[In]]:
    yield from first
    yield from rest


def _context() -> Any:
    """fork when this process runs one thread (cheap: workers inherit what is loaded), else spawn (safe)."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
