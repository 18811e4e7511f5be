"""SQL stores keep chain fields in columns too: each column is checked against the body at its own row."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from relgate.audit.store import open_store
from relgate.audit.verify import verify
from relgate.cli import main
from relgate.errors import AuditError
from tests.audit.helpers import body

STREAM = "checkout/production"


def execute(url: str, sql: str, *args: Any) -> None:
    """Change a store behind relgate's back (`?` placeholders)."""
    if url.startswith("sqlite:"):
        with sqlite3.connect(url[len("sqlite:"):]) as connection:
            connection.execute(sql, args)
    else:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(sql.replace("?", "%s"), args)


def filled(url: str, count: int = 3) -> list[int]:
    store = open_store(url)
    for _ in range(count):
        store.append(body(), STREAM)
    return [entry.position for entry in store.entries()]


@pytest.mark.parametrize(("column", "value"), [
    ("hash", "sha256:" + "0" * 64), ("seq", 99), ("stream", "other/production"), ("id", "not-the-id"),
])
def test_an_edited_column_is_named_at_its_own_row(sql_store_url: str, column: str, value: object) -> None:
    positions = filled(sql_store_url)
    execute(sql_store_url, f"UPDATE relgate_records SET {column} = ? WHERE position = ?", value, positions[1])
    report = verify(open_store(sql_store_url).entries())
    assert not report.ok and report.line == positions[1], report
    assert f"the stored {column} column" in report.reason


def test_append_refuses_to_chain_onto_an_edited_head(sql_store_url: str) -> None:
    positions = filled(sql_store_url, 2)
    execute(sql_store_url, "UPDATE relgate_records SET hash = ? WHERE position = ?", "sha256:" + "1" * 64,
            positions[-1])
    with pytest.raises(AuditError, match="columns that differ from its body"):
        open_store(sql_store_url).append(body(), STREAM)
    assert len(list(open_store(sql_store_url).entries())) == 2


@pytest.mark.parametrize("text", ["not json", '{"relgateseq": NaN}', "[1, 2]"])
def test_a_row_whose_body_is_not_a_record_is_one_line_and_exit_two(sql_store_url: str, text: str) -> None:
    positions = filled(sql_store_url, 2)
    execute(sql_store_url, "UPDATE relgate_records SET body = ? WHERE position = ?", text, positions[0])
    result = CliRunner().invoke(main, ["audit", "verify", "--store", sql_store_url], catch_exceptions=False)
    assert result.exit_code == 2 and result.stderr.startswith("relgate: error:"), result.output
    assert f"row {positions[0]}: unreadable record" in result.stderr and "Traceback" not in result.output
