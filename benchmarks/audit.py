"""Append and verify rates per audit store, with and without signatures; replay rate.

Run on demand: python benchmarks/audit.py [RECORDS [STORE…]]   (default 100000, all of jsonl sqlite postgresql)
PostgreSQL runs in a throwaway cluster on loopback (Debian's server, fsync off as in the tests).
"""

from __future__ import annotations

import runpy
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audit.conftest import throwaway_cluster  # noqa: E402
from tests.audit.helpers import body  # noqa: E402

from relgate.audit.store import open_store  # noqa: E402
from relgate.audit.verify import verify  # noqa: E402


def measure(url: str, count: int, key: Ed25519PrivateKey | None) -> tuple[float, float]:
    store = open_store(url)
    record = body()
    ids = [str(uuid.uuid4()) for _ in range(count)]
    start = time.perf_counter()
    for record_id in ids:
        store.append({**record, "id": record_id}, "checkout/production", key=key)
    appended = time.perf_counter() - start
    start = time.perf_counter()
    report = verify(open_store(url).entries(), key.public_key() if key else None)
    verified = time.perf_counter() - start
    assert report.ok and report.count == count, report
    return count / appended, count / verified


def main(count: int, only: list[str]) -> None:
    key = Ed25519PrivateKey.generate()
    with tempfile.TemporaryDirectory() as scratch, throwaway_cluster() as postgres:
        stores = {"jsonl": f"jsonl:{scratch}/a{{}}.jsonl", "sqlite": f"sqlite:{scratch}/a{{}}.db",
                  "postgresql": postgres}
        print(f"{count:,} records per run; appends one at a time through the store API (one gate run each)")
        for name, template in stores.items():
            if only and name not in only:
                continue
            for signed in (False, True):
                url = template.format("s" if signed else "u") if "{}" in template else template
                if name == "postgresql":
                    import psycopg

                    with psycopg.connect(url, autocommit=True) as connection:
                        connection.execute("DROP TABLE IF EXISTS relgate_records, relgate_schema")
                append_rate, verify_rate = measure(url, count, key if signed else None)
                label = "signed" if signed else "unsigned"
                print(f"  {name:10} {label:8} append {append_rate:8,.0f}/s   verify {verify_rate:8,.0f}/s")
    print("replay, a year of gates at 20 a day (benchmarks/replay.py):")
    runpy.run_path(str(ROOT / "benchmarks" / "replay.py"))["main"](20)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, sys.argv[2:])
