"""The audit store as the console reads it: filtered pages, one record, its neighbours, per-stream walks.

PostgreSQL and SQLite are queried in SQL (JSON operators over the stored body,
keyset paging on the store's position), so a page of a 100k-record store costs a
page, not the store. A JSONL log has no index: it is scanned line by line, keeping
only the page, which suits the small logs JSONL is meant for.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relgate.audit.chain import SEQ, STREAM
from relgate.audit.store import open_store
from relgate.config import Config
from relgate.errors import AuditError
from relgate.redact import scrub

_LOG = ("data", "customData", "decision_log")
_VS = ("data", "customData", "value_stream")
RULE_KINDS = ("violations", "warnings", "waived", "overrides")  # where a policy or rule id shows in a decision
PATHS: dict[str, tuple[str, ...]] = {
    "service": (*_VS, "service"),
    "environment": (*_VS, "environment"),
    "commit": (*_VS, "commit"),
    "verdict": (*_LOG, "result", "decision"),
    "actor": (*_LOG, "requested_by"),
}


@dataclass(frozen=True)
class DecisionFilter:
    """What the list shows; empty fields do not filter. `since`/`until` are RFC 3339 prefixes (dates work)."""

    service: str = ""
    environment: str = ""
    verdict: str = ""
    rule: str = ""
    actor: str = ""
    commit: str = ""
    since: str = ""
    until: str = ""

    def items(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class Summary:
    """One row of the list."""

    position: int
    id: str
    stream: str
    seq: int
    time: str
    service: str
    environment: str
    verdict: str
    actor: str
    commit: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    rows: tuple[Summary, ...]
    newer: int | None  # pass as `after` for the previous (newer) page
    older: int | None  # pass as `before` for the next (older) page


def pg_field(name: str) -> str:
    """The SQL expression for a filtered field in PostgreSQL (console_indexes indexes exactly these)."""
    return "(body::jsonb #>> '{" + ",".join(PATHS[name]) + "}')"


def pg_time() -> str:
    return "(body::jsonb ->> 'time')"


def _at(record: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        record = record.get(key) if isinstance(record, Mapping) else None
    return record


def summary(position: int, record: Mapping[str, Any]) -> Summary:
    result = _at(record, (*_LOG, "result"))
    rules = []
    for kind in RULE_KINDS:
        for item in (result or {}).get(kind, []) if isinstance(result, Mapping) else []:
            if isinstance(item, Mapping):
                rules.append(str(item.get("id") or item.get("policy") or ""))
    text = {k: str(_at(record, p) or "") for k, p in PATHS.items()}
    return Summary(position, str(record.get("id", "")), str(record.get(STREAM, "")), int(record.get(SEQ, 0) or 0),
                   str(record.get("time", "")), text["service"], text["environment"], text["verdict"],
                   text["actor"], text["commit"], tuple(r for r in rules if r))


def _matches(record: Mapping[str, Any], wanted: DecisionFilter) -> bool:
    row = summary(0, record)
    result = _at(record, (*_LOG, "result")) or {}
    policies = {str(v.get("policy", "")) for kind in RULE_KINDS for v in result.get(kind, [])
                if isinstance(v, Mapping)} if isinstance(result, Mapping) else set()
    return all((
        not wanted.service or row.service == wanted.service,
        not wanted.environment or row.environment == wanted.environment,
        not wanted.verdict or row.verdict == wanted.verdict,
        not wanted.actor or row.actor == wanted.actor,
        not wanted.commit or row.commit.startswith(wanted.commit),
        not wanted.rule or wanted.rule in row.rules or wanted.rule in policies,
        not wanted.since or row.time >= wanted.since,
        not wanted.until or row.time[:len(wanted.until)] <= wanted.until,
    ))


class RecordReader:
    """Read-only queries over the configured store."""

    def __init__(self, config: Config) -> None:
        self.url = config.store_url
        self.base_dir = config.base_dir
        self.where = scrub(self.url)
        self.kind = "postgresql" if self.url.startswith(("postgresql://", "postgres://")) else \
            "sqlite" if self.url.startswith("sqlite:") else "jsonl"

    # SQL stores --------------------------------------------------------------
    def _sql(self, sql: str, params: list[Any]) -> list[Any]:
        if self.kind == "postgresql":
            import psycopg

            try:
                with psycopg.connect(self.url, connect_timeout=10) as connection:
                    connection.execute("SET TRANSACTION READ ONLY")
                    exists = connection.execute("SELECT to_regclass('relgate_records')").fetchone()
                    if exists is None or exists[0] is None:
                        return []
                    return list(connection.execute(sql.replace("?", "%s"), params).fetchall())
            except psycopg.Error as exc:
                raise AuditError(f"{self.where}: {str(exc).splitlines()[0][:200]}") from None
        path = Path(self.url[len("sqlite:"):])
        path = path if path.is_absolute() else self.base_dir / path
        if not path.is_file():
            return []
        try:
            reader = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            try:
                return list(reader.execute(sql, params).fetchall())
            finally:
                reader.close()
        except sqlite3.Error as exc:
            if "no such table" in str(exc):
                return []
            raise AuditError(f"{self.where}: {exc}") from None

    def _field(self, name: str) -> str:
        if self.kind == "postgresql":
            return pg_field(name)
        return "json_extract(body, '$." + ".".join(PATHS[name]) + "')"

    def _where(self, wanted: DecisionFilter) -> tuple[str, list[Any]]:
        clauses, params = [], []
        for name in ("service", "environment", "verdict", "actor"):
            value = getattr(wanted, name)
            if value:
                clauses.append(f"{self._field(name)} = ?")
                params.append(value)
        if wanted.commit:
            clauses.append(f"{self._field('commit')} LIKE ? ESCAPE '!'")
            params.append(wanted.commit.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%")
        time_field = pg_time() if self.kind == "postgresql" else "json_extract(body, '$.time')"
        if wanted.since:
            clauses.append(f"{time_field} >= ?")
            params.append(wanted.since)
        if wanted.until:
            clauses.append(f"substr({time_field}, 1, {len(wanted.until)}) <= ?")
            params.append(wanted.until)
        if wanted.rule:
            if self.kind == "postgresql":
                result = "(body::jsonb #> '{" + ",".join((*_LOG, "result")) + "}')"
                tests = [f"{result} -> '{kind}' @> ?::jsonb" for kind in RULE_KINDS for _ in ("id", "policy")]
                clauses.append("(" + " OR ".join(tests) + ")")
                params.extend(json.dumps([{key: wanted.rule}]) for _ in RULE_KINDS for key in ("id", "policy"))
            else:
                result = "$." + ".".join((*_LOG, "result"))
                tests = [f"EXISTS (SELECT 1 FROM json_each(body, '{result}.{kind}') AS v WHERE "
                         f"json_extract(v.value, '$.id') = ? OR json_extract(v.value, '$.policy') = ?)"
                         for kind in RULE_KINDS]
                clauses.append("(" + " OR ".join(tests) + ")")
                params.extend(wanted.rule for _ in RULE_KINDS for _ in ("id", "policy"))
        return (" AND ".join(clauses) or "TRUE"), params

    def page(self, wanted: DecisionFilter, *, before: int | None = None, after: int | None = None,
             limit: int = 50) -> Page:
        """Newest first; `before` pages to older records, `after` to newer ones (positions from a Page)."""
        if self.kind == "jsonl":
            return self._jsonl_page(wanted, before, after, limit)
        where, params = self._where(wanted)
        if after is not None:
            rows = self._sql(f"SELECT position, body FROM relgate_records WHERE {where} AND position > ? "
                             f"ORDER BY position ASC LIMIT ?", [*params, after, limit + 1])
            more_newer = len(rows) > limit
            rows = list(reversed(rows[:limit]))
            has_older = True
        else:
            bound = " AND position < ?" if before is not None else ""
            extra = [before] if before is not None else []
            rows = self._sql(f"SELECT position, body FROM relgate_records WHERE {where}{bound} "
                             f"ORDER BY position DESC LIMIT ?", [*params, *extra, limit + 1])
            has_older = len(rows) > limit
            rows = rows[:limit]
            more_newer = before is not None
        found = tuple(summary(int(p), json.loads(b)) for p, b in rows)
        return Page(found, found[0].position if found and more_newer else None,
                    found[-1].position if found and has_older else None)

    def _jsonl_page(self, wanted: DecisionFilter, before: int | None, after: int | None, limit: int) -> Page:
        window: list[Summary] = []
        newer = older = False
        for position, record in self._jsonl():
            if (before is not None and position >= before) or (after is not None and position <= after):
                newer = newer or (before is not None and position >= before and _matches(record, wanted))
                continue
            if not _matches(record, wanted):
                continue
            window.append(summary(position, record))
            if after is not None and len(window) > limit:
                newer = True
                break
            if after is None and len(window) > limit:
                window.pop(0)
                older = True
        if after is not None:
            window = window[:limit]
            older = True
        rows = tuple(reversed(window))
        return Page(rows, rows[0].position if rows and newer else None, rows[-1].position if rows and older else None)

    def _jsonl(self) -> Iterator[tuple[int, dict[str, Any]]]:
        store = open_store(self.url, self.base_dir)
        path = Path(store.where)
        if not path.exists():
            return
        yield from store.records()

    def record(self, record_id: str) -> tuple[int, dict[str, Any]] | None:
        if self.kind == "jsonl":
            return next(((p, r) for p, r in self._jsonl() if r.get("id") == record_id), None)
        rows = self._sql("SELECT position, body FROM relgate_records WHERE id = ?", [record_id])
        return (int(rows[0][0]), json.loads(rows[0][1])) if rows else None

    def at_seq(self, stream: str, seq: int) -> dict[str, Any] | None:
        """The record at `seq` of `stream` (its neighbour in the chain), or None."""
        if self.kind == "jsonl":
            return next((r for _, r in self._jsonl() if r.get(STREAM) == stream and r.get(SEQ) == seq), None)
        rows = self._sql("SELECT body FROM relgate_records WHERE stream = ? AND seq = ?", [stream, seq])
        return json.loads(rows[0][0]) if rows else None

    def streams(self) -> list[tuple[str, int, int]]:
        """(stream, records, last seq) for every stream."""
        if self.kind == "jsonl":
            counts: dict[str, list[int]] = {}
            for _, record in self._jsonl():
                entry = counts.setdefault(str(record.get(STREAM, "")), [0, 0])
                entry[0] += 1
                entry[1] = max(entry[1], int(record.get(SEQ, 0) or 0))
            return sorted((s, c[0], c[1]) for s, c in counts.items())
        rows = self._sql("SELECT stream, count(*), max(seq) FROM relgate_records GROUP BY stream ORDER BY stream", [])
        return [(str(s), int(c), int(m)) for s, c, m in rows]

    def stream_records(self, stream: str) -> Iterator[dict[str, Any]]:
        """One stream's records in sequence order, for a verification walk."""
        if self.kind == "jsonl":
            yield from sorted((r for _, r in self._jsonl() if r.get(STREAM) == stream),
                              key=lambda r: int(r.get(SEQ, 0) or 0))
            return
        last = 0
        while True:  # in batches, so a long stream is never held whole
            rows = self._sql("SELECT seq, body FROM relgate_records WHERE stream = ? AND seq > ? ORDER BY seq "
                             "LIMIT 2000", [stream, last])
            if not rows:
                return
            for seq, body in rows:
                last = int(seq)
                yield json.loads(body)

    def matching(self, wanted: DecisionFilter) -> Iterator[dict[str, Any]]:
        """Every record the filter selects, oldest first, in batches (for reports)."""
        if self.kind == "jsonl":
            yield from (r for _, r in self._jsonl() if _matches(r, wanted))
            return
        where, params = self._where(wanted)
        last = 0
        while True:
            rows = self._sql(f"SELECT position, body FROM relgate_records WHERE {where} AND position > ? "
                             f"ORDER BY position LIMIT 2000", [*params, last])
            if not rows:
                return
            for position, body in rows:
                last = int(position)
                yield json.loads(body)
