"""Concurrent GitHub deliveries against a multi-worker `relgate serve` on PostgreSQL; what came of them.

Shared by the once-only test (small) and benchmarks/serve.py (64 deliveries, 4 workers).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests

from tests.serve.standins import (
    CONSOLE_TOKEN,
    GithubStandIn,
    gate_dir,
    protection_event,
    running_server,
    serve_env,
    signed_delivery,
    wait_for,
)


@dataclass(frozen=True)
class LoadResult:
    deliveries: int
    posts: int
    accepted: int
    duplicates: int
    reviews_per_run: dict[int, int]
    records_per_delivery: dict[str, int]
    verify_exit: int
    verify_output: str
    ack_latencies: list[float]
    decide_latencies: list[float]
    wall_seconds: float
    pending: dict[str, int]
    metrics: str

    def percentile(self, values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_load(directory: Path, postgres_url: str, github: GithubStandIn, pem: str, *, deliveries: int,
             workers: int, copies: int = 2, timeout: float = 120.0) -> LoadResult:
    """Send every delivery `copies` times at once (GitHub redelivers), wait for every review, then verify."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS relgate_records, relgate_schema, relgate_deliveries")
    config = gate_dir(directory, store=postgres_url, ok=False, github={"api_url": github.url})
    base_run = 900000
    ids = [str(uuid.uuid4()) for _ in range(deliveries)]
    sent_at: dict[str, float] = {}
    ack: list[float] = []
    statuses: list[tuple[int, str]] = []
    with running_server(config, serve_env(github, pem), workers=workers) as server:
        session_pool = [requests.Session() for _ in range(min(64, deliveries * copies))]

        def post(index: int) -> None:
            number = index % deliveries
            delivery = ids[number]
            started = time.monotonic()
            sent_at.setdefault(delivery, started)
            answer = signed_delivery(server.url, protection_event(run_id=base_run + number), delivery,
                                     session=session_pool[index % len(session_pool)])
            ack.append(time.monotonic() - started)
            kind = answer.json().get("status", "") if answer.status_code < 300 else answer.text[:200]
            statuses.append((answer.status_code, kind))

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(session_pool)) as pool:
            list(pool.map(post, range(deliveries * copies)))
        finished: dict[int, float] = {}

        def all_reviewed() -> bool:
            with github.lock:
                for review in github.reviews:
                    finished.setdefault(review["run_id"], time.monotonic())
                return len({r["run_id"] for r in github.reviews if r["run_id"] >= base_run}) >= deliveries

        refused = [s for s in statuses if s[0] >= 300]
        if refused:
            raise AssertionError(f"deliveries refused: {refused[:3]}\n{server.log()[-3000:]}")
        wait_for(all_reviewed, timeout=timeout, what="every review")
        wall = time.monotonic() - started
        time.sleep(1.2)  # a second answer to any delivery would arrive within the poll interval
        with psycopg.connect(postgres_url) as connection:
            rows = connection.execute(
                "SELECT (body::jsonb) #>> '{data,customData,decision_log,input,change,correlation_id}' "
                "FROM relgate_records").fetchall()
            pending = dict(connection.execute(
                "SELECT state, count(*) FROM relgate_deliveries GROUP BY state").fetchall())
        metrics = requests.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {CONSOLE_TOKEN}"},
                               timeout=10).text
        verify = subprocess.run([sys.executable, "-c", "from relgate.cli import main; main()", "audit", "verify",
                                 "--store", postgres_url], capture_output=True, text=True, timeout=120)
    with github.lock:
        per_run = Counter(r["run_id"] for r in github.reviews if r["run_id"] >= base_run)
    per_delivery = Counter(str(r[0]) for r in rows)
    decide = [finished[base_run + i] - sent_at[d] for i, d in enumerate(ids) if base_run + i in finished]
    return LoadResult(
        deliveries=deliveries, posts=deliveries * copies,
        accepted=sum(1 for s in statuses if s == (202, "queued")),
        duplicates=sum(1 for s in statuses if s[1] == "duplicate"),
        reviews_per_run=dict(per_run), records_per_delivery={d: per_delivery.get(d, 0) for d in ids},
        verify_exit=verify.returncode, verify_output=verify.stdout + verify.stderr,
        ack_latencies=ack, decide_latencies=decide, wall_seconds=wall, pending=pending,
        metrics=metrics)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
