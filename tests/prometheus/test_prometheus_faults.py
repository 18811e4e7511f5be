"""The Prometheus source against a local server that answers wrongly, slowly, or not at all.

The query API's shapes are Prometheus' documented ones; the faults are what a broken
proxy, an old server or an attacker in the path sends.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from relgate.errors import RelgateError, SourceError
from relgate.sources.interface import GatherRequest, SourceSpec
from relgate.sources.prometheus import PrometheusSource
from tests.conftest import ROOT

RATIO = {"name": "api", "objective": 0.99, "window": "30d", "error_ratio": "slo:errors:ratio{{window}}"}
SECRET = "prom-header-secret-93f1c2"
Reply = tuple[int, dict[str, str], bytes]


class FakePrometheus:
    """Answers every request with `reply(handler)`; records the headers each request carried."""

    def __init__(self, reply: Callable[[BaseHTTPRequestHandler], Reply]) -> None:
        self.seen: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen.append(dict(self.headers))
                status, headers, body = reply(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[BaseHTTPRequestHandler], Reply]], FakePrometheus]]:
    started: list[FakePrometheus] = []

    def start(reply: Callable[[BaseHTTPRequestHandler], Reply]) -> FakePrometheus:
        started.append(FakePrometheus(reply))
        return started[-1]

    yield start
    for server in started:
        server.close()


def api(result_type: str, result: Any) -> Callable[[BaseHTTPRequestHandler], Reply]:
    body = json.dumps({"status": "success", "data": {"resultType": result_type, "result": result}}).encode()
    return lambda _: (200, {"Content-Type": "application/json"}, body)


def collect(url: str, timeout: float = 5, **options: Any) -> dict[str, Any]:
    spec = SourceSpec("prometheus", "slo", timeout_s=timeout, options={"url": url, "slos": [RATIO], **options})
    evidence = PrometheusSource(spec).collect(GatherRequest(1_700_000_000 * 10**9, "api", "production"))
    return dict(evidence["slos"][0])


def test_a_scalar_result_is_read_as_the_number(serve: Any) -> None:
    slo = collect(serve(api("scalar", [1_700_000_000, "0.002"])).url)
    assert slo["error_ratio"] == pytest.approx(0.002) and slo["status"] == "ok"


def test_a_single_sample_vector_is_read(serve: Any) -> None:
    slo = collect(serve(api("vector", [{"metric": {}, "value": [1_700_000_000, "0.004"]}])).url)
    assert slo["error_budget_remaining"] == pytest.approx(0.6)


@pytest.mark.parametrize(("kind", "result", "message"), [
    ("string", [1_700_000_000, "0.1"], "returned a string result; expected an instant vector or a scalar"),
    ("matrix", [{"metric": {}, "values": [[1, "0.1"]]}], "returned a matrix result"),
    ("vector", [{"metric": {"a": "1"}, "value": [1, "0.1"]}, {"metric": {"a": "2"}, "value": [1, "0.2"]}],
     "returned 2 series; an SLO query must give one"),
    ("vector", [{"metric": {}, "value": [1, "lots"]}], "sample value 'lots' is not a number"),
    ("vector", [{"metric": {}, "value": "0.1"}], 'a sample is not \\[timestamp, "value"\\]'),
    ("histogram", [], "no readable data.resultType/result"),
])
def test_result_shapes_that_are_not_one_number_are_named(serve: Any, kind: str, result: Any, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        collect(serve(api(kind, result)).url)


@pytest.mark.parametrize(("reply", "message"), [
    ((200, {"Content-Type": "application/json"}, b'{"status": "success", "data": {'), "malformed JSON"),
    ((200, {"Content-Type": "text/html"}, b"<html>login</html>"), r"malformed JSON \(text/html\)"),
    ((200, {"Content-Type": "application/json"}, b'{"data": {}}'), "not a Prometheus API response"),
    ((400, {"Content-Type": "application/json"},
      b'{"status": "error", "errorType": "bad_data", "error": "parse error at char 5"}'),
     r"Prometheus refused it \(HTTP 400\): bad_data: parse error at char 5"),
])
def test_malformed_answers_are_named(serve: Any, reply: Reply, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        collect(serve(lambda _: reply).url)


def test_retry_after_beyond_the_timeout_fails_at_once(serve: Any) -> None:
    server = serve(lambda _: (503, {"Retry-After": "100000"}, b""))
    start = time.monotonic()
    with pytest.raises(SourceError, match=r"HTTP 503; retrying needs 100000s, beyond the source timeout \(2s\)"):
        collect(server.url, timeout=2)
    assert time.monotonic() - start < 2


def test_a_redirect_to_another_origin_takes_no_header_along(serve: Any) -> None:
    elsewhere = serve(api("scalar", [1, "0.5"]))
    origin = serve(lambda _: (302, {"Location": f"{elsewhere.url}/api/v1/query"}, b""))
    with pytest.raises(SourceError, match=r"redirected to http://127\.0\.0\.1:\d+; credentials are only sent to"):
        collect(origin.url, headers={"X-Scope-OrgID": SECRET})
    assert elsewhere.seen == [] and origin.seen and origin.seen[0]["X-Scope-OrgID"] == SECRET


@pytest.mark.parametrize("value", [f"{SECRET}\n", f" {SECRET}", f"{SECRET}\r\nX-Injected: 1", f"{SECRET}\x00", ""])
def test_a_header_value_that_is_not_one_clean_line_is_refused_without_showing_it(serve: Any, value: str) -> None:
    server = serve(api("scalar", [1, "0.5"]))
    with pytest.raises(RelgateError) as caught:
        collect(server.url, headers={"Authorization": value})
    message = str(caught.value)
    assert "headers.Authorization: a header value must be one line of visible ASCII" in message
    assert SECRET not in message and "\n" not in message and server.seen == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_hung_server_ends_the_run_at_the_source_timeout(tmp_path: Path) -> None:
    """A server that accepts and never answers: `relgate check` decides and exits at the 3 s timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # accepts connections (the kernel completes the handshake), never reads or answers
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        config = tmp_path / "relgate.yaml"
        config.write_text(yaml.safe_dump({
            "version": 1, "service": "api", "environment": "production", "policies": ["builtin"],
            "data": {"slo": {"min_error_budget": 0}},
            "sources": [{"type": "prometheus", "name": "slo", "url": url, "timeout": "3s",
                         "slos": [RATIO, {**RATIO, "name": "api-2"}]}],
            "audit": {"enabled": False},
        }))
        start = time.monotonic()
        command = [sys.executable, "-c", "from relgate.cli import main; main()", "check", "--config", str(config)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
        elapsed = time.monotonic() - start
    finally:
        listener.close()
    assert done.returncode == 2, done.stderr
    assert "no answer within the source timeout (3s)" in done.stderr or "timed out after 3s" in done.stderr
    assert elapsed < 6, f"the run took {elapsed:.1f}s for a 3s source timeout"
