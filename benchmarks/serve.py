"""Load test for `relgate serve`: concurrent GitHub deliveries across worker processes over PostgreSQL.

Run on demand: python benchmarks/serve.py [DELIVERIES [WORKERS [COPIES]]]   (default 64 4 2)

Every delivery is posted COPIES times at once (as a GitHub redelivery would), to a
`relgate serve --workers N` process on loopback whose audit store and delivery
queue are a throwaway PostgreSQL cluster; GitHub is a local stand-in that checks
the App JWT and the review bodies. It checks that every delivery was decided
once (one audit record each), every review was sent once, and `relgate audit
verify` accepts the chain; then prints acknowledgement and decision latencies
(p50/p99) and throughput.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audit.conftest import throwaway_cluster  # noqa: E402
from tests.serve.loadrun import run_load  # noqa: E402
from tests.serve.standins import app_key, github_stand_in  # noqa: E402


def main() -> int:
    deliveries = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    copies = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    pem, public = app_key()
    with throwaway_cluster() as url, github_stand_in(public) as github, \
            tempfile.TemporaryDirectory(prefix="relgate-serve-bench-") as work:
        result = run_load(Path(work), url, github, pem, deliveries=deliveries, workers=workers, copies=copies,
                          timeout=600)
    once = set(result.records_per_delivery.values()) == {1}
    answered = set(result.reviews_per_run.values()) == {1} and len(result.reviews_per_run) == deliveries
    print(f"relgate serve: {deliveries} deliveries x{copies} posts, {workers} workers, PostgreSQL store and queue")
    print(f"  posts accepted {result.accepted}, duplicates {result.duplicates}; queue {result.pending}")
    print(f"  decided once: {once}   reviewed once: {answered}   chain verifies: {result.verify_exit == 0}")
    ack, decide = result.ack_latencies, result.decide_latencies
    print(f"  webhook answer   p50 {result.percentile(ack, 0.5) * 1000:7.1f} ms   "
          f"p99 {result.percentile(ack, 0.99) * 1000:7.1f} ms")
    print(f"  decided+reviewed p50 {result.percentile(decide, 0.5) * 1000:7.1f} ms   "
          f"p99 {result.percentile(decide, 0.99) * 1000:7.1f} ms")
    print(f"  throughput {deliveries / result.wall_seconds:.1f} deliveries/s "
          f"({result.posts / result.wall_seconds:.1f} posts/s) over {result.wall_seconds:.2f} s")
    if not (once and answered and result.verify_exit == 0):
        print(result.verify_output, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    print(f"  (total run {time.monotonic() - started:.1f} s)")
    sys.exit(code)
