"""Per-evaluation time of regorus and the real OPA, in this process and in the worker process the gate uses.

Run on demand: python benchmarks/engines.py [EVALUATIONS]   (default 200)
The input is gate-sized: the bundled library with every section configured, 50 SLOs and 200 findings.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from relgate.engines import make_engine  # noqa: E402
from relgate.engines.interface import Engine  # noqa: E402
from relgate.policy import load_policies  # noqa: E402

NOW = 1_795_000_000 * 10**9
DATA: dict[str, Any] = {
    "config": {
        "vulnerabilities": {"max": {"critical": 0, "high": 5}},
        "tests": {"min_pass_rate": 0.98},
        "approvals": {"min": 1, "max_age_hours": 72},
        "checks": {"required": ["build", "test"]},
        "slo": {"min_error_budget": 0},
        "freeze_windows": [{"start": "2026-12-24T00:00:00Z", "end": "2026-12-27T00:00:00Z", "reason": "holiday",
                            "start_ns": 1_798_070_400 * 10**9, "end_ns": 1_798_329_600 * 10**9}],
    },
    "waivers": [],
}


def context() -> dict[str, Any]:
    severities = ["critical", "high", "medium", "low"]
    return {
        "evaluated_at_ns": NOW, "evaluated_at": "2026-11-18T08:53:20Z", "service": "checkout",
        "environment": "production",
        "slos": [{"name": f"slo-{i}", "objective": 0.999, "window": "30d", "sli": 0.9995, "status": "ok",
                  "error_budget_remaining": 0.5, "burn_rates": {"5m": 1.0, "1h": 1.0, "1d": 1.0},
                  "alerts": {"page": False, "ticket": False}} for i in range(50)],
        "vulnerabilities": {"counts": {}, "findings": [
            {"id": f"CVE-2026-{i:04d}", "rule": f"CVE-2026-{i:04d}", "severity": severities[i % 4], "tool": "Trivy",
             "message": "m"} for i in range(200)]},
        "tests": {"total": 100, "passed": 99, "failed": 1, "errors": 0, "skipped": 0, "pass_rate": 0.99,
                  "failing": [{"id": "t", "suite": "unit", "kind": "failure"}], "suites": []},
        "approvals": [{"user": "lee", "state": "APPROVED", "submitted_at_ns": NOW - 3600 * 10**9, "stale": False}],
        "pull_request": {"author": "dana"},
        "checks": [{"name": "build", "status": "completed", "conclusion": "success"},
                   {"name": "test", "status": "completed", "conclusion": "success"}],
    }


def measure(name: str, isolated: bool, runs: int) -> tuple[float, float, float]:
    policies = load_policies(["builtin"], ROOT)
    doc = context()
    start = time.perf_counter()
    engine: Engine = make_engine(name, isolated=isolated)
    engine.load(policies, DATA)
    loaded = time.perf_counter()
    engine.evaluate(doc)
    first = time.perf_counter()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        engine.evaluate(doc)
        times.append(time.perf_counter() - t)
    engine.close()
    return (loaded - start) * 1000, (first - loaded) * 1000, statistics.median(times) * 1000


def main(runs: int) -> None:
    print(f"library (6 packages), 50 SLOs, 200 findings; median of {runs} evaluations after the first")
    print(f"{'engine':8} {'where':11} {'load':>9} {'first':>9} {'steady':>9}")
    steady: dict[tuple[str, bool], float] = {}
    for name in ("regorus", "opa"):
        for isolated in (False, True):
            load_ms, first_ms, steady_ms = measure(name, isolated, runs)
            steady[(name, isolated)] = steady_ms
            where = "worker" if isolated else "in-process"
            print(f"{name:8} {where:11} {load_ms:7.1f}ms {first_ms:7.2f}ms {steady_ms:7.2f}ms")
    for name in ("regorus", "opa"):
        overhead = steady[(name, True)] - steady[(name, False)]
        print(f"worker overhead per evaluation ({name}): {overhead:.2f} ms (the context crosses a pipe as JSON)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
