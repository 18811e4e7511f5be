"""A PostgreSQL audit store for many pipelines writing at once.

Appends to one chain are serialised inside the database with a transaction-level
advisory lock per stream, and (stream, seq) is the primary key: no fork, no gap,
no duplicate sequence number, whichever process writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from relgate.audit.chain import HASH, SEQ
from relgate.audit.sqlite import pick
from relgate.audit.store import LinkingStore
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

    def _connect(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise AuditError("a postgresql:// store needs: pip install 'relgate[postgres]'") from None
        try:
            connection = psycopg.connect(self.url, autocommit=False, connect_timeout=10)
        except psycopg.Error as exc:
            raise AuditError(f"{self.where}: cannot connect: {str(exc).splitlines()[0][:200]}") from None
        self._migrate(connection)
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
        import psycopg

        connection = self._connect()
        try:
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (stream,))
                head = connection.execute(
                    "SELECT seq, hash FROM relgate_records WHERE stream = %s ORDER BY seq DESC LIMIT 1", (stream,)
                ).fetchone()
                record = make(head[0] if head else 0, head[1] if head else "")
                connection.execute(
                    "INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES (%s, %s, %s, %s, %s)",
                    (stream, record[SEQ], str(record["id"]), record[HASH], json.dumps(record, separators=(",", ":"))),
                )
        except psycopg.Error as exc:
            raise AuditError(f"{self.where}: append failed: {str(exc).splitlines()[0][:200]}") from None
        finally:
            connection.close()
        return record

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        connection = self._connect()
        try:
            with connection.cursor(name="relgate_records") as cursor:
                cursor.execute("SELECT position, body FROM relgate_records ORDER BY position")
                for position, text in cursor:
                    yield int(position), json.loads(text)
        finally:
            connection.close()

    def get(self, wanted: str) -> dict[str, Any]:
        connection = self._connect()
        try:
            rows = connection.execute(
                "SELECT id, body FROM relgate_records WHERE id LIKE %s || '%%'", (wanted,)
            ).fetchall()
        finally:
            connection.close()
        return pick([(str(r[0]), str(r[1])) for r in rows], wanted, self.where)
