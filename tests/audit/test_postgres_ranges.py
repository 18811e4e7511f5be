"""`PostgresStore.rows_in`, as the report's workers read a PostgreSQL store: bodies as their UTF-8 bytes by a binary
COPY (any other client encoding as the driver decodes it), in position order, on one connection per process."""

from __future__ import annotations

import json
import pickle
import random
import time
from collections.abc import Iterator

import psycopg
import pytest
from click.testing import CliRunner

from relgate.audit.postgres import PostgresStore
from relgate.audit.store import open_store, parse_record
from relgate.cli import main
from relgate.errors import AuditError, RelgateError
from relgate.output.escape import json_text
from relgate.report import build_report
from tests.audit.test_columns import execute
from tests.audit.test_report_ranges import reported, stored
from tests.test_report_stream import INCIDENTS, record

WIDE = "café — 日本語 ✓ \U0001f680"  # two-, three- and four-byte UTF-8


@pytest.fixture
def empty(postgres_url: str) -> str:
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS relgate_records, relgate_schema")
    open_store(postgres_url)._connect().close()  # type: ignore[attr-defined]
    return postgres_url


def with_option(url: str, option: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{option}"


def test_bodies_come_as_their_utf8_bytes_in_position_order(empty: str) -> None:
    bodies = [json.dumps({"id": f"r{i}", "note": WIDE * (i % 3)}, ensure_ascii=False) for i in range(30)]
    positions = stored(empty, bodies)
    rows = list(PostgresStore(empty).rows_in(positions[3], positions[20]))
    assert rows == [(p, b.encode()) for p, b in zip(positions[3:21], bodies[3:21], strict=True)]


def test_a_table_stored_out_of_position_order_reads_in_position_order(empty: str) -> None:
    positions = stored(empty, [json.dumps({"id": f"r{i}"}) for i in range(20)])
    execute(empty, "UPDATE relgate_records SET body = body WHERE mod(position, 3) = 0")  # moved to the table's end
    scanned = with_option(empty, "options=-c%20enable_indexscan%3Doff%20-c%20enable_bitmapscan%3Doff")  # heap order
    rows = list(PostgresStore(scanned).rows_in(positions[0], positions[-1]))
    assert [p for p, _ in rows] == positions
    assert [json.loads(b)["id"] for _, b in rows] == [f"r{i}" for i in range(20)]


def test_another_client_encoding_gives_the_text_as_the_driver_decodes_it(empty: str) -> None:
    bodies = [json.dumps({"id": "r1", "note": "café"}, ensure_ascii=False), json.dumps({"id": "r2"})]
    positions = stored(empty, bodies)
    rows = list(PostgresStore(with_option(empty, "client_encoding=latin1")).rows_in(positions[0], positions[1]))
    assert rows == list(zip(positions, bodies, strict=True))


def test_a_report_over_non_ascii_records_is_the_in_memory_report(empty: str) -> None:
    rng = random.Random(13)
    records = [record(rng, i, deployments=True) for i in range(120)]
    for index, one in enumerate(records):
        one["data"]["customData"]["decision_log"]["result"]["service"] += WIDE if index % 4 == 0 else ""
    stored(empty, [json.dumps(r, ensure_ascii=index % 2 == 0) for index, r in enumerate(records)])
    expected = json.loads(json_text(build_report(records, incidents=INCIDENTS)))
    assert reported(empty, workers=2, chunk=11) == expected


@pytest.mark.parametrize("text", ['{"id": "cut short', '{"id": "' + WIDE + '"', WIDE, "[1, 2]"])
def test_a_body_that_is_not_a_record_is_named_as_the_generic_reader_names_it(empty: str, text: str) -> None:
    rng = random.Random(14)
    bodies = [json.dumps(record(rng, i, deployments=False)) for i in range(40)]
    bodies[25] = text
    positions = stored(empty, bodies)
    with pytest.raises(RelgateError) as raised:
        reported(empty, workers=2, chunk=9)
    with pytest.raises(AuditError) as generic:
        parse_record(text, f"{open_store(empty).row_label()}{positions[25]}")
    assert str(raised.value) == str(generic.value)
    result = CliRunner().invoke(main, ["audit", "report", "--format", "json", "--store", empty])
    assert result.exit_code == 2
    assert f"row {positions[25]}: unreadable record" in result.output


@pytest.fixture
def ascii_database(postgres_url: str) -> Iterator[str]:
    """A SQL_ASCII database (the server stores any bytes): the only kind that can hold a body not in UTF-8."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS relgate_ascii")
        connection.execute("CREATE DATABASE relgate_ascii ENCODING 'SQL_ASCII' TEMPLATE template0 "
                           "LC_COLLATE 'C' LC_CTYPE 'C'")
    url = postgres_url.rsplit("/", 1)[0] + "/relgate_ascii"
    yield url
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP DATABASE relgate_ascii WITH (FORCE)")


def test_a_body_not_in_utf8_is_the_servers_error_as_before(ascii_database: str) -> None:
    url = with_option(ascii_database, "client_encoding=utf8")
    open_store(url)._connect().close()  # type: ignore[attr-defined]
    with psycopg.connect(ascii_database, autocommit=True) as connection:
        connection.execute("INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES ('s', 1, 'a', '', %s), "
                           "('s', 2, 'b', '', convert_from(%s, 'SQL_ASCII'))", ('{"id": "a"}', b'{"id": "\xff"}'))
    store = PostgresStore(url)
    with pytest.raises(AuditError) as raised:
        list(store.rows_in(1, 2))
    with psycopg.connect(url) as connection, pytest.raises(psycopg.Error) as plain:
        connection.execute("SELECT body FROM relgate_records ORDER BY position").fetchall()
    assert str(raised.value) == f"{store.where}: cannot read records: {str(plain.value).splitlines()[0]}"
    assert "invalid byte sequence" in str(raised.value)
    result = CliRunner().invoke(main, ["audit", "report", "--format", "json", "--store", url])
    assert result.exit_code == 2
    assert "cannot read records: invalid byte sequence" in result.output


def test_a_sql_ascii_database_gives_bodies_as_their_bytes(ascii_database: str) -> None:
    """In the database's own client encoding (SQL_ASCII) the driver gives bytes, read as UTF-8 like any body; one
    that is not UTF-8 is named by its row (it used to become the text "b'...'", unreadable as JSON)."""
    open_store(ascii_database)._connect().close()  # type: ignore[attr-defined]
    with psycopg.connect(ascii_database, autocommit=True) as connection:
        connection.execute("INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES ('s', 1, 'a', '', %s), "
                           "('s', 2, 'b', '', convert_from(%s, 'SQL_ASCII'))", ('{"id": "a"}', b'{"id": "\xff"}'))
    store = PostgresStore(ascii_database)
    assert list(store.rows_in(1, 2)) == [(1, b'{"id": "a"}'), (2, b'{"id": "\xff"}')]
    assert [row[2] for row in store.raw_rows_in(1, 2)] == [row[2] for row in store.raw_rows()] == [
        b'{"id": "a"}', b'{"id": "\xff"}']
    result = CliRunner().invoke(main, ["audit", "report", "--format", "json", "--store", ascii_database])
    assert result.exit_code == 2
    assert "row 2: unreadable record: not UTF-8" in result.output


def readers(url: str, name: str) -> int:
    with psycopg.connect(url, autocommit=True) as connection:
        return int(connection.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                                      (name,)).fetchone()[0])  # type: ignore[index]


def test_one_connection_reads_every_range_of_a_process_and_is_closed_with_the_store(empty: str) -> None:
    positions = stored(empty, [json.dumps({"id": f"r{i}"}) for i in range(12)])
    store = PostgresStore(with_option(empty, "application_name=relgate-reuse"))
    for first in positions[::4]:
        assert len(list(store.rows_in(first, first + 3))) == 4
    assert readers(empty, "relgate-reuse") == 1
    assert pickle.loads(pickle.dumps(store))._reader is None  # a spawned worker opens its own
    del store
    assert gone(empty, "relgate-reuse")


def test_a_connection_the_server_closed_between_ranges_is_opened_again(empty: str) -> None:
    positions = stored(empty, [json.dumps({"id": f"r{i}"}) for i in range(6)])
    store = PostgresStore(with_option(empty, "application_name=relgate-lost"))
    assert len(list(store.rows_in(positions[0], positions[2]))) == 3
    with psycopg.connect(empty, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE application_name = 'relgate-lost'")
    assert gone(empty, "relgate-lost")
    assert [p for p, _ in store.rows_in(positions[3], positions[5])] == positions[3:]


def test_report_workers_close_their_connections_when_they_end(empty: str) -> None:
    rng = random.Random(15)
    stored(empty, [json.dumps(record(rng, i, deployments=False)) for i in range(50)])
    url = with_option(empty, "application_name=relgate-workers")
    assert reported(url, workers=2, chunk=5)["runs"] == 50
    assert gone(empty, "relgate-workers")


def gone(url: str, name: str) -> bool:
    """Whether the server's processes for `name` have ended (a backend leaves pg_stat_activity soon after its
    client closes: waited for, up to 10 s)."""
    deadline = time.monotonic() + 10
    while readers(url, name):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_read_stopped_early_leaves_the_next_range_readable(empty: str) -> None:
    positions = stored(empty, [json.dumps({"id": f"r{i}"}) for i in range(10)])
    store = PostgresStore(with_option(empty, "application_name=relgate-stopped"))
    rows = store.rows_in(positions[0], positions[-1])
    assert next(rows)[0] == positions[0]
    rows.close()  # as a worker does when a record is unreadable: the COPY is cut off with its connection
    assert gone(empty, "relgate-stopped")
    assert [p for p, _ in store.rows_in(positions[0], positions[-1])] == positions
