"""Appends per second from one process, per store, and the gate run's own audit step in milliseconds.

Run on demand: python benchmarks/audit.py [APPENDS] [jsonl] [sqlite] [postgresql]   (default 20000, all three)

Every append is a full `store.append` (lock, head, chain, sign, write, fdatasync,
read back), as `relgate serve` or a loop of gate runs does it. Beside the JSONL
rate, the same number of bare `write + fdatasync` calls of a record-sized line
on the same file system gives the disk's ceiling: one fsync per record stays, so
no append rate can beat it. Verification over large logs is in verify.py.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from measure import ROOT, copy_quickstart, load, tree

sys.path.insert(0, str(ROOT))

from tests.audit.helpers import body, pem_pair

from relgate.audit.store import open_store

STORES = ("jsonl", "sqlite", "postgresql")

# Runs one quickstart gate in a fresh process and prints how long its audit step took (ms).
STEP = """
import os, sys, time
import relgate.gate as gate
from relgate.config import load_config
original = gate.append_decision
spent = []
def timed(**kwargs):
    started = time.perf_counter()
    try:
        return original(**kwargs)
    finally:
        spent.append(time.perf_counter() - started)
gate.append_decision = timed
config = load_config(sys.argv[1], dict(os.environ))
gate.run_check(config, gate.RunOptions(), dict(os.environ))
print(spent[0] * 1000)
"""


def fsync_ceiling(directory: Path, count: int) -> float:
    line = b"x" * 2300 + b"\n"
    fd = os.open(directory / "ceiling", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        started = time.perf_counter()
        for _ in range(count):
            os.write(fd, line)
            os.fdatasync(fd)
        return count / (time.perf_counter() - started)
    finally:
        os.close(fd)


def append_rate(url: str, count: int, key: Ed25519PrivateKey | None) -> float:
    store = open_store(url)
    record = body()
    ids = [str(uuid.uuid4()) for _ in range(count)]
    started = time.perf_counter()
    for index, record_id in enumerate(ids):
        store.append({**record, "id": record_id}, f"checkout/env{index % 4}", key=key)
    return count / (time.perf_counter() - started)


def audit_step(runs: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        config = copy_quickstart(Path(scratch))
        private, _ = pem_pair(Ed25519PrivateKey.generate(), Path(scratch))
        base = {k: v for k, v in os.environ.items() if k != "RELGATE_SIGNING_KEY"}
        for label, env in (("unsigned", base), ("signed", {**base, "RELGATE_SIGNING_KEY": private})):
            spent = []
            for _ in range(runs):
                done = subprocess.run([sys.executable, "-c", STEP, str(config)], env=env, capture_output=True,
                                      text=True, check=True)
                spent.append(float(done.stdout.strip().splitlines()[-1]))
            print(f"  gate audit step ({label}, quickstart record, fresh process, {runs} runs): median "
                  f"{statistics.median(spent):.1f} ms, min {min(spent):.1f} ms")


def main(count: int, only: list[str]) -> None:
    from tests.audit.conftest import throwaway_cluster

    key = Ed25519PrivateKey.generate()
    print(f"relgate from {tree()}; {load()}")
    with tempfile.TemporaryDirectory() as scratch, throwaway_cluster() as postgres:
        print(f"{count:,} appends per run, one process, 4 streams, {len(str(body())):,}-character records")
        print(f"  disk ceiling: write + fdatasync of a record-sized line: {fsync_ceiling(Path(scratch), count):,.0f}/s")
        stores = {"jsonl": f"jsonl:{scratch}/a{{}}.jsonl", "sqlite": f"sqlite:{scratch}/a{{}}.db",
                  "postgresql": postgres}
        for name, template in stores.items():
            if only and name not in only:
                continue
            for signed in (False, True):
                url = template.format("s" if signed else "u") if "{}" in template else template
                if name == "postgresql":
                    import psycopg

                    with psycopg.connect(url, autocommit=True) as connection:
                        connection.execute("DROP TABLE IF EXISTS relgate_records, relgate_schema")
                rate = append_rate(url, count, key if signed else None)
                print(f"  {name:10} {'signed' if signed else 'unsigned':8} append {rate:8,.0f}/s; {load()}")
        if Path("/dev/shm").is_dir() and (not only or "jsonl" in only):
            with tempfile.TemporaryDirectory(dir="/dev/shm") as memory:
                for signed in (False, True):
                    rate = append_rate(f"jsonl:{memory}/a{int(signed)}.jsonl", count, key if signed else None)
                    print(f"  jsonl on tmpfs (fdatasync costs nothing: relgate's own cost) "
                          f"{'signed' if signed else 'unsigned':8} append {rate:8,.0f}/s; {load()}")
    audit_step(21)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[0]) if arguments and arguments[0].isdigit() else 20_000,
         [a for a in arguments if a in STORES])
