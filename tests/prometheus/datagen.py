"""A deterministic month of checkout traffic, written as OpenMetrics for `promtool` backfill.

The same per-minute counts are kept in memory, so tests compute every expected
value from the true counts, independently of Prometheus.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MINUTE = 60
DAYS = 30
END = 1_793_491_200  # 2026-11-01T00:00:00Z, the last sample
START = END - DAYS * 86_400
INCIDENT_START = END - 3 * 3600  # 30% of requests fail for one hour
INCIDENT_END = END - 2 * 3600
RESET_AT = START + 10 * 86_400  # the process restarts: every counter starts again from zero
REQUESTS_PER_MINUTE = 1000
FAST_PER_MINUTE = 995  # latency: answered within 0.5 s


@dataclass(frozen=True)
class Minute:
    at: int
    requests: int
    errors: int
    fast: int


def errors_at(at: int) -> int:
    if INCIDENT_START < at <= INCIDENT_END:
        return 300
    return 1 if (at // MINUTE) % 4 == 0 else 0  # background: 0.025% of requests fail


def minutes() -> Iterator[Minute]:
    """Per-minute deltas; a sample at time t counts the requests of (t - 1m, t]."""
    for at in range(START, END + 1, MINUTE):
        yield Minute(at, REQUESTS_PER_MINUTE, errors_at(at), FAST_PER_MINUTE)


@lru_cache(maxsize=1)
def _cumulative() -> tuple[list[int], list[int], list[int]]:
    requests, errors, fast = [0], [0], [0]
    for minute in minutes():
        counted = minute.at > START  # the first sample only sets the starting point
        requests.append(requests[-1] + (minute.requests if counted else 0))
        errors.append(errors[-1] + (minute.errors if counted else 0))
        fast.append(fast[-1] + (minute.fast if counted else 0))
    return requests, errors, fast


def window_counts(at: int, seconds: int) -> tuple[int, int, int]:
    """(requests, errors, fast) in the samples of (at - window, at], from the true per-minute counts.

    Prometheus's range is closed at both ends, but the sample at the left edge
    only anchors the first difference, so the counted deltas are those after it.
    """
    def index(t: int) -> int:
        return (min(max(t, START - MINUTE), END) - START) // MINUTE + 1

    hi, lo = index(at), index(at - seconds)
    return tuple(series[hi] - series[lo] for series in _cumulative())  # type: ignore[return-value]


def write_openmetrics(path: Path) -> None:
    """Cumulative counters with one reset; timestamps in seconds, ending with `# EOF`."""
    totals = {"ok": 0, "err": 0, "fast": 0, "count": 0}
    body: list[str] = []
    for minute in minutes():
        if minute.at == RESET_AT:
            totals = dict.fromkeys(totals, 0)
        if minute.at > START:
            totals["ok"] += minute.requests - minute.errors
            totals["err"] += minute.errors
            totals["fast"] += minute.fast
            totals["count"] += minute.requests
        t = minute.at
        body.append(f'http_requests_total{{service="checkout",code="200"}} {totals["ok"]} {t}')
        body.append(f'http_requests_total{{service="checkout",code="500"}} {totals["err"]} {t}')
        body.append(f'http_request_duration_seconds_bucket{{service="checkout",le="0.5"}} {totals["fast"]} {t}')
        body.append(f'http_request_duration_seconds_bucket{{service="checkout",le="+Inf"}} {totals["count"]} {t}')
        body.append(f'http_request_duration_seconds_count{{service="checkout"}} {totals["count"]} {t}')
    series: dict[str, list[str]] = {}
    for line in body:
        series.setdefault(line.rsplit(" ", 2)[0], []).append(line)
    families = {"http_requests": "counter", "http_request_duration_seconds": "histogram"}
    out: list[str] = []
    for family, kind in families.items():
        out.append(f"# TYPE {family} {kind}")
        for name, lines in series.items():
            if name.startswith(family + "_") and not (family == "http_requests" and "duration" in name):
                out.extend(lines)
    path.write_text("\n".join(out) + "\n# EOF\n")
