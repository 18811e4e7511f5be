"""`relgate audit report` prints, byte for byte, what it printed before its reader was rewritten for speed: the
expected files in tests/fixtures/report were made by the earlier reader (generic record parsing, rows pickled to
workers) from the same log, which holds gate records out of time order, waivers, overrides, errors, deployments,
several streams, blank lines and odd records."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from relgate.audit.store import open_store
from relgate.cli import main
from relgate.incidents import read_incidents
from relgate.report_stream import stream_report
from tests.report_history import FIXTURES, REPORTS

LOG = FIXTURES / "history.ndjson"


def _store(url: str) -> str:
    """The fixture log in the store `url` names (SQL stores: one row per record, in the log's order)."""
    if url.startswith("jsonl:"):
        Path(url[len("jsonl:"):]).write_bytes(LOG.read_bytes())
        return url
    store = open_store(url)
    rows = []
    for index, line in enumerate(LOG.read_text(encoding="utf-8").split("\n")):
        if not line.strip():
            continue
        record = json.loads(line)
        rows.append((str(record.get("relgatestream", "odd")), int(record.get("relgateseq", index)),
                     str(record["id"]), str(record.get("relgatehash", "")), line))
    insert = "INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES ({0}, {0}, {0}, {0}, {0})"
    if url.startswith("sqlite:"):
        connection = store._connect()  # type: ignore[attr-defined]
        with connection:
            connection.execute("BEGIN")
            connection.executemany(insert.format("?"), rows)
            connection.execute("COMMIT")
        connection.close()
    else:
        with store._connect() as connection:  # type: ignore[attr-defined]
            connection.cursor().executemany(insert.format("%s"), rows)
            connection.commit()
    return url


@pytest.mark.parametrize(("name", "arguments"), REPORTS, ids=[name for name, _ in REPORTS])
def test_every_format_prints_what_it_printed_before(store_url: str, name: str, arguments: list[str]) -> None:
    url = _store(store_url)
    result = CliRunner().invoke(main, ["audit", "report", "--store", url, "--incidents",
                                       str(FIXTURES / "incidents.yaml"), *arguments], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(("kind", "workers", "cut"), [("jsonl", 1, 6000), ("jsonl", 2, 6000), ("jsonl", 2, 50_000),
                                                      ("jsonl", 1, 10**9), ("sqlite", 2, 5), ("sqlite", 1, 40)])
def test_the_json_is_the_same_however_the_work_is_cut(tmp_path: Path, kind: str, workers: int, cut: int) -> None:
    """Small parts make more sorted runs than one merge takes (the merge of merges), one part makes one run; a JSONL
    log is cut in bytes (each worker reads its range), an SQL store in rows (handed to the workers)."""
    url = _store(f"{kind}:{tmp_path}/audit.{kind}")
    report = stream_report(open_store(url), incidents=read_incidents(FIXTURES / "incidents.yaml"), workers=workers,
                           **({"span": cut} if kind == "jsonl" else {"chunk": cut}))
    out = io.StringIO()
    try:
        report.write_json(out.write)
    finally:
        report.close()
    assert out.getvalue().encode() == (FIXTURES / "report.json").read_bytes()
