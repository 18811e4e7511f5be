"""An SQLite audit store: one file, the same chain, appends serialised by SQLite's write lock."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from relgate.audit.chain import HASH, SEQ
from relgate.audit.store import LinkingStore
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


class SqliteStore(LinkingStore):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"sqlite:{path}"

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            connection.execute(SCHEMA)
        except sqlite3.Error as exc:
            raise AuditError(f"{self.where}: cannot open the audit store: {exc}") from None
        return connection

    def _write(self, stream: str, make: Callable[[int, str], dict[str, Any]]) -> dict[str, Any]:
        connection = self._connect()
        try:
            # BEGIN IMMEDIATE takes the write lock first, so two writers cannot read the same head.
            connection.execute("BEGIN IMMEDIATE")
            head = connection.execute(
                "SELECT seq, hash FROM relgate_records WHERE stream = ? ORDER BY seq DESC LIMIT 1", (stream,)
            ).fetchone()
            record = make(head[0] if head else 0, head[1] if head else "")
            connection.execute(
                "INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES (?, ?, ?, ?, ?)",
                (stream, record[SEQ], str(record["id"]), record[HASH], json.dumps(record, separators=(",", ":"))),
            )
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            connection.execute("ROLLBACK") if connection.in_transaction else None
            raise AuditError(f"{self.where}: append failed: {exc}") from None
        finally:
            connection.close()
        return record

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        if not self.path.exists():
            return
        connection = self._connect()
        try:
            for position, body in connection.execute("SELECT position, body FROM relgate_records ORDER BY position"):
                yield position, json.loads(body)
        except (sqlite3.Error, ValueError) as exc:
            raise AuditError(f"{self.where}: cannot read records: {exc}") from None
        finally:
            connection.close()

    def get(self, wanted: str) -> dict[str, Any]:
        connection = self._connect()
        try:
            query = "SELECT id, body FROM relgate_records WHERE id LIKE ? || '%'"
            rows = connection.execute(query, (wanted,)).fetchall()
        finally:
            connection.close()
        return pick(rows, wanted, self.where)


def pick(rows: list[tuple[str, str]], wanted: str, where: str) -> dict[str, Any]:
    """The record with this id, or the only one whose id starts with it."""
    exact = [body for record_id, body in rows if record_id == wanted]
    if exact:
        return dict(json.loads(exact[0]))
    if len(rows) == 1:
        return dict(json.loads(rows[0][1]))
    if not rows:
        raise AuditError(f"{where}: no record with id {wanted!r}")
    raise AuditError(f"{where}: id prefix {wanted!r} matches {len(rows)} records")
