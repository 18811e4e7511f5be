"""How fast `relgate replay` re-evaluates a year of gate decisions.

Run on demand: python benchmarks/replay.py [GATES_PER_DAY]
A real quickstart record is copied across 365 days with varying test results,
then replayed with the bundled library (no flips) and with relaxed thresholds.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path

from relgate.api import check_run
from relgate.config import load_config
from relgate.policy import load_policies
from relgate.replay import replay

ROOT = Path(__file__).resolve().parent.parent
DAY_NS = 86_400 * 10**9


def year_of_records(per_day: int) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as scratch:
        example = Path(scratch) / "quickstart"
        shutil.copytree(ROOT / "examples" / "quickstart", example, ignore=shutil.ignore_patterns(".relgate"))
        record = dict(check_run(example / "relgate.yaml", env={}, at="2026-01-01T12:00:00Z").record or {})
    records = []
    base = record["data"]["customData"]["decision_log"]["input"]["evaluated_at_ns"]  # type: ignore[index]
    for day in range(365):
        for gate in range(per_day):
            clone = copy.deepcopy(record)
            context = clone["data"]["customData"]["decision_log"]["input"]  # type: ignore[index]
            context["evaluated_at_ns"] = base + day * DAY_NS + gate * 60 * 10**9
            context["tests"]["passed"] = 40 + (day + gate) % 10
            context["tests"]["pass_rate"] = context["tests"]["passed"] / (context["tests"]["passed"] + 2)
            records.append(clone)
    return records


def main(per_day: int) -> None:
    records = year_of_records(per_day)
    policies = load_policies(["builtin"], ROOT)
    same = replay(records, policies)
    config = load_config(ROOT / "examples" / "quickstart" / "relgate.yaml", {})
    thresholds = {"tests": {"min_pass_rate": 0.9}, "vulnerabilities": {"max": {"critical": 0, "high": 10}}}
    relaxed = dataclasses.replace(config, data={**config.data, **thresholds})
    changed = replay(records, policies, config=relaxed)
    for label, report in (("recorded policies", same), ("relaxed thresholds", changed)):
        rate = report.replayed / report.seconds
        print(f"{label}: {report.replayed} decisions in {report.seconds:.2f} s ({rate:,.0f}/s), "
              f"{len(report.flips)} flips")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
