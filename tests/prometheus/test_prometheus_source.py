"""The Prometheus source against a real server: numbers equal the true counts, alerts flip on time."""

from __future__ import annotations

from typing import Any

import pytest

from relgate.errors import SourceError
from relgate.sources.interface import GatherRequest, SourceSpec
from relgate.sources.prometheus import BURN_WINDOWS, PrometheusSource, burn_factor, window_seconds
from tests.prometheus.datagen import END, INCIDENT_END, INCIDENT_START, RESET_AT, window_counts

AVAILABILITY = {
    "name": "checkout-availability",
    "objective": 0.999,
    "window": "30d",
    "good": 'http_requests_total{service="checkout",code!~"5.."}',
    "total": 'http_requests_total{service="checkout"}',
}
LATENCY = {
    "name": "checkout-latency",
    "objective": 0.99,
    "window": "30d",
    "good": 'http_request_duration_seconds_bucket{service="checkout",le="0.5"}',
    "total": 'http_request_duration_seconds_count{service="checkout"}',
}
RATIO = {
    "name": "checkout-ratio",
    "objective": 0.999,
    "window": "30d",
    "error_ratio": 'sum(rate(http_requests_total{code="500"}[{{window}}]))'
    ' / sum(rate(http_requests_total[{{window}}]))',
}


def collect(url: str, at: int, *slos: dict[str, Any], **options: Any) -> dict[str, dict[str, Any]]:
    spec = SourceSpec("prometheus", "slo", options={"url": url, "slos": list(slos), **options}, timeout_s=10)
    evidence = PrometheusSource(spec).collect(GatherRequest(at * 10**9, "checkout", "production"))
    return {slo["name"]: slo for slo in evidence["slos"]}


def page_at(url: str, at: int) -> bool:
    return bool(collect(url, at, AVAILABILITY)["checkout-availability"]["alerts"]["page"])


def true_burn(at: int, window: str, objective: float = 0.999) -> float:
    requests, errors, _ = window_counts(at, window_seconds(window))
    return errors / requests / (1 - objective)


def true_page(at: int) -> bool:
    b = {w: true_burn(at, w) for w in BURN_WINDOWS}
    return (b["1h"] > 14.4 and b["5m"] > 14.4) or (b["6h"] > 6 and b["30m"] > 6)


@pytest.mark.parametrize("at", [END, INCIDENT_START + 1800, RESET_AT + 1800, RESET_AT + 5 * 86_400])
def test_availability_matches_the_true_counts(prometheus_url: str, at: int) -> None:
    slo = collect(prometheus_url, at, AVAILABILITY)["checkout-availability"]
    requests, errors, _ = window_counts(at, 30 * 86_400)
    assert slo["status"] == "ok"
    assert slo["error_ratio"] == pytest.approx(errors / requests, abs=1e-9)
    assert slo["sli"] == pytest.approx(1 - errors / requests, abs=1e-9)
    assert slo["error_budget_remaining"] == pytest.approx(1 - (errors / requests) / 0.001, abs=1e-9)
    for window in BURN_WINDOWS:
        assert slo["burn_rates"][window] == pytest.approx(true_burn(at, window), abs=1e-9), window


def test_total_events_over_the_whole_window(prometheus_url: str) -> None:
    slo = collect(prometheus_url, END, AVAILABILITY)["checkout-availability"]
    assert slo["total_events"] == pytest.approx(window_counts(END, 30 * 86_400)[0], rel=1e-9)


def test_latency_slo_from_histogram_buckets(prometheus_url: str) -> None:
    slo = collect(prometheus_url, END, LATENCY)["checkout-latency"]
    requests, _, fast = window_counts(END, 30 * 86_400)
    assert slo["sli"] == pytest.approx(fast / requests, abs=1e-9)
    assert slo["error_budget_remaining"] == pytest.approx(0.5, abs=1e-9)
    assert slo["alerts"] == {"page": False, "ticket": False}


def test_recorded_ratio_template_gives_the_same_burn_rates(prometheus_url: str) -> None:
    at = INCIDENT_START + 1800
    slos = collect(prometheus_url, at, AVAILABILITY, RATIO)
    for window in BURN_WINDOWS:
        assert slos["checkout-ratio"]["burn_rates"][window] == pytest.approx(
            slos["checkout-availability"]["burn_rates"][window], abs=1e-9)
    assert slos["checkout-ratio"]["queries"]["error_ratio:5m"].count("[5m]") == 2


def test_page_alert_turns_on_at_the_right_minute(prometheus_url: str) -> None:
    flags = {m: page_at(prometheus_url, INCIDENT_START + m * 60) for m in range(0, 5)}
    assert flags == {m: true_page(INCIDENT_START + m * 60) for m in range(0, 5)}
    assert next(m for m, on in flags.items() if on) == 3


def test_page_alert_turns_off_after_the_incident(prometheus_url: str) -> None:
    minutes = (29, 30, 31)
    flags = {m: page_at(prometheus_url, INCIDENT_END + m * 60) for m in minutes}
    assert flags == {m: true_page(INCIDENT_END + m * 60) for m in minutes}
    assert flags[29] is True and flags[31] is False


def test_ticket_alert_after_the_incident(prometheus_url: str) -> None:
    slo = collect(prometheus_url, END, AVAILABILITY)["checkout-availability"]
    assert slo["alerts"] == {"page": False, "ticket": True}
    assert slo["thresholds"] == {"page": [14.4, 6.0], "ticket": [3.0, 1.0]}


def test_missing_series_is_no_data(prometheus_url: str) -> None:
    ghost = {**AVAILABILITY, "name": "ghost", "good": 'nope_total{code="200"}', "total": "nope_total"}
    slo = collect(prometheus_url, END, ghost)["ghost"]
    assert slo["status"] == "no_data"
    assert slo["sli"] is None and slo["error_budget_remaining"] is None


def test_too_few_events_is_no_data(prometheus_url: str) -> None:
    slo = collect(prometheus_url, END, {**AVAILABILITY, "min_events": 10**9})["checkout-availability"]
    assert slo["status"] == "no_data" and slo["sli"] is not None


def test_burn_factors_scale_to_the_slo_window() -> None:
    assert burn_factor(0.02, "30d", "1h") == pytest.approx(14.4)
    assert burn_factor(0.02, "28d", "1h") == pytest.approx(13.44)
    assert burn_factor(0.10, "30d", "3d") == pytest.approx(1.0)


def test_unreachable_prometheus_names_the_slo_and_query() -> None:
    with pytest.raises(SourceError, match=r"SLO 'checkout-availability': query .* failed: cannot connect"):
        collect("http://127.0.0.1:9", END, AVAILABILITY)


def test_bad_slo_entry_is_named() -> None:
    with pytest.raises(SourceError, match=r"slos\[0\]: give either `good` and `total`, or `error_ratio`"):
        collect("http://127.0.0.1:9", END, {"name": "x", "objective": 0.99, "window": "30d", "good": "a"})
