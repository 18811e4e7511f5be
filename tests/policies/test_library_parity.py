"""The differential check: the library gives identical answers on regorus and on the real OPA.

OPA (embedded, engine `opa`) is the reference: each case's expected rule ids
are checked against its answer, and regorus must give exactly the same deny and
warn elements. (tests/engines runs the same cases through opa-cli when an `opa`
binary is present, and through opa-server's REST exchange.)
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from relgate.engines import make_engine
from relgate.policy import load_policies
from tests.conftest import ROOT

NOW = 1_800_000_000 * 10**9
HOUR = 3600 * 10**9


def finding(cve: str, severity: str) -> dict[str, Any]:
    return {"id": cve, "rule": cve, "severity": severity, "tool": "Trivy", "message": "m"}


def review(user: str, hours_ago: int, state: str = "APPROVED", stale: bool = False) -> dict[str, Any]:
    return {"user": user, "state": state, "submitted_at_ns": NOW - hours_ago * HOUR, "stale": stale}


def junit_report(passed: int, failed: int) -> dict[str, Any]:
    return {"total": passed + failed, "passed": passed, "failed": failed, "errors": 0, "skipped": 0,
            "pass_rate": passed / (passed + failed), "failing": [{"id": "t::x", "suite": "unit", "kind": "failure"}],
            "suites": [{"name": "unit", "failed": failed, "errors": 0}]}


def slo(name: str, budget: float | None, page: bool, ticket: bool, status: str = "ok") -> dict[str, Any]:
    return {"name": name, "objective": 0.999, "window": "30d", "sli": 0.9995, "error_budget_remaining": budget,
            "status": status, "burn_rates": {"5m": 20.0, "1h": 16.0, "1d": 4.0, "3d": 2.0},
            "alerts": {"page": page, "ticket": ticket}}


FREEZE = {"start": "2026-12-24T00:00:00Z", "end": "2026-12-27T00:00:00Z", "reason": "holiday freeze",
          "start_ns": 1_798_070_400 * 10**9, "end_ns": 1_798_329_600 * 10**9}
WAIVER = [{"id": "W1", "policy": "relgate.vulnerabilities", "match": "CVE-9"}]

# (name, data.config, input, data.waivers, expected deny ids, expected warn ids)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], list[dict[str, str]], set[str], set[str]]] = [
    ("nothing configured", {}, {}, [], set(), set()),
    ("vulns: no evidence", {"vulnerabilities": {"max": {"critical": 0}}}, {}, [],
     {"vulnerabilities.no_evidence"}, set()),
    ("vulns: over max", {"vulnerabilities": {"max": {"high": 1}}},
     {"vulnerabilities": {"findings": [finding("CVE-2", "high"), finding("CVE-1", "high")], "counts": {}}}, [],
     {"vulnerabilities.max_exceeded"}, set()),
    ("vulns: waived critical", {"vulnerabilities": {"max": {"critical": 0}}},
     {"vulnerabilities": {"findings": [finding("CVE-9", "critical")], "counts": {}}}, WAIVER, set(), set()),
    ("vulns: allow-listed", {"vulnerabilities": {"max": {"critical": 0}, "allow_list": ["CVE-9"]}},
     {"vulnerabilities": {"findings": [finding("CVE-9", "critical")], "counts": {}}}, [], set(), set()),
    ("tests: no evidence", {"tests": {"min_pass_rate": 0.9}}, {}, [], {"tests.no_evidence"}, set()),
    ("tests: below minimum", {"tests": {"min_pass_rate": 0.98}}, {"tests": junit_report(95, 5)}, [],
     {"tests.pass_rate"}, set()),
    ("tests: required suite", {"tests": {"required_suites": ["unit", "e2e"]}}, {"tests": junit_report(99, 1)}, [],
     {"tests.required_suite_failed", "tests.required_suite_missing"}, set()),
    ("approvals: fresh", {"approvals": {"min": 1, "max_age_hours": 72}},
     {"evaluated_at_ns": NOW, "approvals": [review("lee", 2)], "pull_request": {"author": "dana"}}, [], set(), set()),
    ("approvals: self, stale, old", {"approvals": {"min": 1, "max_age_hours": 72}},
     {"evaluated_at_ns": NOW, "approvals": [review("dana", 1), review("lee", 1, stale=True), review("kim", 80)],
      "pull_request": {"author": "dana"}}, [], {"approvals.count"}, set()),
    ("approvals: facts file", {"approvals": {"min": 1}},
     {"evaluated_at_ns": NOW, "change_facts": {"approvals": [review("lee", 1)], "pull_request": {"author": "dana"}}},
     [], set(), set()),
    ("approvals: none", {"approvals": {"min": 1}}, {"evaluated_at_ns": NOW}, [], {"approvals.no_evidence"}, set()),
    ("freeze: inside", {"freeze_windows": [FREEZE]}, {"evaluated_at_ns": 1_798_200_000 * 10**9, "evaluated_at": "t"},
     [], {"freeze.active"}, set()),
    ("freeze: outside", {"freeze_windows": [FREEZE]}, {"evaluated_at_ns": NOW}, [], set(), set()),
    ("slo: healthy", {"slo": {}}, {"slos": [slo("a", 0.5, False, False)]}, [], set(), set()),
    ("slo: spent, paging", {"slo": {"min_error_budget": 0.1}}, {"slos": [slo("a", 0.05, True, True)]}, [],
     {"slo.error_budget", "slo.page_burn"}, set()),
    ("slo: ticket", {"slo": {}}, {"slos": [slo("a", 0.5, False, True)]}, [], set(), {"slo.ticket_burn"}),
    ("slo: no data", {"slo": {"allow_no_data": ["b"]}},
     {"slos": [slo("a", None, False, False, "no_data"), slo("b", None, False, False, "no_data")]}, [],
     {"slo.no_data"}, {"slo.no_data"}),
    ("slo: no evidence", {"slo": {}}, {}, [], {"slo.no_evidence"}, set()),
    ("checks: green", {"checks": {"required": ["build"]}},
     {"checks": [{"name": "build", "status": "completed", "conclusion": "success"}]}, [], set(), set()),
    ("checks: red and missing", {"checks": {"required": ["build", "test"]}},
     {"checks": [{"name": "build", "status": "completed", "conclusion": "failure"}]}, [], {"checks.required"}, set()),
    ("checks: no evidence", {"checks": {"required": ["build"]}}, {}, [], {"checks.no_evidence"}, set()),
    ("approvals: outsider", {"approvals": {"min": 1, "associations": ["MEMBER"]}},
     {"evaluated_at_ns": NOW, "approvals": [{**review("lee", 1), "association": "CONTRIBUTOR"}],
      "pull_request": {"author": "dana"}}, [], {"approvals.count"}, set()),
]


def canonical(value: Any) -> Any:
    """Numbers compare by value (regorus prints 4 where OPA keeps the input's 4.0), as Rego compares them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def outcome(engine_name: str, config: dict[str, Any], doc: dict[str, Any], waivers: list[dict[str, str]]) -> Any:
    engine = make_engine(engine_name)
    engine.load(load_policies(["builtin"], ROOT), {"config": config, "waivers": waivers})
    return {o.package: {"deny": sorted(json.dumps(canonical(d), sort_keys=True) for d in o.deny),
                        "warn": sorted(json.dumps(canonical(w), sort_keys=True) for w in o.warn)}
            for o in engine.evaluate(doc)}


@pytest.mark.parametrize(("name", "config", "doc", "waivers", "deny", "warn"), CASES, ids=[c[0] for c in CASES])
def test_engines_agree(name: str, config: dict[str, Any], doc: dict[str, Any], waivers: list[dict[str, str]],
                       deny: set[str], warn: set[str]) -> None:
    reference = outcome("opa", config, doc, waivers)
    assert outcome("regorus", config, doc, waivers) == reference
    denied = {json.loads(d)["id"] for result in reference.values() for d in result["deny"]}
    warned = {json.loads(w)["id"] for result in reference.values() for w in result["warn"]}
    assert (denied, warned) == (deny, warn)
