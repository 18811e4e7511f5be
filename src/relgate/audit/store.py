"""Where audit records live, chosen by URL: `jsonl:PATH` (default), `sqlite:PATH`, `postgresql://…`.

One path rule for every command: a relative path given as a flag (`--log`,
`--store`, `--audit-log`) is relative to the working directory; one written in the
config (`audit.log`, `audit.store`) is relative to the config file's folder.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from relgate.audit.chain import HASH, SEQ, STREAM, follow, link
from relgate.config import DEFAULT_AUDIT_LOG, Config
from relgate.errors import AuditError

if TYPE_CHECKING:
    from relgate.audit.chain import Signer

BLANK, TORN = "blank", "torn"
# One stored row before parsing: (position, defect, text, columns, mark). `columns` are the SQL chain
# columns (stream, seq, id, hash) or None; `mark` is how far the read has come, in the units of
# `size_hint()` (bytes of a JSONL file, row positions of a table), for progress and its ETA.
RawRow = tuple[int, str, bytes | str, tuple[Any, ...] | None, int]


@dataclass(frozen=True)
class Entry:
    """One stored record as its store holds it.

    `columns` are the chain fields a store keeps beside the body (SQL columns), so a
    verifier can check each against the body at its own record; `defect` marks a
    stored line that is not a record at all (BLANK, or a TORN final line).
    """

    position: int
    record: dict[str, Any]
    columns: Mapping[str, Any] | None = None
    defect: str = ""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def parse_record(text: str | bytes, where: str) -> dict[str, Any]:
    """A stored record's JSON object; anything else (not UTF-8, not JSON, NaN, not an object) is an AuditError."""
    try:
        record = _DECODER.decode(text.decode("utf-8") if isinstance(text, bytes) else text)
    except UnicodeDecodeError:
        raise AuditError(f"{where}: unreadable record: not UTF-8") from None
    except ValueError as exc:
        raise AuditError(f"{where}: unreadable record: not JSON ({str(exc).split(':')[0]})") from None
    if not isinstance(record, dict):
        raise AuditError(f"{where}: unreadable record: a JSON {type(record).__name__}, not an object")
    return record


class AuditStore(Protocol):
    """What every store does; the chain itself is built by `chain.link` (new) or `chain.follow` (imported)."""

    where: str

    def append(
        self, body: Mapping[str, Any], stream: str, key: Signer | None = None
    ) -> dict[str, Any]: ...

    def adopt(self, record: Mapping[str, Any]) -> dict[str, Any]: ...

    def entries(self) -> Iterator[Entry]: ...

    def records(self, progress: Callable[[int, int], None] | None = None) -> Iterator[tuple[int, dict[str, Any]]]: ...

    def raw_rows(self) -> Iterator[RawRow]: ...

    def row_label(self) -> str: ...

    def size_hint(self) -> int | None: ...

    def get(self, wanted: str) -> dict[str, Any]: ...


@runtime_checkable
class RangedStore(Protocol):
    """A table store whose rows a worker process reads itself, by a range of positions on its own connection
    (`relgate audit report` and `verify`: the rows are not read and handed over by one process)."""

    where: str

    def ranges(self, size: int) -> Iterator[tuple[int, int]]: ...

    def rows_in(self, first: int, last: int) -> Iterator[tuple[int, bytes | str]]: ...

    def raw_rows_in(self, first: int, last: int) -> Generator[RawRow, None, None]: ...

    def row_label(self) -> str: ...


def cut_positions(bounds: tuple[int | None, int | None], following: Callable[[int], int | None],
                  size: int) -> Iterator[tuple[int, int]]:
    """Ranges [first, last] of at most `size` positions from `bounds` (the first and last stored now: rows appended
    later are left out), each starting at a stored row (`following(p)`: the first position after p, by the index),
    so a gap in the numbering makes no empty ranges."""
    low, high = bounds
    while low is not None and high is not None and low <= high:
        last = min(low + size - 1, high)
        yield low, last
        low = following(last) if last < high else None


class LinkingStore(ABC):
    """Append, import and read for a store that writes one record under its stream lock and lists its entries."""

    where: str

    def append(self, body: Mapping[str, Any], stream: str, key: Signer | None = None) -> dict[str, Any]:
        """Chain, sign and store one new record."""
        return self._write(stream, lambda seq, prev: link(body, stream, seq, prev, key))

    def adopt(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Store an already-chained record (an import), keeping its hash and signature."""
        return self._write(str(record.get(STREAM, "")), lambda seq, prev: follow(record, seq, prev))

    def records(self, progress: Callable[[int, int], None] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
        """(position, record) for readers; a blank line is passed over, a torn final line is an error.

        `progress`, when given, is called with (rows read, read mark; see `size_hint`) row by row.
        """
        label = self.row_label()
        count = 0
        for position, defect, text, _, mark in self.raw_rows():
            count += 1
            if progress is not None:
                progress(count, mark)
            if defect == BLANK:
                continue
            if defect:
                raise AuditError(f"{self.where}:{position}: torn final record (an append was interrupted); "
                                 f"run `relgate audit repair` to remove it")
            yield position, parse_record(text, f"{label}{position}")

    def entries(self) -> Iterator[Entry]:
        """Every stored record in order; a store that does not exist is an AuditError, never zero records."""
        label = self.row_label()
        for position, defect, text, columns, _ in self.raw_rows():
            if defect:
                yield Entry(position, {}, defect=defect)
            else:
                yield Entry(position, parse_record(text, f"{label}{position}"),
                            dict(zip((STREAM, SEQ, "id", HASH), columns, strict=True)) if columns else None)

    @abstractmethod
    def raw_rows(self) -> Iterator[RawRow]:
        """Every stored row in order, unparsed (so verification can parse them in parallel)."""

    @abstractmethod
    def row_label(self) -> str:
        """What precedes a row's position in a message: `path:` (a line) or `sqlite:path: row `."""

    def size_hint(self) -> int | None:
        """How many units `raw_rows` marks will reach at the end (for an ETA), when cheap to know."""
        return None

    @abstractmethod
    def _write(self, stream: str, make: Callable[[int, str], dict[str, Any]]) -> dict[str, Any]:
        """Holding the stream's lock, build the record from the head (seq, hash) and store it."""


def open_store(url: str | Path, base_dir: Path | None = None) -> AuditStore:
    """Open a store by URL; a bare path is a JSONL file. Relative paths are relative to `base_dir` (else cwd)."""
    text = str(url)
    base = base_dir or Path.cwd()
    if text.startswith(("postgresql://", "postgres://")):
        from relgate.audit.postgres import PostgresStore

        return PostgresStore(text)
    if text.startswith("sqlite:"):
        from relgate.audit.sqlite import SqliteStore

        return SqliteStore(base / text[len("sqlite:"):])
    if text.startswith("jsonl:"):
        text = text[len("jsonl:"):]
    elif ":" in text.split("/", 1)[0] and not Path(text).exists():
        raise AuditError(f"audit store {text!r}: expected jsonl:PATH, sqlite:PATH or postgresql://…")
    if not text:
        raise AuditError("audit store: empty path")
    from relgate.audit.jsonl import JsonlStore

    return JsonlStore(base / text)


def choose_store(*, store: str | None = None, log: str | Path | None = None,
                 config: Config | None = None) -> AuditStore:
    """The store a command reads or writes, by the one path rule (flags: cwd; config values: the config's folder)."""
    if store and log:
        raise AuditError("give either --store or --log, not both")
    if store:
        return open_store(store)
    if log:
        return open_store(f"jsonl:{log}")
    if config is not None:
        return open_store(config.store_url, config.base_dir)
    return open_store(f"jsonl:{DEFAULT_AUDIT_LOG}")
