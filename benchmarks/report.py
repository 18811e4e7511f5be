"""`relgate audit report` over a large history: wall time and peak memory (it must not grow with the log).

Run on demand: python benchmarks/report.py [RECORDS…] [jsonl] [sqlite] [postgresql]
(default 100000 1000000 records, JSONL only: the histories of history.py). PostgreSQL
runs in a throwaway cluster on loopback (Debian's server, fsync off as in the tests).
"""

from __future__ import annotations

import json
import sys

import history
from measure import load, relgate_command, run, tree
from verify import STORES, _cluster


def main(sizes: list[int], stores: list[str]) -> None:
    print(f"relgate from {tree()}; {load()}")
    with _cluster("postgresql" in stores) as postgres:
        for count in sizes:
            for store in stores:
                where = history.store_flags(store, count, postgres)
                done = run([*relgate_command(), "audit", "report", "--format", "json", *where], watch_memory=True)
                if done.code != 0:
                    sys.exit(f"report failed ({done.code}): {done.stderr.decode()[:300]}")
                runs = json.loads(done.stdout)["runs"]
                print(f"  {store:10} audit report over {count:>9,} records ({runs:,} runs reported): "
                      f"{done.wall_s:6.1f} s wall, {done.cpu_s:6.1f} s cpu, {count / done.wall_s:9,.0f} records/s, "
                      f"peak {done.peak_rss_mb:6.0f} MB resident; {load()}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main([int(a) for a in arguments if a.isdigit()] or [100_000, 1_000_000],
         [a for a in arguments if a in STORES] or ["jsonl"])
