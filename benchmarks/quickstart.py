"""Wall time of `relgate check` on the quickstart example, as a new user would run it.

Run on demand: python benchmarks/quickstart.py [RUNS]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(runs: int) -> None:
    exe = shutil.which("relgate") or str(Path(sys.executable).parent / "relgate")
    with tempfile.TemporaryDirectory() as scratch:
        example = Path(scratch) / "quickstart"
        shutil.copytree(ROOT / "examples" / "quickstart", example, ignore=shutil.ignore_patterns(".relgate"))
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run([exe, "check", "--config", str(example / "relgate.yaml")],
                                  capture_output=True, check=False)
            times.append(time.perf_counter() - start)
            if done.returncode not in (0, 1):
                sys.exit(f"relgate check failed ({done.returncode}): {done.stderr.decode()}")
        records = len((example / ".relgate" / "audit.jsonl").read_text().splitlines())
    print(f"relgate check on the quickstart, {runs} runs (exit {done.returncode}, {records} records):")
    print("  " + ", ".join(f"{t * 1000:.0f} ms" for t in times))
    print(f"  median {statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
