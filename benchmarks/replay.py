"""How fast `relgate replay` re-evaluates a year of gate decisions.

Run on demand: python benchmarks/replay.py [GATES_PER_DAY] [--engine NAME]   (default 20 a day: 7,300 decisions)

A real quickstart record is copied across 365 days with varying test results and
evaluation times, chained into a JSONL log, then replayed by the CLI (`relgate
replay --log … --policies builtin --json`, start-up included) with the recorded
thresholds (nothing flips) and with relaxed ones (--config; decisions flip).
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from measure import ROOT, load, relgate_command, run, tree

from relgate.api import check_run
from relgate.audit.chain import HASH, SEQ, link

DAY_NS = 86_400 * 10**9


def year_of_records(per_day: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as scratch:
        example = Path(scratch) / "quickstart"
        shutil.copytree(ROOT / "examples" / "quickstart", example, ignore=shutil.ignore_patterns(".relgate"))
        record = dict(check_run(example / "relgate.yaml", env={}, at="2026-01-01T12:00:00Z").record or {})
    records = []
    base = record["data"]["customData"]["decision_log"]["input"]["evaluated_at_ns"]
    for day in range(365):
        for gate in range(per_day):
            clone = copy.deepcopy(record)
            context = clone["data"]["customData"]["decision_log"]["input"]
            context["evaluated_at_ns"] = base + day * DAY_NS + gate * 60 * 10**9
            context["tests"]["passed"] = 40 + (day + gate) % 10
            context["tests"]["pass_rate"] = context["tests"]["passed"] / (context["tests"]["passed"] + 2)
            records.append(clone)
    return records


def write_log(records: list[dict[str, Any]], path: Path) -> None:
    seq, head = 0, ""
    with path.open("w", encoding="utf-8") as handle:
        for index, record in enumerate(records):
            linked = link({**record, "id": f"replay-{index}"}, "checkout/production", seq, head, None)
            seq, head = linked[SEQ], linked[HASH]
            handle.write(json.dumps(linked, separators=(",", ":"), ensure_ascii=False) + "\n")


def main(per_day: int, engine: str) -> None:
    print(f"relgate from {tree()}; {load()}")
    records = year_of_records(per_day)
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "year.jsonl"
        write_log(records, log)
        relaxed = Path(scratch) / "relaxed.yaml"
        config = yaml.safe_load((ROOT / "examples" / "quickstart" / "relgate.yaml").read_text())
        config["data"].update({"tests": {"min_pass_rate": 0.9}, "vulnerabilities": {"max": {"critical": 0,
                                                                                           "high": 10}}})
        config["sources"] = []
        relaxed.write_text(yaml.safe_dump(config))
        for label, extra in (("recorded thresholds", []), ("relaxed thresholds", ["--config", str(relaxed)])):
            done = run([*relgate_command(), "replay", "--log", str(log), "--policies", "builtin", "--engine", engine,
                        "--json", *extra], watch_memory=True)
            if done.code != 0:
                sys.exit(f"replay failed ({done.code}): {done.stderr.decode()[:400]}")
            report = json.loads(done.stdout)
            replayed = report["replayed"]
            print(f"  {label}: {replayed:,} decisions in {done.wall_s:.2f} s wall ({replayed / done.wall_s:,.0f}/s "
                  f"with start-up; {replayed / report['seconds']:,.0f}/s replaying), {len(report['flips']):,} flips, "
                  f"engine {engine}, peak {done.peak_rss_mb:.0f} MB; {load()}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    chosen = arguments[arguments.index("--engine") + 1] if "--engine" in arguments else "regorus"
    main(next((int(a) for a in arguments if a.isdigit()), 20), chosen)
