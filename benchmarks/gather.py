"""Gathering: sources run side by side, so a gate waits for its slowest source, not for the sum of them.

Run on demand: python benchmarks/gather.py [ROUNDS]   (default 7)

Two local HTTP servers answer slowly, as real ones do: a GitHub API stand-in serving
GitHub's documented example payloads (tests/fixtures/real-world/github-api) and a
Prometheus query API stand-in, each request held for a fixed delay. With the
quickstart's SARIF, JUnit and facts files beside them, the gate gathers from five
sources. Each round times every source alone (a config naming only it), then all
five together; the figure is together / slowest alone (median over rounds).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from measure import ROOT, copy_quickstart, load, tree

from relgate.config import load_config
from relgate.gate import RunOptions, gather_context

REST = ROOT / "tests" / "fixtures" / "real-world" / "github-api" / "rest"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
REPO = "octocat/Hello-World"
GITHUB_DELAY_S = 0.12
PROMETHEUS_DELAY_S = 0.25
ROUTES = [  # path pattern -> the documented example GitHub gives for that endpoint
    (r"/pulls/\d+/reviews$", "get-repos-owner-repo-pulls-pull_number-reviews"),
    (r"/pulls/\d+$", "get-repos-owner-repo-pulls-pull_number"),
    (r"/commits/[0-9a-f]+/check-runs$", "get-repos-owner-repo-commits-ref-check-runs"),
    (r"/commits/[0-9a-f]+/status$", "get-repos-owner-repo-commits-ref-status"),
    (r"/commits/[0-9a-f]+/pulls$", "get-repos-owner-repo-commits-commit_sha-pulls"),
    (r"/commits/[0-9a-f]+$", "get-repos-owner-repo-commits-ref"),
    (r"/deployments/\d+/statuses$", "get-repos-owner-repo-deployments-deployment_id-statuses"),
    (r"/deployments$", "get-repos-owner-repo-deployments"),
]


def _github(path: str) -> tuple[int, Any]:
    route = path.split("?", 1)[0]
    for pattern, name in ROUTES:
        if re.search(pattern, route):
            return 200, json.loads((REST / f"{name}.json").read_text())
    return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


def _prometheus(path: str) -> tuple[int, Any]:
    return 200, {"status": "success", "data": {"resultType": "scalar", "result": [1_764_000_000, "0.0004"]}}


@contextmanager
def slow_server(answer: Callable[[str], tuple[int, Any]], delay_s: float) -> Iterator[str]:
    """A loopback HTTP server that holds every request for `delay_s` before answering."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay_s)
            status, body = answer(self.path)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def sources(github: str, prometheus: str) -> list[dict[str, Any]]:
    return [
        {"type": "github", "name": "github", "repo": REPO, "token": "bench-token", "api_url": github,
         "commit": HEAD, "pull_request": 1347, "required": False},
        {"type": "prometheus", "name": "slo", "url": prometheus, "required": False,
         "slos": [{"name": "api", "objective": 0.999, "window": "30d", "error_ratio": "slo:errors:ratio{{window}}"}]},
        {"type": "sarif", "name": "scans", "paths": ["reports/*.sarif"]},
        {"type": "junit", "name": "tests", "paths": ["reports/junit*.xml"]},
        {"type": "file", "name": "change", "path": "change.yaml", "key": "change_facts", "required": False},
    ]


def gathered(config: Path, only: dict[str, Any] | None, every: list[dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    document = yaml.safe_load(config.read_text())
    document["sources"] = [only] if only else every
    path = config.with_name("bench.yaml")
    path.write_text(yaml.safe_dump(document))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    loaded = load_config(path, env)
    started = time.perf_counter()
    context, runs = gather_context(loaded, RunOptions(at="2026-11-23T12:00:00Z"), env)
    wall = time.perf_counter() - started
    failed = [f"{r.spec.name}: {r.error}" for r in runs if r.status != "ok"]
    if failed:
        sys.exit(f"a source failed: {failed}")
    return wall, context["sources"]


def main(rounds: int) -> None:
    print(f"relgate from {tree()}; {load()}")
    with tempfile.TemporaryDirectory() as scratch, slow_server(_github, GITHUB_DELAY_S) as github, \
            slow_server(_prometheus, PROMETHEUS_DELAY_S) as prometheus:
        config = copy_quickstart(Path(scratch))
        every = sources(github, prometheus)
        gathered(config, None, every)  # warm: imports, files in the page cache
        ratios, together_walls = [], []
        alone: dict[str, list[float]] = {s["name"]: [] for s in every}
        for _ in range(rounds):
            slowest = 0.0
            for source in every:
                wall, _ = gathered(config, source, every)
                alone[source["name"]].append(wall)
                slowest = max(slowest, wall)
            wall, statuses = gathered(config, None, every)
            together_walls.append(wall)
            ratios.append(wall / slowest)
        print(f"{rounds} rounds; GitHub stand-in holds each request {GITHUB_DELAY_S * 1000:.0f} ms, Prometheus "
              f"stand-in {PROMETHEUS_DELAY_S * 1000:.0f} ms; {load()}")
        for name, walls in alone.items():
            print(f"  {name:8} alone: median {statistics.median(walls) * 1000:7.1f} ms")
        print(f"  all five together: median {statistics.median(together_walls) * 1000:7.1f} ms "
              f"(the sum alone would be {sum(statistics.median(w) for w in alone.values()) * 1000:.0f} ms)")
        print(f"  together / slowest source alone: {statistics.median(ratios):.2f}x (paired median; "
              f"max {max(ratios):.2f}x)")
        print("  each source's own duration in the last context: " + ", ".join(
            f"{name} {status['duration_ms']:.0f} ms" for name, status in statuses.items()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
