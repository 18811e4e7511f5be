"""`relgate audit verify --key` over a large signed history, per store: records/s and peak memory.

Run on demand: python benchmarks/verify.py [RECORDS…] [jsonl] [sqlite] [postgresql]
(default 1000000 records, all three stores). Give two sizes (100000 1000000) to see
that memory does not grow with the log. PostgreSQL runs in a throwaway cluster on
loopback (Debian's server, fsync off as in the tests).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import history
from measure import ROOT, load, relgate_command, run, tree

STORES = ("jsonl", "sqlite", "postgresql")


@contextlib.contextmanager
def _cluster(wanted: bool) -> Iterator[str]:
    if not wanted:
        yield ""
        return
    sys.path.insert(0, str(ROOT))
    from tests.audit.conftest import throwaway_cluster

    with throwaway_cluster() as url:
        yield url


def main(sizes: list[int], stores: list[str]) -> None:
    print(f"relgate from {tree()}; {load()}")
    with tempfile.TemporaryDirectory() as scratch, _cluster("postgresql" in stores) as postgres:
        public = history.public_pem(Path(scratch))
        for count in sizes:
            for store in stores:
                where = history.store_flags(store, count, postgres)
                done = run([*relgate_command(), "audit", "verify", "--key", str(public), *where],
                           watch_memory=True)
                first = done.stdout.decode().splitlines()[:1]
                if done.code != 0 or not first or not first[0].startswith(f"ok: {count} record(s)"):
                    sys.exit(f"verify did not pass ({done.code}): {done.stdout.decode()[:300]} "
                             f"{done.stderr.decode()[:300]}")
                print(f"  {store:10} {count:>9,} signed records: {count / done.wall_s:9,.0f} records/s "
                      f"({done.wall_s:6.1f} s wall, {done.cpu_s:6.1f} s cpu, peak {done.peak_rss_mb:6.0f} MB "
                      f"resident incl. workers); {load()}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main([int(a) for a in arguments if a.isdigit()] or [1_000_000], [a for a in arguments if a in STORES]
         or list(STORES))
