"""Every store keeps the same chain: appends, lookups, tamper detection, and 16 concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from relgate.audit.store import AuditStore, open_store
from relgate.audit.verify import verify
from relgate.errors import AuditError
from tests.audit.helpers import body
from tests.conftest import ROOT

WRITERS, EACH = 16, 10
STREAM = "checkout/production"


def tamper(url: str, position: int, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite one stored record behind relgate's back."""
    store = open_store(url)
    records = dict(store.records())
    record = records[position]
    change(record)
    text = json.dumps(record, separators=(",", ":"))
    if url.startswith("jsonl:"):
        path = Path(url[len("jsonl:"):])
        lines = path.read_text().splitlines(keepends=True)
        lines[position - 1] = text + "\n"
        path.write_text("".join(lines))
    elif url.startswith("sqlite:"):
        with sqlite3.connect(url[len("sqlite:"):]) as connection:
            connection.execute("UPDATE relgate_records SET body = ? WHERE position = ?", (text, position))
    else:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("UPDATE relgate_records SET body = %s WHERE position = %s", (text, position))


def test_appends_chain_and_verify(store_url: str) -> None:
    store: AuditStore = open_store(store_url)
    written = [store.append(body(), STREAM) for _ in range(3)]
    other = store.append(body(service="search"), "search/production")
    assert [r["relgateseq"] for r in written] == [1, 2, 3] and other["relgateseq"] == 1
    assert written[1]["relgateprev"] == written[0]["relgatehash"]
    report = verify(store.entries())
    assert report.ok and report.count == 4 and len(report.streams) == 2
    assert store.get(written[2]["id"][:12])["id"] == written[2]["id"]
    with pytest.raises(AuditError, match="no record"):
        store.get("does-not-exist")


def test_edited_record_is_named(store_url: str) -> None:
    store = open_store(store_url)
    for _ in range(3):
        store.append(body(), STREAM)
    positions = [p for p, _ in store.records()]

    def flip(record: dict[str, Any]) -> None:
        record["data"]["customData"]["decision_log"]["result"]["decision"] = "allow"

    tamper(store_url, positions[1], flip)
    report = verify(open_store(store_url).entries())
    assert not report.ok and report.line == positions[1] and "hash mismatch" in report.reason


def _append_many(url: str) -> None:
    store = open_store(url)
    for _ in range(EACH):
        store.append(body(), STREAM)


def test_sixteen_concurrent_writers_leave_one_valid_chain(store_url: str) -> None:
    open_store(store_url).append(body(service="search"), "search/production")  # create the schema first
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(store_url,)) for _ in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    records = [r for _, r in open_store(store_url).records() if r["relgatestream"] == STREAM]
    assert sorted(r["relgateseq"] for r in records) == list(range(1, WRITERS * EACH + 1))
    assert len({r["id"] for r in records}) == WRITERS * EACH
    report = verify(open_store(store_url).entries())
    assert report.ok and report.count == WRITERS * EACH + 1


def test_unknown_store_scheme_is_an_error() -> None:
    with pytest.raises(AuditError, match="expected jsonl:PATH, sqlite:PATH or postgresql://"):
        open_store("mysql://db/relgate")


@pytest.mark.parametrize("command", [["audit", "verify"], ["audit", "list"], ["check", "--config",
                                                                            "examples/quickstart/relgate.yaml"]])
def test_postgres_store_without_the_driver_says_which_extra_to_install(command: list[str]) -> None:
    """Run where `import psycopg` fails, as when relgate is installed without the postgres extra."""
    code = ("import sys; sys.modules['psycopg'] = None\n"
            "from relgate.cli import main\n"
            f"main({[*command, '--store', 'postgresql://gate@127.0.0.1:1/relgate']!r})")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == ("relgate: error: a postgresql:// audit store needs the PostgreSQL driver: "
                                     "pip install 'relgate[postgres]'")
