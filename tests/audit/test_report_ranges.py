"""`audit report` over an SQL store: each worker reads its own ranges of row positions; a gap in the numbering,
rows stored out of time order and a row that is not a record read as the generic reader reads them."""

from __future__ import annotations

import io
import json
import random

import pytest

from relgate.audit.store import cut_positions, open_store, parse_record
from relgate.errors import RelgateError
from relgate.output.escape import json_text
from relgate.report import build_report
from relgate.report_stream import stream_report
from tests.audit.test_columns import execute
from tests.test_report_stream import INCIDENTS, record


def stored(url: str, bodies: list[str]) -> list[int]:
    """The bodies as rows, in this order; their positions."""
    rows = [(f"s{index % 3}", index, f"rec-{index}", "", text) for index, text in enumerate(bodies)]
    connection = open_store(url)._connect()  # type: ignore[attr-defined]
    if url.startswith("sqlite:"):
        connection.executemany("INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES (?, ?, ?, ?, ?)",
                               rows)
        connection.close()
    else:
        with connection:
            connection.cursor().executemany("INSERT INTO relgate_records (stream, seq, id, hash, body) "
                                            "VALUES (%s, %s, %s, %s, %s)", rows)
    return [row[0] for row in open_store(url).raw_rows()]


def reported(url: str, **options: object) -> dict[str, object]:
    report = stream_report(open_store(url), incidents=INCIDENTS, **options)  # type: ignore[arg-type]
    out = io.StringIO()
    try:
        report.write_json(out.write)
    finally:
        report.close()
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_ranges_start_at_stored_rows_and_stop_at_the_last() -> None:
    stored_positions = [3, 4, 5, 40, 41, 900]
    following = {p: min((q for q in stored_positions if q > p), default=None) for p in range(1000)}
    assert list(cut_positions((3, 900), following.__getitem__, 2)) == [(3, 4), (5, 6), (40, 41), (900, 900)]
    assert list(cut_positions((None, None), following.__getitem__, 2)) == []


@pytest.mark.parametrize(("workers", "chunk"), [(2, 7), (1, 50), (2, 10_000)])
def test_a_store_out_of_time_order_with_gaps_gives_the_in_memory_report(sql_store_url: str, workers: int,
                                                                        chunk: int) -> None:
    rng = random.Random(11)
    records = [record(rng, i, deployments=True) for i in range(300)]
    rng.shuffle(records)  # stored out of time order, as `--at` backdating leaves them
    positions = stored(sql_store_url, [json.dumps(r) for r in records])
    gone = set(positions[40:95]) | {positions[0], positions[-1]}
    for position in gone:  # numbering with gaps, at both ends too
        execute(sql_store_url, "DELETE FROM relgate_records WHERE position = ?", position)
    kept = [r for r, p in zip(records, positions, strict=True) if p not in gone]
    expected = json.loads(json_text(build_report(kept, incidents=INCIDENTS)))
    assert reported(sql_store_url, workers=workers, chunk=chunk) == expected


@pytest.mark.parametrize("workers", [1, 2])
def test_a_row_that_is_not_a_record_is_named_as_the_generic_reader_names_it(sql_store_url: str,
                                                                            workers: int) -> None:
    rng = random.Random(12)
    bodies = [json.dumps(record(rng, i, deployments=False)) for i in range(60)]
    bodies[41] = '{"id": "cut short'
    positions = stored(sql_store_url, bodies)
    with pytest.raises(RelgateError) as raised:
        reported(sql_store_url, workers=workers, chunk=9)
    with pytest.raises(RelgateError) as generic:
        parse_record(bodies[41], f"{open_store(sql_store_url).row_label()}{positions[41]}")
    assert str(raised.value) == str(generic.value)
    assert f"row {positions[41]}: unreadable record: not JSON" in str(raised.value)


def test_an_empty_store_is_an_empty_report_and_a_missing_one_an_error(tmp_path: object) -> None:
    url = f"sqlite:{tmp_path}/audit.db"
    open_store(url)._connect().close()  # type: ignore[attr-defined]
    assert reported(url)["runs"] == 0
    with pytest.raises(RelgateError, match="no audit store here"):
        reported(f"sqlite:{tmp_path}/missing.db")
