"""Webhook deliveries that must be decided and answered exactly once, whichever worker or restart does it.

One row per `X-GitHub-Delivery`: inserting it is the idempotency check (a second
insert of the same id does nothing), and a worker claims a row with a lease in a
single UPDATE, so two workers never hold the same delivery. A worker that dies
leaves its lease to expire and another finishes the job. PostgreSQL for many
nodes; SQLite (one file, locked by the database) for a single node.

States: `pending` (to decide) → `decided` (to answer GitHub) → `done`, or `failed`
when the answer could not be delivered before the give-up time (logged, counted,
kept: never dropped silently).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relgate.errors import AuditError
from relgate.redact import scrub

PENDING, DECIDED, DONE, FAILED = "pending", "decided", "done", "failed"
_COLUMNS = "delivery, kind, payload, state, attempts, audit_id, verdict, review, received_at, last_error"
_SCHEMA = """CREATE TABLE IF NOT EXISTS relgate_deliveries (
    delivery TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    next_at DOUBLE PRECISION NOT NULL,
    owner TEXT,
    lease_until DOUBLE PRECISION,
    attempts INTEGER NOT NULL DEFAULT 0,
    audit_id TEXT,
    verdict TEXT,
    review TEXT,
    last_error TEXT)"""


@dataclass(frozen=True)
class Job:
    """One delivery as stored."""

    delivery: str
    kind: str
    payload: str
    state: str
    attempts: int = 0
    audit_id: str | None = None
    verdict: str | None = None
    review: str | None = None
    received_at: float = 0.0
    last_error: str | None = None


def _close(connection: Any) -> None:
    if connection is not None:
        with contextlib.suppress(Exception):  # closing a broken connection may itself fail
            connection.close()


def _job(row: Sequence[Any]) -> Job:
    return Job(str(row[0]), str(row[1]), str(row[2]), str(row[3]), int(row[4]), row[5], row[6], row[7],
               float(row[8]), row[9])


class Ledger:
    """The deliveries table over a DB-API connection per thread; `postgresql://…` or `sqlite:PATH`.

    Connections (and the table) are made on first use, so a database that is down at start-up
    makes the server unready, not dead.
    """

    def __init__(self, url: str, connections: int = 4) -> None:
        self.url = url
        self.where = scrub(url)
        self.postgres = url.startswith(("postgresql://", "postgres://"))
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(connections)  # a few connections per worker, however many threads

    def _connect(self) -> Any:
        if self.postgres:
            import psycopg

            server = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            with server.transaction():  # concurrent CREATE TABLE IF NOT EXISTS can collide in PostgreSQL
                server.execute("SELECT pg_advisory_xact_lock(hashtextextended('relgate-deliveries', 0))")
                server.execute(_SCHEMA)
            return server
        path = Path(self.url[len("sqlite:"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(_SCHEMA)
        return connection

    def _run(self, sql: str, params: Sequence[Any]) -> tuple[int, list[Any]]:
        """One statement in its own transaction: (rows changed, rows returned). Reconnects once on a drop."""
        if self.postgres:
            sql = sql.replace("?", "%s")
        with self._slots:
            for attempt in (1, 2):
                with self._lock:
                    connection = self._idle.pop() if self._idle else None
                try:
                    connection = connection or self._connect()
                    cursor = connection.execute(sql, tuple(params))
                    rows = cursor.fetchall() if cursor.description else []
                    changed = int(cursor.rowcount)
                except (sqlite3.Error, OSError) as exc:
                    _close(connection)
                    raise AuditError(f"{self.where}: delivery queue: {str(exc)[:200]}") from None
                except Exception as exc:  # psycopg errors: drop the connection and retry once
                    _close(connection)
                    if not self.postgres or type(exc).__module__.split(".")[0] != "psycopg":
                        raise
                    if attempt == 2:
                        raise AuditError(f"{self.where}: delivery queue: {str(exc).splitlines()[0][:200]}") \
                            from None
                    continue
                with self._lock:
                    self._idle.append(connection)
                return changed, rows
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            _close(connection)

    def offer(self, delivery: str, kind: str, payload: str, now: float) -> bool:
        """Store a new delivery; False when this id was seen before (a redelivery or a duplicate)."""
        changed, _ = self._run(
            "INSERT INTO relgate_deliveries (delivery, kind, payload, state, received_at, updated_at, next_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery) DO NOTHING",
            (delivery, kind, payload, PENDING, now, now, now),
        )
        return changed == 1

    def claim(self, owner: str, now: float, lease_s: float, delivery: str | None = None) -> Job | None:
        """Take the next due job (or that one delivery) for `lease_s` seconds, or None."""
        only = " AND delivery = ?" if delivery is not None else ""
        lock = " FOR UPDATE SKIP LOCKED" if self.postgres else ""
        params: list[Any] = [owner, now + lease_s, now, PENDING, DECIDED, now, now]
        if delivery is not None:
            params.append(delivery)
        _, rows = self._run(
            "UPDATE relgate_deliveries SET owner = ?, lease_until = ?, updated_at = ? WHERE delivery = ("
            "SELECT delivery FROM relgate_deliveries WHERE state IN (?, ?) AND next_at <= ? "
            f"AND (lease_until IS NULL OR lease_until < ?){only} ORDER BY next_at LIMIT 1{lock}) "
            f"RETURNING {_COLUMNS}",
            params,
        )
        return _job(rows[0]) if rows else None

    def decided(self, job: Job, owner: str, audit_id: str | None, verdict: str, review: str, now: float,
                lease_s: float) -> bool:
        """Record the decision; the owner keeps its lease to send the answer. False when the lease was lost."""
        changed, _ = self._run(
            "UPDATE relgate_deliveries SET state = ?, audit_id = ?, verdict = ?, review = ?, updated_at = ?, "
            "lease_until = ? WHERE delivery = ? AND owner = ? AND state = ?",
            (DECIDED, audit_id, verdict, review, now, now + lease_s, job.delivery, owner, PENDING),
        )
        return changed == 1

    def sent(self, job: Job, owner: str, now: float) -> bool:
        changed, _ = self._run(
            "UPDATE relgate_deliveries SET state = ?, owner = NULL, lease_until = NULL, updated_at = ?, "
            "attempts = attempts + 1, last_error = NULL WHERE delivery = ? AND owner = ?",
            (DONE, now, job.delivery, owner),
        )
        return changed == 1

    def retry(self, job: Job, owner: str, error: str, next_at: float, now: float, give_up: bool) -> bool:
        """Release the job to be tried again at `next_at`, or mark it failed for good (`give_up`)."""
        changed, _ = self._run(
            "UPDATE relgate_deliveries SET state = ?, owner = NULL, lease_until = NULL, updated_at = ?, "
            "next_at = ?, attempts = attempts + 1, last_error = ? WHERE delivery = ? AND owner = ?",
            (FAILED if give_up else job.state, now, next_at, scrub(error)[:1000], job.delivery, owner),
        )
        return changed == 1

    def release(self, job: Job, owner: str, now: float) -> None:
        """Give a claimed job back untouched (shutting down)."""
        self._run("UPDATE relgate_deliveries SET owner = NULL, lease_until = NULL, updated_at = ? "
                  "WHERE delivery = ? AND owner = ?", (now, job.delivery, owner))

    def get(self, delivery: str) -> Job | None:
        _, rows = self._run(f"SELECT {_COLUMNS} FROM relgate_deliveries WHERE delivery = ?", (delivery,))
        return _job(rows[0]) if rows else None

    def counts(self) -> dict[str, int]:
        _, rows = self._run("SELECT state, count(*) FROM relgate_deliveries GROUP BY state", ())
        return {str(state): int(n) for state, n in rows}

    def ping(self) -> None:
        self._run("SELECT 1", ())
