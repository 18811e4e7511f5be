"""A PostgreSQL audit store for many pipelines writing at once.

Appends to one chain are serialised inside the database with a transaction-level
advisory lock per stream, and (stream, seq) is the primary key: no fork, no gap,
no duplicate sequence number, whichever process writes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator, Iterator
from typing import Any

from relgate.audit.chain import HASH, SEQ
from relgate.audit.sqlite import pick
from relgate.audit.store import LinkingStore, RawRow, cut_positions, parse_record
from relgate.errors import AuditError
from relgate.redact import scrub

SCHEMA_VERSION = 1
MIGRATIONS = {
    1: [
        """CREATE TABLE IF NOT EXISTS relgate_records (
               position BIGSERIAL UNIQUE,
               stream TEXT NOT NULL,
               seq BIGINT NOT NULL,
               id TEXT NOT NULL UNIQUE,
               hash TEXT NOT NULL,
               body TEXT NOT NULL,
               written_at TIMESTAMPTZ NOT NULL DEFAULT now(),
               PRIMARY KEY (stream, seq))""",
    ],
}


def _redact(url: str) -> str:
    """The URL without its password (userinfo or `?password=`), for messages and record paths."""
    return scrub(url)


class PostgresStore(LinkingStore):
    def __init__(self, url: str) -> None:
        self.url = url
        self.where = _redact(url)
        self._reader: tuple[int, Any] | None = None  # (process id, connection) for `_copied`

    def _connect(self, create: bool = True) -> Any:
        """A connection; writers create or migrate the tables, readers require them to exist."""
        psycopg = _driver()
        try:
            connection = psycopg.connect(self.url, autocommit=False, connect_timeout=10)
        except psycopg.Error as exc:
            raise AuditError(f"{self.where}: cannot connect: {_first_line(exc)}") from None
        try:
            if create:
                self._migrate(connection)
            elif connection.execute("SELECT to_regclass('relgate_records')").fetchone()[0] is None:
                raise AuditError(f"{self.where}: no relgate_records table (not a relgate store, "
                                 f"or the table was dropped)")
        except psycopg.Error as exc:
            connection.close()
            raise AuditError(f"{self.where}: cannot prepare the audit store: {_first_line(exc)}") from None
        except BaseException:
            connection.close()
            raise
        return connection

    def _migrate(self, connection: Any) -> None:
        """Create or upgrade relgate's tables, once, under a database-wide advisory lock."""
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(hashtextextended('relgate-schema', 0))")
            connection.execute("CREATE TABLE IF NOT EXISTS relgate_schema (version INTEGER NOT NULL)")
            row = connection.execute("SELECT max(version) FROM relgate_schema").fetchone()
            current = row[0] or 0
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version]:
                    connection.execute(statement)
                connection.execute("INSERT INTO relgate_schema (version) VALUES (%s)", (version,))

    def _write(self, stream: str, make: Callable[[int, str], dict[str, Any]]) -> dict[str, Any]:
        psycopg = _driver()
        connection = self._connect()
        try:
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (stream,))
                head = connection.execute(
                    "SELECT seq, hash, body FROM relgate_records WHERE stream = %s ORDER BY seq DESC LIMIT 1",
                    (stream,),
                ).fetchone()
                if head:
                    body = parse_record(str(head[2]), f"{self.where}: the last record of stream {stream}")
                    if body.get(SEQ) != head[0] or body.get(HASH) != head[1]:
                        raise AuditError(f"{self.where}: the last record of stream {stream} has seq/hash columns "
                                         f"that differ from its body; the store was edited (run `relgate audit "
                                         f"verify`)")
                record = make(int(head[0]) if head else 0, str(head[1]) if head else "")
                connection.execute(
                    "INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES (%s, %s, %s, %s, %s)",
                    (stream, record[SEQ], str(record["id"]), record[HASH],
                     json.dumps(record, separators=(",", ":"), ensure_ascii=False)),
                )
        except psycopg.Error as exc:
            raise AuditError(f"{self.where}: append failed: {_first_line(exc)}") from None
        finally:
            connection.close()
        return record

    def raw_rows(self) -> Iterator[RawRow]:
        """Streamed through a server-side cursor, a few thousand rows per round trip: memory stays flat."""
        psycopg = _driver()
        connection = self._connect(create=False)
        try:
            with connection.cursor(name="relgate_records") as cursor:
                cursor.itersize = 5000
                cursor.execute("SELECT position, stream, seq, id, hash, body FROM relgate_records ORDER BY position")
                for position, stream, seq, record_id, digest, text in cursor:
                    yield int(position), "", text, (stream, seq, record_id, digest), int(position)
        except psycopg.Error as exc:
            raise AuditError(f"{self.where}: cannot read records: {_first_line(exc)}") from None
        finally:
            connection.close()

    def ranges(self, size: int) -> Iterator[tuple[int, int]]:
        """The table cut into ranges of positions up to its last row now (`store.cut_positions`), for `rows_in`."""
        psycopg = _driver()
        connection = self._connect(create=False)
        try:
            bounds = connection.execute("SELECT min(position), max(position) FROM relgate_records").fetchone()
            yield from cut_positions(bounds, lambda after: connection.execute(
                "SELECT min(position) FROM relgate_records WHERE position > %s", (after,)).fetchone()[0], size)
        except psycopg.Error as exc:
            raise AuditError(f"{self.where}: cannot read records: {_first_line(exc)}") from None
        finally:
            connection.close()

    def rows_in(self, first: int, last: int) -> Iterator[tuple[int, bytes | str]]:
        """(position, body) of the rows in [first, last], in order (see `_copied`)."""
        return self._copied("position, body", ["int8"], first, last)

    def raw_rows_in(self, first: int, last: int) -> Generator[RawRow, None, None]:
        """`raw_rows` of the rows in [first, last], in order (see `_copied`)."""
        for position, stream, seq, record_id, digest, body in self._copied(
                "position, stream, seq, id, hash, body", ["int8", "text", "int8", "text", "text"], first, last):
            yield position, "", body, (stream, seq, record_id, digest), position

    def _copied(self, columns: str, types: list[str], first: int, last: int) -> Generator[tuple[Any, ...], None, None]:
        """The rows in [first, last], in order, streamed by one binary COPY on this process's reading connection;
        the last column, the body, comes as its UTF-8 bytes (the record's readers take bytes: no str is made), or
        in another client encoding as the driver gives it."""
        psycopg = _driver()
        query = (f"COPY (SELECT {columns} FROM relgate_records WHERE position BETWEEN {int(first)} AND "
                 f"{int(last)} ORDER BY position) TO STDOUT (FORMAT BINARY)")
        connection, reused = self._reading()
        given = False
        while True:
            utf8 = connection.info.encoding == "utf-8"  # else the loader decodes (or, for SQL_ASCII, gives bytes)
            try:
                with connection.cursor() as cursor, cursor.copy(query) as copy:
                    copy.set_types([*types, "bytea" if utf8 else "text"])  # a text value's binary form: its bytes
                    for row in copy.rows():
                        given = True
                        yield row
                connection.rollback()  # ends the snapshot: the connection waits idle for the next range
                return
            except psycopg.Error as exc:
                lost = reused and not given and connection.broken  # closed by the server while it waited
                self._forget(connection)
                if not lost:
                    raise AuditError(f"{self.where}: cannot read records: {_first_line(exc)}") from None
                connection, reused = self._reading()  # once more, on a new connection
            except BaseException:  # the reader stopped early: the COPY ends with the connection (nothing to drain)
                self._forget(connection)
                raise

    def _reading(self) -> tuple[Any, bool]:
        """This process's connection for `_copied` and whether it read before: opened at the first range and kept
        until the process exits or the store is dropped (a new connection per range cost the server more than
        reading the range). Sorting is off on it, so the rows come by the position index, in order, even from a
        table without statistics (where a sort of the bodies, spilled to disk, cost the server a third more)."""
        from multiprocessing.util import Finalize

        held = self._reader
        if held is not None and held[0] == os.getpid() and not held[1].closed:
            return held[1], True
        psycopg = _driver()
        connection = self._connect(create=False)
        try:
            connection.execute("SET enable_sort TO off")
            connection.commit()
        except psycopg.Error as exc:
            connection.close()
            raise AuditError(f"{self.where}: cannot read records: {_first_line(exc)}") from None
        self._reader = (os.getpid(), connection)
        Finalize(self, connection.close, exitpriority=0)  # run at a pool worker's exit too, unlike atexit
        return connection, False

    def _forget(self, connection: Any) -> None:
        """Close the reading connection after an error or a read cut short (its state is not known)."""
        self._reader = None
        connection.close()

    def __getstate__(self) -> dict[str, Any]:
        """Without the reading connection: a worker process opens its own."""
        return {**self.__dict__, "_reader": None}

    def row_label(self) -> str:
        return f"{self.where}: row "

    def size_hint(self) -> int | None:
        """The last row's position (a BIGSERIAL, indexed): an ETA's denominator."""
        psycopg = _driver()
        try:
            connection = self._connect(create=False)
        except AuditError:
            return None
        try:
            last = connection.execute("SELECT max(position) FROM relgate_records").fetchone()[0]
        except psycopg.Error:
            return None
        finally:
            connection.close()
        return int(last) if last else None

    def get(self, wanted: str) -> dict[str, Any]:
        psycopg = _driver()
        connection = self._connect(create=False)
        try:
            rows = connection.execute(
                "SELECT id, body FROM relgate_records WHERE id LIKE %s || '%%'", (wanted,)
            ).fetchall()
        except psycopg.Error as exc:
            raise AuditError(f"{self.where}: cannot read records: {_first_line(exc)}") from None
        finally:
            connection.close()
        return pick([(str(r[0]), str(r[1])) for r in rows], wanted, self.where)


def _driver() -> Any:
    """psycopg, or the one line that says how to install it."""
    try:
        import psycopg
    except ImportError:
        raise AuditError("a postgresql:// audit store needs the PostgreSQL driver: "
                         "pip install 'relgate[postgres]'") from None
    return psycopg


def _first_line(exc: Exception) -> str:
    lines = scrub(str(exc)).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:200]
