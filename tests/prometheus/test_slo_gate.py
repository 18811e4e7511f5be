"""`relgate check` against the real Prometheus: blocked during the incident, allowed after it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from relgate.cli import main
from relgate.timeutil import format_ns
from tests.prometheus.datagen import END, INCIDENT_START
from tests.prometheus.test_prometheus_source import AVAILABILITY, LATENCY


def gate_config(directory: Path, url: str, slos: list[dict[str, Any]], **slo_data: Any) -> Path:
    doc = {
        "version": 1, "service": "checkout", "environment": "production", "policies": ["builtin"],
        "data": {"slo": slo_data},
        "sources": [{"type": "prometheus", "name": "slo", "url": "${PROMETHEUS_URL}", "timeout": "10s", "slos": slos}],
    }
    path = directory / "relgate.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def check(config: Path, at: int, url: str) -> Result:
    args = ["check", "--config", str(config), "--at", format_ns(at * 10**9), "--json", "--no-audit"]
    return CliRunner().invoke(main, args, env={"PROMETHEUS_URL": url}, catch_exceptions=False)


def test_denies_during_the_incident(tmp_path: Path, prometheus_url: str) -> None:
    config = gate_config(tmp_path, prometheus_url, [AVAILABILITY, LATENCY])
    result = check(config, INCIDENT_START + 1800, prometheus_url)
    assert result.exit_code == 1
    decision = json.loads(result.stdout)
    (page,) = [v for v in decision["violations"] if v["id"] == "slo.page_burn"]
    assert page["details"]["slo"] == "checkout-availability"
    assert page["details"]["burn_rates"]["5m"] > 14.4 and page["details"]["thresholds"]["page"] == [14.4, 6.0]


def test_allows_after_the_incident_with_a_ticket_warning(tmp_path: Path, prometheus_url: str) -> None:
    result = check(gate_config(tmp_path, prometheus_url, [AVAILABILITY, LATENCY]), END, prometheus_url)
    decision = json.loads(result.stdout)
    assert result.exit_code == 0, decision
    assert [w["id"] for w in decision["warnings"]] == ["slo.ticket_burn"]


def test_missing_series_denies_as_no_data(tmp_path: Path, prometheus_url: str) -> None:
    ghost = {**AVAILABILITY, "name": "ghost", "good": "nope_total", "total": "nope_total"}
    result = check(gate_config(tmp_path, prometheus_url, [ghost]), END, prometheus_url)
    assert result.exit_code == 1
    assert [v["id"] for v in json.loads(result.stdout)["violations"]] == ["slo.no_data"]


def test_allowed_no_data_only_warns(tmp_path: Path, prometheus_url: str) -> None:
    ghost = {**AVAILABILITY, "name": "ghost", "good": "nope_total", "total": "nope_total"}
    result = check(gate_config(tmp_path, prometheus_url, [ghost], allow_no_data=["ghost"]), END, prometheus_url)
    assert result.exit_code == 0
    assert [w["id"] for w in json.loads(result.stdout)["warnings"]] == ["slo.no_data"]


def test_budget_threshold_denies_when_budget_is_short(tmp_path: Path, prometheus_url: str) -> None:
    result = check(gate_config(tmp_path, prometheus_url, [AVAILABILITY], min_error_budget=0.9), END, prometheus_url)
    (budget,) = [v for v in json.loads(result.stdout)["violations"] if v["id"] == "slo.error_budget"]
    assert budget["details"]["min_error_budget"] == 0.9
    assert 0.33 < budget["details"]["error_budget_remaining"] < 0.34


def test_unreachable_prometheus_is_an_error(tmp_path: Path) -> None:
    config = gate_config(tmp_path, "http://127.0.0.1:9", [AVAILABILITY])
    result = check(config, END, "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert "required source 'slo' failed" in result.stderr and "cannot connect" in result.stderr
    assert json.loads(result.stdout)["decision"] == "error"
