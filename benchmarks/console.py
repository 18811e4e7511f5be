"""Console queries over a large store: page latency with and without filters, deep pages, a stream walk.

Run on demand: python benchmarks/console.py [RECORDS [STORE…]]   (default 100000, sqlite postgresql)
The store is filled with chained copies of realistic records (the chain's own `link`), in a
throwaway PostgreSQL cluster and an SQLite file; each query is timed as the console runs it.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from tests.audit.conftest import throwaway_cluster  # noqa: E402
from tests.serve.standins import gate_dir  # noqa: E402
from tests.serve.test_records import bodies  # noqa: E402

from relgate.audit.chain import HASH, SEQ, link  # noqa: E402
from relgate.config import load_config  # noqa: E402
from relgate.serve.chaincheck import walk  # noqa: E402
from relgate.serve.console_indexes import prepare  # noqa: E402
from relgate.serve.records import DecisionFilter, RecordReader  # noqa: E402


def rows(count: int) -> list[tuple[str, int, str, str, str]]:
    templates = bodies()
    heads: dict[str, tuple[int, str]] = {}
    made = []
    for index in range(count):
        body = json.loads(json.dumps(templates[index % len(templates)]))
        body["id"] = f"00000000-0000-4000-8000-{index:012d}"
        body["data"]["customData"]["value_stream"]["service"] = f"svc{index % 20}"
        stream = f"svc{index % 20}/production"
        seq, prev = heads.get(stream, (0, ""))
        record = link(body, stream, seq, prev, None)
        heads[stream] = (record[SEQ], record[HASH])
        made.append((stream, record[SEQ], record["id"], record[HASH], json.dumps(record)))
    return made


def timed(label: str, action: Any) -> Any:
    started = time.perf_counter()
    result = action()
    print(f"    {label:<46} {(time.perf_counter() - started) * 1000:9.1f} ms")
    return result


def measure(reader: RecordReader) -> None:
    first = timed("first page, no filter", lambda: reader.page(DecisionFilter()))
    page = first
    for _ in range(20):
        page = reader.page(DecisionFilter(), before=page.older)
    timed("page 22 (keyset), no filter", lambda: reader.page(DecisionFilter(), before=page.older))
    timed("first page, verdict=deny", lambda: reader.page(DecisionFilter(verdict="deny")))
    timed("first page, service=svc7 verdict=error", lambda: reader.page(DecisionFilter(service="svc7",
                                                                                      verdict="error")))
    timed("first page, rule=tests.pass_rate", lambda: reader.page(DecisionFilter(rule="tests.pass_rate")))
    timed("first page, actor=alice commit=0a", lambda: reader.page(DecisionFilter(actor="alice", commit="0a")))
    timed("first page, since/until one day", lambda: reader.page(DecisionFilter(since="2026-11-03",
                                                                               until="2026-11-03")))
    timed("filter matching nothing (whole store)", lambda: reader.page(DecisionFilter(actor="nobody")))
    timed("record by id", lambda: reader.record("00000000-0000-4000-8000-000000000777"))
    timed("streams (counts)", reader.streams)
    status = timed("verify walk of one stream", lambda: walk("svc3/production",
                                                             reader.stream_records("svc3/production"), None, None))
    assert status.ok, status


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    kinds = sys.argv[2:] or ["sqlite", "postgresql"]
    started = time.perf_counter()
    made = rows(count)
    print(f"{count} chained records built in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory(prefix="relgate-console-bench-") as work:
        for kind in kinds:
            folder = Path(work) / kind
            folder.mkdir()
            if kind == "sqlite":
                (folder / ".relgate").mkdir()
                with sqlite3.connect(folder / ".relgate" / "audit.db") as connection:
                    connection.execute("CREATE TABLE relgate_records (position INTEGER PRIMARY KEY AUTOINCREMENT, "
                                       "stream TEXT, seq INTEGER, id TEXT UNIQUE, hash TEXT, body TEXT, "
                                       "UNIQUE (stream, seq))")
                    connection.executemany("INSERT INTO relgate_records (stream, seq, id, hash, body) "
                                           "VALUES (?,?,?,?,?)", made)
                print(f"  sqlite ({count} records)")
                measure(RecordReader(load_config(gate_dir(folder, store="sqlite:.relgate/audit.db"), {})))
            else:
                with throwaway_cluster() as url:
                    with psycopg.connect(url, autocommit=True) as connection:
                        connection.execute("CREATE TABLE relgate_records (position BIGSERIAL UNIQUE, stream TEXT, "
                                           "seq BIGINT, id TEXT UNIQUE, hash TEXT, body TEXT, "
                                           "PRIMARY KEY (stream, seq))")
                        with connection.cursor() as cursor, cursor.copy(
                                "COPY relgate_records (stream, seq, id, hash, body) FROM STDIN") as copy:
                            for row in made:
                                copy.write_row(row)
                        connection.execute("ANALYZE relgate_records")
                    config = load_config(gate_dir(folder, store=url), {})
                    print(f"  postgresql ({count} records), no console indexes")
                    measure(RecordReader(config))
                    started = time.perf_counter()
                    prepare(config)
                    print(f"  postgresql, console indexes (built in {time.perf_counter() - started:.1f} s)")
                    measure(RecordReader(config))


if __name__ == "__main__":
    main()
