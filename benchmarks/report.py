"""`relgate audit report` over a large history: wall time and peak memory (it must not grow with the log).

Run on demand: python benchmarks/report.py [RECORDS…] [jsonl] [sqlite] [postgresql]
(default 100000 1000000 records, JSONL only: the histories of history.py). PostgreSQL
runs in a throwaway cluster on loopback (Debian's server, fsync off as in the tests); its
server's CPU (the postmaster and every backend, ended ones included) is printed beside the
report's own, as the two share the machine's cores.
"""

from __future__ import annotations

import json
import os
import sys
import time

import history
from measure import load, relgate_command, run, tree
from verify import STORES, _cluster


def server_cpu(url: str) -> float:
    """CPU seconds the PostgreSQL cluster behind `url` has used so far: its postmaster, its live processes and the
    ended backends it reaped (all readable under /proc when we are root or its user). Autovacuum's work on the
    freshly loaded table may fall in a measurement too."""
    if not url:
        return 0.0
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        backend = int(connection.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
        postmaster = int(_stat(backend)[1])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and connection.execute(  # the history's loader ends first: its CPU
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "  # is not counted
                "AND pid <> pg_backend_pid()").fetchone()[0]:  # type: ignore[index]
            time.sleep(0.1)
    time.sleep(0.5)  # and is reaped by the postmaster
    ticks = sum(int(field) for field in _stat(postmaster)[11:15])  # utime, stime, cutime, cstime
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                fields = _stat(int(name))
            except OSError:  # ended meanwhile
                continue
            if int(fields[1]) == postmaster:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command name (state, ppid, …)."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def main(sizes: list[int], stores: list[str]) -> None:
    print(f"relgate from {tree()}; {load()}")
    with _cluster("postgresql" in stores) as postgres:
        for count in sizes:
            for store in stores:
                where = history.store_flags(store, count, postgres)
                server = server_cpu(postgres) if store == "postgresql" else 0.0
                done = run([*relgate_command(), "audit", "report", "--format", "json", *where], watch_memory=True)
                if done.code != 0:
                    sys.exit(f"report failed ({done.code}): {done.stderr.decode()[:300]}")
                runs = json.loads(done.stdout)["runs"]
                served = f" (+ {server_cpu(postgres) - server:.1f} s the server's)" if store == "postgresql" else ""
                print(f"  {store:10} audit report over {count:>9,} records ({runs:,} runs reported): "
                      f"{done.wall_s:6.1f} s wall, {done.cpu_s:6.1f} s cpu{served}, {count / done.wall_s:9,.0f} "
                      f"records/s, peak {done.peak_rss_mb:6.0f} MB resident; {load()}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main([int(a) for a in arguments if a.isdigit()] or [100_000, 1_000_000],
         [a for a in arguments if a in STORES] or ["jsonl"])
