"""Many processes appending at once leave one valid chain: no torn line, no duplicate seq."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from relgate.audit.jsonl import JsonlStore
from relgate.audit.verify import verify
from tests.audit.helpers import body

WRITERS, EACH = 8, 25


def _append_many(path: str) -> None:
    store = JsonlStore(Path(path))
    for _ in range(EACH):
        store.append(body(), stream="checkout/production")


def test_concurrent_appends_keep_the_chain_valid(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(log),)) for _ in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    store = JsonlStore(log)
    records = [r for _, r in store.records()]
    assert [r["relgateseq"] for r in records] == list(range(1, WRITERS * EACH + 1))
    assert len({r["id"] for r in records}) == WRITERS * EACH
    report = verify(store.entries())
    assert report.ok and report.count == WRITERS * EACH
