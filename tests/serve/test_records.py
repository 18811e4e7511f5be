"""The console's store queries on all three stores agree with a plain filter over the records."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from relgate.audit.chain import HASH, SEQ, STREAM, link
from relgate.config import load_config
from relgate.serve.records import DecisionFilter, RecordReader, summary
from tests.serve.standins import gate_dir

COUNT = 260


def bodies() -> list[dict[str, Any]]:
    """Records with every filtered field varied (two services, three verdicts, rules, actors, days)."""
    made = []
    for index in range(COUNT):
        verdict = ("allow", "deny", "error")[index % 3]
        rules = [{"policy": "relgate.tests", "id": "tests.pass_rate"}] if index % 4 == 0 else []
        waived = [{"waiver_id": "W1", "policy": "relgate.vulnerabilities", "id": "vulnerabilities.max"}] \
            if index % 5 == 0 else []
        time = f"2026-11-{1 + index % 9:02d}T{index % 24:02d}:00:00Z"
        made.append({
            "id": f"00000000-0000-4000-8000-{index:012d}", "time": time,
            "data": {"customData": {
                "decision_log": {"requested_by": ("alice", "bob", "")[2 if index % 7 == 6 else index % 2],
                                 "result": {"decision": verdict, "violations": rules, "warnings": [],
                                            "waived": waived, "overrides": []}},
                "value_stream": {"service": ("checkout", "billing")[index % 2], "environment": "production",
                                 "commit": f"{index % 17:02x}" + "0" * 38}}}})
    return made


def chained() -> list[dict[str, Any]]:
    records, heads = [], {}
    for body in bodies():
        stream = f"{body['data']['customData']['value_stream']['service']}/production"
        seq, prev = heads.get(stream, (0, ""))
        record = link(body, stream, seq, prev, None)
        heads[stream] = (record[SEQ], record[HASH])
        records.append(record)
    return records


@pytest.fixture(params=["jsonl", "sqlite", "postgresql"])
def reader(request: pytest.FixtureRequest, tmp_path: Path) -> RecordReader:
    records = chained()
    if request.param == "jsonl":
        store = "jsonl:.relgate/audit.jsonl"
        (tmp_path / ".relgate").mkdir()
        (tmp_path / ".relgate" / "audit.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    elif request.param == "sqlite":
        store = "sqlite:.relgate/audit.db"
        (tmp_path / ".relgate").mkdir()
        with sqlite3.connect(tmp_path / ".relgate" / "audit.db") as connection:
            connection.execute("CREATE TABLE relgate_records (position INTEGER PRIMARY KEY AUTOINCREMENT, "
                               "stream TEXT, seq INTEGER, id TEXT UNIQUE, hash TEXT, body TEXT)")
            connection.executemany("INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES (?,?,?,?,?)",
                                   [(r[STREAM], r[SEQ], r["id"], r[HASH], json.dumps(r)) for r in records])
    else:
        store = request.getfixturevalue("serve_postgres")
        with psycopg.connect(store, autocommit=True) as connection:
            connection.execute("DROP TABLE IF EXISTS relgate_records")
            connection.execute("CREATE TABLE relgate_records (position BIGSERIAL UNIQUE, stream TEXT, seq BIGINT, "
                               "id TEXT UNIQUE, hash TEXT, body TEXT, PRIMARY KEY (stream, seq))")
            with connection.cursor() as cursor:
                cursor.executemany("INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES (%s,%s,%s,%s,%s)",
                                   [(r[STREAM], r[SEQ], r["id"], r[HASH], json.dumps(r)) for r in records])
    return RecordReader(load_config(gate_dir(tmp_path, store=store), {}))


def expected(wanted: DecisionFilter) -> list[str]:
    """The reference: every record, newest first, kept when each set field matches."""
    kept = []
    for position, record in reversed(list(enumerate(chained(), start=1))):
        row = summary(position, record)
        result = record["data"]["customData"]["decision_log"]["result"]
        named = {str(v.get(k)) for kind in ("violations", "warnings", "waived", "overrides")
                 for v in result[kind] for k in ("id", "policy")}
        if all((not wanted.service or row.service == wanted.service,
                not wanted.verdict or row.verdict == wanted.verdict,
                not wanted.actor or row.actor == wanted.actor,
                not wanted.commit or row.commit.startswith(wanted.commit),
                not wanted.rule or wanted.rule in named,
                not wanted.since or row.time >= wanted.since,
                not wanted.until or row.time[:len(wanted.until)] <= wanted.until)):
            kept.append(row.id)
    return kept


FILTERS = [
    DecisionFilter(),
    DecisionFilter(service="billing", verdict="deny"),
    DecisionFilter(rule="tests.pass_rate"),
    DecisionFilter(rule="relgate.vulnerabilities", service="checkout"),
    DecisionFilter(actor="alice", commit="0a"),
    DecisionFilter(since="2026-11-03", until="2026-11-05"),
    DecisionFilter(verdict="error", until="2026-11-02"),
    DecisionFilter(commit="zz"),
]


@pytest.mark.parametrize("wanted", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items().items()) or "all")
def test_pages_walk_the_same_records_as_a_plain_filter(reader: RecordReader, wanted: DecisionFilter) -> None:
    reference = expected(wanted)
    seen, before, pages = [], None, []
    while True:
        page = reader.page(wanted, before=before, limit=40)
        pages.append(page)
        seen.extend(r.id for r in page.rows)
        if page.older is None:
            break
        before = page.older
    assert seen == reference
    if len(pages) > 1:  # and back: the newer link of page 2 shows page 1 again
        back = reader.page(wanted, after=pages[1].newer, limit=40)
        assert [r.id for r in back.rows] == [r.id for r in pages[0].rows]
        assert back.newer is None


def test_neighbours_streams_and_walks(reader: RecordReader) -> None:
    streams = reader.streams()
    assert streams == [("billing/production", COUNT // 2, COUNT // 2), ("checkout/production", COUNT // 2, COUNT // 2)]
    record = reader.record("00000000-0000-4000-8000-000000000004")
    assert record is not None and record[1][SEQ] == 3
    assert reader.at_seq("checkout/production", 2)["id"] == "00000000-0000-4000-8000-000000000002"  # type: ignore[index]
    assert [r[SEQ] for r in reader.stream_records("billing/production")] == list(range(1, COUNT // 2 + 1))
    assert len(list(reader.matching(DecisionFilter(service="billing")))) == COUNT // 2
