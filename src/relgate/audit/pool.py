"""Examine a store's records in worker processes, part by part, and hand back what the walk needs, in order.

Verification is CPU-bound (JSON parse, canonical form, SHA-256, Ed25519) and each
record can be examined alone, so the log is cut into parts examined by one worker
per core (`relgate.workers`). A worker reads its part itself: a byte range of a JSONL
log, or a range of row positions of a table on its own connection (this process only
finds where parts start; a store that cannot be read in ranges is read here). For a
part in which nothing fails on its own, a worker sends back one `Stretch` (a few
numbers per stream) instead of a result per record; for any other part this process
examines the records again itself, with their line numbers, and hands them on one by
one, so the walk names the same record with the same message as reading in order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import closing
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from relgate.audit.chain import key_id
from relgate.audit.examine import Examined, examine_rows
from relgate.audit.jsonl import JsonlStore, parts_of
from relgate.audit.store import AuditStore, RangedStore, RawRow
from relgate.audit.verify import Stretch, stretch_of
from relgate.errors import AuditError
from relgate.portable import OPEN_FLAGS
from relgate.workers import chunked, ordered

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CHUNK = 2000  # database rows per task
SPAN = 4 << 20  # bytes of a JSONL log per task (about 1,700 gate records)
Anchors = Mapping[str, Mapping[int, str]]


class _Setup(NamedTuple):
    label: str
    key: Ed25519PublicKey | None
    expected: str | None
    anchors: Anchors
    log: JsonlStore | None = None
    fd: int = -1
    identity: tuple[int, int] = (0, 0)
    table: RangedStore | None = None


_WORKER = _Setup("", None, None, {})


def examined_rows(store: AuditStore, public_key: Ed25519PublicKey | None, *, workers: int | None = None,
                  chunk: int = CHUNK, span: int = SPAN, anchors: Anchors | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  ) -> Generator[Examined | Stretch, None, None]:
    """Every record of `store` for `verify.walk`, in order; `progress(records read, read mark)` after each part.

    `anchors` (checkpoints' {stream: {seq: hash}}) only decide which parts are handed on
    record by record; the walk checks them.
    """
    expected = key_id(public_key) if public_key is not None else None
    raw_key = public_key.public_bytes_raw() if public_key is not None else None
    anchors = {name: dict(marks) for name, marks in (anchors or {}).items()}
    if isinstance(store, JsonlStore):
        opened = store.open_regular()
        if opened is not None:
            fd, status = opened
            try:
                yield from _log_parts(store, fd, status, public_key, (raw_key, expected, anchors), workers, span,
                                      progress)
            finally:
                os.close(fd)
            return
    if isinstance(store, RangedStore):
        yield from _range_parts(store, public_key, (raw_key, expected, anchors), workers, chunk, progress)
        return
    yield from _row_parts(store, public_key, (raw_key, expected, anchors), workers, chunk, progress)


def _log_parts(store: JsonlStore, fd: int, status: os.stat_result, public_key: Ed25519PublicKey | None,
               keys: tuple[bytes | None, str | None, Anchors], workers: int | None, span: int,
               progress: Callable[[int, int], None] | None) -> Iterator[Examined | Stretch]:
    label = store.row_label()
    identity = (status.st_dev, status.st_ino)
    parts = ([part] for part in parts_of(fd, status.st_size, span))
    work = ordered(parts, _examine_part, initializer=_start,
                   initargs=(label, *keys, store, fd, identity), workers=workers)
    return _handed_on(work, lambda part, lines: store.rows_between(fd, *part, lines + 1), label, public_key, keys[1],
                      progress)


def _range_parts(store: RangedStore, public_key: Ed25519PublicKey | None,
                 keys: tuple[bytes | None, str | None, Anchors], workers: int | None, chunk: int,
                 progress: Callable[[int, int], None] | None) -> Iterator[Examined | Stretch]:
    label = store.row_label()
    work = ordered(([part] for part in store.ranges(chunk)), _examine_range, initializer=_start,
                   initargs=(label, *keys, None, -1, (0, 0), store), workers=workers)
    return _handed_on(work, lambda part, _: store.raw_rows_in(*part), label, public_key, keys[1], progress)


def _handed_on(work: Generator[tuple[list[tuple[int, int]], Stretch | None], None, None],
               rows_of: Callable[[tuple[int, int], int], Iterable[RawRow]], label: str,
               public_key: Ed25519PublicKey | None, expected: str | None,
               progress: Callable[[int, int], None] | None) -> Iterator[Examined | Stretch]:
    """The workers' answers for parts (start, end) that they read themselves, in order: a Stretch with the way to
    examine its records here should the walk need them, a part that failed examined here record by record.
    `rows_of(part, records before it)` reads a part again; `progress(records, end)` follows each part."""
    done = 0
    try:
        for batch, stretch in work:
            part = batch[0]
            again = partial(_again, label, rows_of(part, done), public_key, expected)
            if stretch is None:
                items = list(again())
                done += len(items)
                yield from items
            else:
                done += stretch.records
                yield stretch._replace(detail=again)
            if progress is not None:
                progress(done, part[1])
    finally:
        work.close()  # stops the workers at once when the walk ends early


def _row_parts(store: AuditStore, public_key: Ed25519PublicKey | None,
               keys: tuple[bytes | None, str | None, Anchors], workers: int | None, chunk: int,
               progress: Callable[[int, int], None] | None) -> Iterator[Examined | Stretch]:
    label, expected = store.row_label(), keys[1]
    rows = store.raw_rows()
    work = ordered(chunked(rows, chunk), _examine_rows, initializer=_start, initargs=(label, *keys),
                   workers=workers)
    done = 0
    try:
        for batch, stretch in work:
            done += len(batch)
            again = partial(_again, label, batch, public_key, expected)
            if stretch is None:
                yield from again()
            else:
                yield stretch._replace(detail=again)
            if progress is not None:
                progress(done, batch[-1][4])
    finally:
        work.close()
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _again(label: str, rows: Iterable[RawRow], key: Ed25519PublicKey | None, expected: str | None,
           ) -> Iterator[Examined]:
    """A part's records examined one by one in this process (lazily: a part that joins never needs it)."""
    return examine_rows(label, rows, key, expected)


def _start(label: str, raw_key: bytes | None, expected: str | None, anchors: Anchors,
           log: JsonlStore | None = None, fd: int = -1, identity: tuple[int, int] = (0, 0),
           table: RangedStore | None = None) -> None:
    global _WORKER
    key = None
    if raw_key is not None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        key = Ed25519PublicKey.from_public_bytes(raw_key)
    _WORKER = _Setup(label, key, expected, anchors, log, fd, identity, table)


def _log_fd() -> int:
    """The log this process was given: the descriptor it inherited, else the same file opened again by name."""
    global _WORKER
    setup = _WORKER
    try:
        status = os.fstat(setup.fd)
    except OSError:
        status = None
    if status is not None and (status.st_dev, status.st_ino) == setup.identity:
        return setup.fd
    assert setup.log is not None
    try:
        fd = os.open(setup.log.path, os.O_RDONLY | OPEN_FLAGS)
    except OSError as exc:
        raise AuditError(f"{setup.log.path}: cannot read the audit log: {exc.strerror or exc}") from None
    status = os.fstat(fd)
    if (status.st_dev, status.st_ino) != setup.identity:
        os.close(fd)
        raise AuditError(f"{setup.log.path}: the audit log was replaced while it was being verified")
    _WORKER = setup._replace(fd=fd)
    return fd


def _examine_part(part: list[tuple[int, int]]) -> Stretch | None:
    setup = _WORKER
    assert setup.log is not None
    start, end = part[0]
    return _examine_rows(setup.log.rows_between(_log_fd(), start, end, 1))  # numbered here if they are needed


def _examine_rows(rows: Iterable[RawRow]) -> Stretch | None:
    setup = _WORKER
    return stretch_of(examine_rows(setup.label, rows, setup.key, setup.expected), setup.anchors)


def _examine_range(part: list[tuple[int, int]]) -> Stretch | None:
    """A range of a table's rows, read on this worker's own connection; a range it cannot read is read again by the
    main process, which then meets the same error where the in-order reading would."""
    setup = _WORKER
    assert setup.table is not None
    [(first, last)] = part
    try:
        with closing(setup.table.raw_rows_in(first, last)) as rows:
            return _examine_rows(rows)
    except AuditError:
        return None
