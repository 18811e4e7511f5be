"""An SQLite audit store: one file, the same chain, appends serialised by SQLite's write lock.

Readers open the file read-only and never create it or its table: a missing file
or a dropped table is an error, not an empty store.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

from relgate.audit.chain import HASH, SEQ
from relgate.audit.store import LinkingStore, RawRow, cut_positions, parse_record
from relgate.errors import AuditError

SCHEMA = """
CREATE TABLE IF NOT EXISTS relgate_records (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (stream, seq)
)
"""
# The head as the columns say, and as its body says: an append refuses to chain onto a row edited in one place only.
HEAD = ("SELECT seq, hash, json_extract(body, '$.relgateseq'), json_extract(body, '$.relgatehash') "
        "FROM relgate_records WHERE stream = ? ORDER BY seq DESC LIMIT 1")

ROWS = "SELECT position, stream, seq, id, hash, CAST(body AS BLOB) FROM relgate_records"


class SqliteStore(LinkingStore):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"sqlite:{path}"

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            connection.execute(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise AuditError(f"{self.where}: cannot open the audit store: {exc}") from None
        return connection

    def _read(self) -> sqlite3.Connection:
        """A read-only connection to an existing store with its table."""
        if not self.path.is_file():
            raise AuditError(f"{self.where}: no audit store here (a relative --store is read from the working "
                             f"directory, a relative audit.store from the config file's folder)")
        try:
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'relgate_records'").fetchone()
        except sqlite3.Error as exc:
            raise AuditError(f"{self.where}: cannot read the audit store: {exc}") from None
        if not found:
            connection.close()
            raise AuditError(f"{self.where}: no relgate_records table (not a relgate store, or the table was dropped)")
        return connection

    def _write(self, stream: str, make: Callable[[int, str], dict[str, Any]]) -> dict[str, Any]:
        connection = self._connect()
        try:
            # BEGIN IMMEDIATE takes the write lock first, so two writers cannot read the same head.
            connection.execute("BEGIN IMMEDIATE")
            head = connection.execute(HEAD, (stream,)).fetchone()
            if head and (head[0] != head[2] or head[1] != head[3]):
                raise AuditError(f"{self.where}: the last record of stream {stream} has seq/hash columns that "
                                 f"differ from its body; the store was edited (run `relgate audit verify`)")
            record = make(head[0] if head else 0, head[1] if head else "")
            connection.execute(
                "INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES (?, ?, ?, ?, ?)",
                (stream, record[SEQ], str(record["id"]), record[HASH],
                 json.dumps(record, separators=(",", ":"), ensure_ascii=False)),
            )
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise AuditError(f"{self.where}: append failed: {exc}") from None
        finally:
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):  # closing the connection rolls back too
                    connection.execute("ROLLBACK")
            connection.close()
        return record

    def raw_rows(self) -> Iterator[RawRow]:
        """Bodies come as their bytes: the record's reader checks UTF-8 itself and names the row that is not."""
        return self._raw(f"{ROWS} ORDER BY position")

    def raw_rows_in(self, first: int, last: int) -> Generator[RawRow, None, None]:
        """`raw_rows` of the rows in [first, last], on a read-only connection of its own."""
        return self._raw(f"{ROWS} WHERE position BETWEEN ? AND ? ORDER BY position", (first, last))

    def _raw(self, query: str, bounds: tuple[int, ...] = ()) -> Generator[RawRow, None, None]:
        connection = self._read()
        try:
            for position, stream, seq, record_id, digest, body in connection.execute(query, bounds):
                yield position, "", body, (stream, seq, record_id, digest), position
        except sqlite3.Error as exc:
            raise AuditError(f"{self.where}: cannot read records: {exc}") from None
        finally:
            connection.close()

    def ranges(self, size: int) -> Iterator[tuple[int, int]]:
        """The table cut into ranges of positions up to its last row now (`store.cut_positions`), for `rows_in`."""
        connection = self._read()
        try:
            bounds = connection.execute("SELECT min(position), max(position) FROM relgate_records").fetchone()
            yield from cut_positions(bounds, lambda after: connection.execute(
                "SELECT min(position) FROM relgate_records WHERE position > ?", (after,)).fetchone()[0], size)
        except sqlite3.Error as exc:
            raise AuditError(f"{self.where}: cannot read records: {exc}") from None
        finally:
            connection.close()

    def rows_in(self, first: int, last: int) -> Iterator[tuple[int, bytes | str]]:
        """(position, body) of the rows in [first, last], in order, on a read-only connection of its own; a body
        comes as its bytes (a fifth less time than making a str, which the record's reader does not need)."""
        connection = self._read()
        try:
            yield from connection.execute("SELECT position, CAST(body AS BLOB) FROM relgate_records "
                                          "WHERE position BETWEEN ? AND ? ORDER BY position", (first, last))
        except sqlite3.Error as exc:
            raise AuditError(f"{self.where}: cannot read records: {exc}") from None
        finally:
            connection.close()

    def row_label(self) -> str:
        return f"{self.where}: row "

    def size_hint(self) -> int | None:
        """The last row's position (rows are numbered as they are appended): an ETA's denominator."""
        try:
            connection = self._read()
        except AuditError:
            return None
        try:
            last = connection.execute("SELECT max(position) FROM relgate_records").fetchone()[0]
        except sqlite3.Error:
            return None
        finally:
            connection.close()
        return int(last) if last else None

    def get(self, wanted: str) -> dict[str, Any]:
        connection = self._read()
        try:
            query = "SELECT id, body FROM relgate_records WHERE id LIKE ? || '%'"
            rows = connection.execute(query, (wanted,)).fetchall()
        except sqlite3.Error as exc:
            raise AuditError(f"{self.where}: cannot read records: {exc}") from None
        finally:
            connection.close()
        return pick(rows, wanted, self.where)


def pick(rows: list[tuple[str, str]], wanted: str, where: str) -> dict[str, Any]:
    """The record with this id, or the only one whose id starts with it."""
    exact = [body for record_id, body in rows if record_id == wanted]
    if exact:
        return parse_record(exact[0], f"{where}: record {wanted}")
    if len(rows) == 1:
        return parse_record(rows[0][1], f"{where}: record {rows[0][0]}")
    if not rows:
        raise AuditError(f"{where}: no record with id {wanted!r}")
    raise AuditError(f"{where}: id prefix {wanted!r} matches {len(rows)} records")
