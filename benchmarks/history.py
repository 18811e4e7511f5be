"""Years of gate history for the scale benchmarks: chained (and signed) records in JSONL, SQLite or PostgreSQL.

Records have the shape a gate run writes (tests/audit/helpers.body, about 2.3 kB)
with what changes from run to run varied: 16 streams (8 services x 2 environments),
allow/deny/error, commits, violations, waivers, overrides, one run every 30 s.
They are chained with the store's own `chain.link` (so they verify exactly as
appended records do) but written in bulk, without an fsync per record. Files are
kept under /tmp/relgate-bench (reused across runs: the key is derived from a fixed
seed) so "before" and "after" read the same bytes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audit.helpers import body  # noqa: E402

from relgate.audit.chain import HASH, SEQ, link  # noqa: E402

CACHE = Path(os.environ.get("RELGATE_BENCH_CACHE", "/tmp/relgate-bench"))
SERVICES = ("checkout", "search", "cart", "payments", "catalog", "accounts", "shipping", "reviews")
ENVIRONMENTS = ("production", "staging")
START_NS = 1_735_689_600 * 10**9  # 2025-01-01
STEP_NS = 30 * 10**9


def bench_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"relgate benchmark key").digest())


def public_pem(directory: Path) -> Path:
    path = directory / "bench-pub.pem"
    path.write_bytes(bench_key().public_key().public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def _iso(ns: int) -> str:
    from relgate.timeutil import format_ns

    return format_ns(ns)


def bodies(count: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(stream, body) for `count` gate runs, varied deterministically."""
    template = body()
    for index in range(count):
        service, environment = SERVICES[index % 8], ENVIRONMENTS[(index // 8) % 2]
        at_ns = START_NS + index * STEP_NS
        record = copy.deepcopy(template)
        record_id = f"{index:08x}-0000-4000-8000-{hashlib.sha256(str(index).encode()).hexdigest()[:12]}"
        verdict = ("allow", "allow", "deny", "allow", "error")[index % 5] if index % 7 else "deny"
        commit = hashlib.sha1(f"{service}{index // 3}".encode()).hexdigest()[:12]
        record["id"] = record_id
        record["time"] = _iso(at_ns)
        record["source"] = f"/relgate/{service}/{environment}"
        record["subject"] = commit
        log = record["data"]["customData"]["decision_log"]
        log["decision_id"] = record_id
        log["input"].update({"evaluated_at_ns": at_ns, "evaluated_at": _iso(at_ns), "service": service,
                             "environment": environment, "change": {"commit": commit, "actor": "lee",
                                                                    "committed_at_ns": at_ns - 3600 * 10**9}})
        result = log["result"]
        result.update({"decision": verdict, "service": service, "environment": environment,
                       "evaluated_at": _iso(at_ns), "audit_id": record_id})
        if verdict != "deny":
            result["violations"] = []
        else:
            result["violations"] = [{"policy": "relgate.tests", "id": "tests.pass_rate", "msg": "pass rate too low"},
                                    {"policy": "relgate.vulnerabilities", "id": f"vulnerabilities.max_{index % 3}",
                                     "msg": "too many"}][: 1 + index % 2]
        result["waived"] = [{"waiver_id": f"WVR-{index % 4}"}] if index % 11 == 0 else []
        result["overrides"] = ([{"actor": "kim", "reason": "hotfix", "policy": "relgate.tests"}]
                               if index % 97 == 0 else [])
        stream = record["data"]["customData"]["value_stream"]
        stream.update({"service": service, "environment": environment, "commit": commit,
                       "decided_at": _iso(at_ns + 10**9), "approval_wait_seconds": float(60 + index % 600)})
        yield f"{service}/{environment}", record


def records(count: int, signed: bool) -> Iterator[dict[str, Any]]:
    key = bench_key() if signed else None
    heads: dict[str, tuple[int, str]] = {}
    for stream, record_body in bodies(count):
        seq, head = heads.get(stream, (0, ""))
        record = link(record_body, stream, seq, head, key)
        heads[stream] = (record[SEQ], record[HASH])
        yield record


def jsonl(count: int, signed: bool) -> Path:
    """The JSONL log of `count` records (built once, then reused)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"history-{count}-{'signed' if signed else 'unsigned'}.jsonl"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for index, record in enumerate(records(count, signed), start=1):
            handle.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
            if index % 100_000 == 0:
                print(f"  (built {index:,} of {count:,} records)", file=sys.stderr)
    partial.rename(path)
    return path


def _rows(source: Path) -> Iterator[tuple[str, int, str, str, str]]:
    with source.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            yield record["relgatestream"], record["relgateseq"], record["id"], record["relgatehash"], line.rstrip("\n")


def sqlite(count: int, signed: bool) -> Path:
    """The same records in an SQLite store, with the store's own schema."""
    from relgate.audit.sqlite import SCHEMA

    path = CACHE / f"history-{count}-{'signed' if signed else 'unsigned'}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial)
    connection.execute(SCHEMA)
    with connection:
        connection.executemany("INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES (?, ?, ?, ?, ?)",
                               _rows(jsonl(count, signed)))
    connection.close()
    partial.rename(path)
    return path


def postgres(url: str, count: int, signed: bool) -> None:
    """Load the same records into a PostgreSQL store (tables created by the store's own migration)."""
    import psycopg

    from relgate.audit.postgres import PostgresStore

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS relgate_records, relgate_schema")
    PostgresStore(url)._connect().close()
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy("COPY relgate_records (stream, seq, id, hash, body) FROM STDIN") as copy_in:
            for row in _rows(jsonl(count, signed)):
                copy_in.write_row(row)
        connection.commit()


def store_flags(store: str, count: int, url: str) -> list[str]:
    """The relgate flags that name a signed history of `count` records in `store` (made once, then reused);
    `url` is the PostgreSQL server's, used for store `postgresql`."""
    if store == "jsonl":
        return ["--log", str(jsonl(count, signed=True))]
    if store == "sqlite":
        return ["--store", f"sqlite:{sqlite(count, signed=True)}"]
    postgres(url, count, signed=True)
    return ["--store", url]
