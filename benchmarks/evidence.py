"""Throughput of the strict evidence readers and of the per-source context check on large reports.

Reports are built from real ones (the repository's fixtures) repeated to size, so every
element goes through the same checks a real report's would.

Run on demand: python benchmarks/evidence.py [COPIES]
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relgate.context import check_evidence
from relgate.sources.grype import parse_grype
from relgate.sources.junit import parse_junit
from relgate.sources.sarif import parse_sarif
from relgate.sources.trivy import parse_trivy

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "real-world"


def _sarif(copies: int) -> Any:
    log = json.loads((REAL / "sarif" / "trivy-0.35.0-image.sarif").read_text())
    run = log["runs"][0]
    run["results"] = [copy.deepcopy(r) for _ in range(copies) for r in run["results"]]
    return log


def _trivy(copies: int) -> Any:
    report = json.loads((REAL / "trivy" / "trivy-fs-misconfig-and-secrets.json").read_text())
    report["Results"] = [copy.deepcopy(r) for _ in range(copies) for r in report["Results"]]
    return report


def _grype(copies: int) -> Any:
    report = json.loads((REAL / "grype" / "grype-0.94.0-image-epss.json").read_text())
    report["matches"] = [copy.deepcopy(m) for _ in range(copies) for m in report["matches"]]
    return report


def _junit(copies: int) -> str:
    cases = "".join(f'<testcase classname="c{i}" name="t{i}"><failure message="m"/></testcase>' if i % 10 == 0
                    else f'<testcase classname="c{i}" name="t{i}"/>' for i in range(copies * 40))
    return f'<testsuites><testsuite name="s">{cases}</testsuite></testsuites>'


def _time(label: str, path: Path, parse: Callable[[Path], Any], count: Callable[[Any], int]) -> Any:
    start = time.perf_counter()
    parsed = parse(path)
    elapsed = time.perf_counter() - start
    size = path.stat().st_size / 1e6
    rate = size / elapsed
    print(f"  {label:<6} {size:7.1f} MB  {count(parsed):>7} items  {elapsed * 1000:8.0f} ms  {rate:6.1f} MB/s")
    return parsed


def main(copies: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        (directory / "x.sarif").write_text(json.dumps(_sarif(copies)))
        (directory / "t.json").write_text(json.dumps(_trivy(copies)))
        (directory / "g.json").write_text(json.dumps(_grype(copies)))
        (directory / "j.xml").write_text(_junit(copies))
        print(f"strict readers ({copies} copies of each real report):")
        sarif = _time("sarif", directory / "x.sarif", parse_sarif, len)
        _time("trivy", directory / "t.json", parse_trivy, len)
        _time("grype", directory / "g.json", parse_grype, len)
        tests = _time("junit", directory / "j.xml", parse_junit, lambda r: int(r["total"]))
    from relgate.context import severity_counts

    fragment = {"vulnerabilities": {"findings": sarif, "counts": severity_counts(sarif), "reports": []}}
    start = time.perf_counter()
    check_evidence("bench", fragment)
    check_evidence("bench", {"tests": {k: v for k, v in tests.items() if k != "reports"}})
    print(f"  context check of the SARIF and JUnit fragments: {(time.perf_counter() - start) * 1000:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
