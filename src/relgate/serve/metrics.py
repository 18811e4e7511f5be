"""Prometheus metrics, summed over every worker process.

With several workers, each process writes its samples to PROMETHEUS_MULTIPROC_DIR
(set by `relgate serve` before the workers start) and `/metrics` reads them all, so
a scrape that lands on any worker sees the whole server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

CONTENT_TYPE = CONTENT_TYPE_LATEST
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

DECISIONS = Counter("relgate_decisions_total", "Gate decisions made by this server.",
                    ["verdict", "service", "environment", "endpoint"])
GATHER_SECONDS = Histogram("relgate_gather_seconds", "Time to gather evidence for one gate run.",
                           buckets=_BUCKETS)
EVAL_SECONDS = Histogram("relgate_eval_seconds", "Time to evaluate policies for one gate run.", buckets=_BUCKETS)
SOURCE_ERRORS = Counter("relgate_source_errors_total", "Sources that failed during a gate run.",
                        ["source", "type"])
WEBHOOKS = Counter("relgate_webhook_deliveries_total", "Webhook deliveries received.", ["endpoint", "outcome"])
CALLBACKS = Counter("relgate_github_callbacks_total", "Deployment protection rule reviews sent to GitHub.",
                    ["outcome"])
CALLBACK_FAILURES = Counter("relgate_github_callback_failures_total",
                            "Failed attempts to send a review to GitHub (each retried until given up).",
                            ["reason"])


def observe_run(endpoint: str, decision: Mapping[str, Any], context: Mapping[str, Any],
                record: Mapping[str, Any] | None) -> None:
    """Count one gate run: its verdict, its timings (from the audit record) and its failed sources."""
    DECISIONS.labels(str(decision.get("decision", "error")), str(decision.get("service", "")),
                     str(decision.get("environment", "")), endpoint).inc()
    timers = _timers(record)
    if "timer_gather_ns" in timers:
        GATHER_SECONDS.observe(timers["timer_gather_ns"] / 1e9)
    if "timer_eval_ns" in timers:
        EVAL_SECONDS.observe(timers["timer_eval_ns"] / 1e9)
    sources = context.get("sources")
    for name, status in (sources.items() if isinstance(sources, Mapping) else []):
        if isinstance(status, Mapping) and status.get("status") == "error":
            SOURCE_ERRORS.labels(str(name), str(status.get("type", ""))).inc()


def _timers(record: Mapping[str, Any] | None) -> dict[str, int]:
    try:
        metrics = record["data"]["customData"]["decision_log"]["metrics"]  # type: ignore[index]
    except (KeyError, TypeError):
        return {}
    return {k: int(v) for k, v in metrics.items() if isinstance(v, int)}


def exposition() -> bytes:
    """The text format for a scrape: all workers' samples when multiprocess mode is on."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()
