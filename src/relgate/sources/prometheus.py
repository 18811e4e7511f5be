"""SLO evidence from Prometheus: SLI, error budget, multiwindow burn rates and alerts.

Every query is evaluated at one pinned instant (the run's evaluated_at), so a
recorded decision can be replayed against the same numbers.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from relgate.errors import SourceError
from relgate.outbound import bound_session, checked_headers
from relgate.redact import scrub
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.sources.promql_http import PromEndpoint, run_bounded

BURN_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
_WINDOW = re.compile(r"^(\d+)([mhdw])$")
_WINDOW_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}

# The SRE workbook's multiwindow, multi-burn-rate alerts for a 30-day SLO,
# as (share of budget spent, long window, short window). The burn-rate factor
# is share * SLO window / long window, so it scales to any SLO window.
PAGE_RULES = ((0.02, "1h", "5m"), (0.05, "6h", "30m"))
TICKET_RULES = ((0.10, "1d", "2h"), (0.10, "3d", "6h"))


def window_seconds(window: str) -> int:
    match = _WINDOW.match(window)
    if not match:
        raise ValueError(f"expected a window like 5m, 6h, 30d or 4w, got {window!r}")
    return int(match.group(1)) * _WINDOW_SECONDS[match.group(2)]


def burn_factor(share: float, slo_window: str, long_window: str) -> float:
    """The burn rate that spends `share` of the budget within `long_window`."""
    return share * window_seconds(slo_window) / window_seconds(long_window)


@dataclass(frozen=True)
class SloSpec:
    """One SLO as the user configured it: either good/total counters or a recorded error ratio."""

    name: str
    objective: float
    window: str
    good: str | None = None
    total: str | None = None
    error_ratio: str | None = None
    min_events: float = 1.0
    page_factors: tuple[float, float] | None = None
    ticket_factors: tuple[float, float] | None = None

    def queries(self) -> dict[str, str]:
        """The exact PromQL this SLO runs, by purpose (`sli`, `total_events`, `error_ratio:<w>`)."""
        out: dict[str, str] = {}
        if self.error_ratio is not None:
            for window in (self.window, *BURN_WINDOWS):
                out[f"error_ratio:{window}"] = self.error_ratio.replace("{{window}}", window)
            return out
        good, total = self.good, self.total
        out["total_events"] = f"sum(increase({total}[{self.window}]))"
        out[f"error_ratio:{self.window}"] = (
            f"1 - sum(increase({good}[{self.window}])) / sum(increase({total}[{self.window}]))"
        )
        for window in BURN_WINDOWS:
            out[f"error_ratio:{window}"] = f"1 - sum(rate({good}[{window}])) / sum(rate({total}[{window}]))"
        return out


def evaluate_slo(spec: SloSpec, values: Mapping[str, float | None]) -> dict[str, Any]:
    """Turn query results into the context's SLO entry; missing data is `no_data`, never ok."""
    budget_share = 1.0 - spec.objective
    error_ratio = values.get(f"error_ratio:{spec.window}")
    total = values.get("total_events")
    burn_rates = {
        w: (ratio / budget_share if ratio is not None else None)
        for w in BURN_WINDOWS
        for ratio in [values.get(f"error_ratio:{w}")]
    }
    no_data = error_ratio is None or (spec.error_ratio is None and (total is None or total < spec.min_events))
    entry: dict[str, Any] = {
        "name": spec.name,
        "objective": spec.objective,
        "window": spec.window,
        "sli": None if error_ratio is None else 1.0 - error_ratio,
        "error_ratio": error_ratio,
        "error_budget_remaining": None if error_ratio is None else 1.0 - error_ratio / budget_share,
        "burn_rates": burn_rates,
        "total_events": total,
        "status": "no_data" if no_data else "ok",
        "alerts": {
            "page": _alert(burn_rates, PAGE_RULES, spec.page_factors, spec.window),
            "ticket": _alert(burn_rates, TICKET_RULES, spec.ticket_factors, spec.window),
        },
        "thresholds": {
            "page": _factors(PAGE_RULES, spec.page_factors, spec.window),
            "ticket": _factors(TICKET_RULES, spec.ticket_factors, spec.window),
        },
        "queries": spec.queries(),
    }
    return entry


def _factors(
    rules: tuple[tuple[float, str, str], ...], override: tuple[float, float] | None, window: str
) -> list[float]:
    return list(override) if override else [burn_factor(share, window, long) for share, long, _ in rules]


def _alert(
    burn: Mapping[str, float | None],
    rules: tuple[tuple[float, str, str], ...],
    override: tuple[float, float] | None,
    window: str,
) -> bool:
    """Both the long and the short window burn faster than the factor: the budget is really going."""
    for (_, long, short), factor in zip(rules, _factors(rules, override, window), strict=True):
        long_rate, short_rate = burn.get(long), burn.get(short)
        if long_rate is not None and short_rate is not None and long_rate > factor and short_rate > factor:
            return True
    return False


class PrometheusSource(Source):
    type_name = "prometheus"

    def collect(self, request: GatherRequest) -> Evidence:
        url = str(self.spec.option("url") or "").rstrip("/")
        if not url:
            raise SourceError(f"source {self.spec.name!r}: `url` is required")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise SourceError(f"source {self.spec.name!r}: url: expected http(s)://host:port, got {scrub(url)!r}")
        raw_headers = self.spec.option("headers") or {}
        if not isinstance(raw_headers, Mapping):
            raise SourceError(f"source {self.spec.name!r}: headers: expected a mapping of header names to values")
        specs = [self._slo(i, entry) for i, entry in enumerate(self.spec.option("slos") or [])]
        if not specs:
            raise SourceError(f"source {self.spec.name!r}: `slos` lists no SLO")
        endpoint = PromEndpoint(url, checked_headers(raw_headers, f"source {self.spec.name!r}: headers"),
                                time.monotonic() + self.spec.timeout_s, self.spec.timeout_s, bound_session(url))
        at = request.evaluated_at_ns / 1e9
        jobs = [(spec, key, query) for spec in specs for key, query in spec.queries().items()]
        where = f"source {self.spec.name!r}"
        tasks = [partial(endpoint.instant, f"{where}: SLO {spec.name!r}", query, at) for spec, _, query in jobs]
        results = run_bounded(tasks, endpoint.deadline, where, self.spec.timeout_s)
        values: dict[str, dict[str, float | None]] = {spec.name: {} for spec in specs}
        for (spec, key, _), value in zip(jobs, results, strict=True):
            values[spec.name][key] = value
        return {"slos": [evaluate_slo(spec, values[spec.name]) for spec in specs]}

    def _slo(self, index: int, entry: Mapping[str, Any]) -> SloSpec:
        at = f"source {self.spec.name!r}: slos[{index}]"
        try:
            objective = float(entry["objective"])
            window = str(entry.get("window", "30d"))
            window_seconds(window)
            name = str(entry["name"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"{at}: needs name, objective (0..1) and window ({exc})") from None
        if not 0 < objective < 1:
            raise SourceError(f"{at}.objective: expected a number between 0 and 1, got {objective}")
        has_counters = "good" in entry and "total" in entry
        if has_counters == ("error_ratio" in entry):
            raise SourceError(f"{at}: give either `good` and `total`, or `error_ratio`")
        return SloSpec(
            name=name,
            objective=objective,
            window=window,
            good=entry.get("good"),
            total=entry.get("total"),
            error_ratio=entry.get("error_ratio"),
            min_events=float(entry.get("min_events", self.spec.option("min_events", 1))),
            page_factors=_pair(entry.get("page_factors")),
            ticket_factors=_pair(entry.get("ticket_factors")),
        )


def _pair(value: Any) -> tuple[float, float] | None:
    return (float(value[0]), float(value[1])) if value else None
