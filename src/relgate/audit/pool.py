"""Examine a store's rows in worker processes, chunk by chunk, and hand the results back in order.

Verification is CPU-bound (JSON parse, canonical form, SHA-256, Ed25519) and each
record can be examined alone, so the rows are read in this process, cut into chunks
and examined by one worker per core (`relgate.workers`); the results come back in
the log's order for the walk that links them.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from relgate.audit.chain import key_id
from relgate.audit.examine import Examined, examine_rows
from relgate.audit.store import AuditStore, RawRow
from relgate.workers import chunked, ordered

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CHUNK = 2000
_WORKER: tuple[str, Any, str | None] = ("", None, None)


def examined_rows(store: AuditStore, public_key: Ed25519PublicKey | None, *, workers: int | None = None,
                  chunk: int = CHUNK, progress: Callable[[int, int], None] | None = None,
                  ) -> Generator[Examined, None, None]:
    """Every row of `store`, examined, in order; `progress(records read, read mark)` after each chunk."""
    expected = key_id(public_key) if public_key is not None else None
    raw_key = public_key.public_bytes_raw() if public_key is not None else None
    rows = store.raw_rows()
    work = ordered(chunked(rows, chunk), _examine, initializer=_start,
                   initargs=(store.row_label(), raw_key, expected), workers=workers)
    done = 0
    try:
        for batch, results in work:
            done += len(batch)
            if progress is not None:
                progress(done, batch[-1][4])
            yield from results
    finally:
        work.close()  # stops the workers at once when the walk ends early
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _start(label: str, raw_key: bytes | None, expected: str | None) -> None:
    global _WORKER
    key = None
    if raw_key is not None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        key = Ed25519PublicKey.from_public_bytes(raw_key)
    _WORKER = (label, key, expected)


def _examine(rows: list[RawRow]) -> list[Examined]:
    label, key, expected = _WORKER
    return examine_rows(label, rows, key, expected)
