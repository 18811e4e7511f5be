"""`relgate audit report` over a large history: wall time and peak memory (it must not grow with the log).

Run on demand: python benchmarks/report.py [RECORDS…]   (default 100000 1000000; the JSONL history of history.py)
"""

from __future__ import annotations

import json
import sys

import history
from measure import load, relgate_command, run, tree


def main(sizes: list[int]) -> None:
    print(f"relgate from {tree()}; {load()}")
    for count in sizes:
        log = history.jsonl(count, signed=True)
        done = run([*relgate_command(), "audit", "report", "--format", "json", "--log", str(log)], watch_memory=True)
        if done.code != 0:
            sys.exit(f"report failed ({done.code}): {done.stderr.decode()[:300]}")
        runs = json.loads(done.stdout)["runs"]
        print(f"  audit report over {count:>9,} records ({runs:,} runs reported): {done.wall_s:6.1f} s wall, "
              f"{done.cpu_s:6.1f} s cpu, {count / done.wall_s:9,.0f} records/s, peak {done.peak_rss_mb:6.0f} MB "
              f"resident; {load()}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
