"""Sinks against a real local HTTP server that fails at first: retried, spooled, flushed, never twice."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from relgate.audit.sinks import flush, sink_from
from relgate.cli import main
from relgate.config import load_config
from tests.conftest import QUICKSTART_AT


class Receiver:
    """A CloudEvents endpoint that answers 503 to the first `failures` requests."""

    def __init__(self) -> None:
        self.failures = 0
        self.delay = 0.0
        self.attempts = 0
        self.events: list[tuple[dict[str, str], Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.attempts += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.events.append((dict(self.headers), json.loads(body)))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"

    def ids(self) -> list[str]:
        return [headers.get("ce-id") or body["id"] for headers, body in self.events]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    yield endpoint
    endpoint.server.shutdown()


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def with_sink(config: Path, url: str, mode: str = "structured", retries: int = 3) -> None:
    sink = json.dumps({"url": url, "name": "lake", "mode": mode, "retries": retries, "timeout": 2})
    config.write_text(config.read_text().replace("audit: {log: .relgate/audit.jsonl}",
                                                 f"audit: {{log: .relgate/audit.jsonl, sinks: [{sink}]}}"))


def gate(config: Path) -> Result:
    return invoke("check", "--config", str(config), "--at", QUICKSTART_AT)


def test_retries_until_delivered(quickstart: Path, receiver: Receiver) -> None:
    with_sink(quickstart, receiver.url)
    receiver.failures = 2
    result = gate(quickstart)
    assert result.exit_code == 1 and "warning" not in result.stderr
    assert receiver.attempts == 3 and len(receiver.events) == 1
    headers, event = receiver.events[0]
    assert headers["Content-Type"].startswith("application/cloudevents+json")
    assert event["specversion"] == "1.0" and event["relgateseq"] == 1


def test_undeliverable_record_is_spooled_then_flushed_once(quickstart: Path, receiver: Receiver) -> None:
    with_sink(quickstart, receiver.url, retries=1)
    receiver.failures = 4
    first, second = gate(quickstart), gate(quickstart)
    assert "spooled" in first.stderr and "spooled" in second.stderr
    assert receiver.events == []
    spooled = sorted((quickstart.parent / ".relgate" / "spool" / "lake").glob("*.json"))
    assert len(spooled) == 2
    # Names valid on every filesystem and for actions/upload-artifact (no `:` from the RFC 3339 time).
    assert not any(set(p.name) & set(':"<>|*?\r\n\\') for p in spooled)
    flushed = invoke("audit", "flush", "--config", str(quickstart))
    assert flushed.exit_code == 0 and flushed.stdout.startswith("delivered 2 spooled record(s)")
    log_ids = [json.loads(line)["id"] for line in (quickstart.parent / ".relgate" / "audit.jsonl").read_text()
               .splitlines()]
    assert receiver.ids() == log_ids  # in order, each once
    assert invoke("audit", "flush", "--config", str(quickstart)).stdout.startswith("delivered 0")
    assert receiver.ids() == log_ids


def test_flush_keeps_what_still_fails(quickstart: Path, receiver: Receiver) -> None:
    with_sink(quickstart, receiver.url, retries=0)
    receiver.failures = 10
    gate(quickstart)
    result = invoke("audit", "flush", "--config", str(quickstart))
    assert result.exit_code == 1 and "stays spooled" in result.stderr
    assert len(list((quickstart.parent / ".relgate" / "spool" / "lake").glob("*.json"))) == 1


def test_binary_mode_puts_attributes_in_headers(quickstart: Path, receiver: Receiver) -> None:
    with_sink(quickstart, receiver.url, mode="binary")
    gate(quickstart)
    headers, data = receiver.events[0]
    assert headers["ce-specversion"] == "1.0" and headers["ce-type"] == "dev.cdevents.pipelinerun.finished.0.3.0"
    assert headers["ce-relgateseq"] == "1" and headers["Content-Type"] == "application/json"
    assert data["context"]["specversion"] == "0.5.1"


def _flush(config: str) -> None:
    loaded = load_config(config, {})
    flush([sink_from(entry, i) for i, entry in enumerate(loaded.sinks)], loaded.spool_dir)


def test_concurrent_flushes_send_each_record_once(quickstart: Path, receiver: Receiver) -> None:
    with_sink(quickstart, receiver.url, retries=0)
    receiver.failures = 6
    for _ in range(6):
        gate(quickstart)
    receiver.delay = 0.05  # slow enough that the flushes overlap
    context = multiprocessing.get_context("fork")
    flushes = [context.Process(target=_flush, args=(str(quickstart),)) for _ in range(3)]
    for process in flushes:
        process.start()
    result = invoke("audit", "flush", "--config", str(quickstart))
    for process in flushes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert result.exit_code == 0, result.output
    log_ids = [json.loads(line)["id"] for line in (quickstart.parent / ".relgate" / "audit.jsonl").read_text()
               .splitlines()]
    assert receiver.ids() == log_ids  # each once, in order
    spool = quickstart.parent / ".relgate" / "spool" / "lake"
    assert list(spool.glob("*.json")) == [] and list(spool.glob("*.sending")) == []


def test_binary_mode_percent_encodes_non_ascii_attributes(quickstart: Path, receiver: Receiver) -> None:
    quickstart.write_text(quickstart.read_text().replace("service: checkout", "service: zahlung-€-支付"))
    with_sink(quickstart, receiver.url, mode="binary")
    result = gate(quickstart)
    assert result.exit_code == 1 and "Traceback" not in result.output and "spooled" not in result.stderr
    headers, _ = receiver.events[0]
    assert headers["ce-source"] == "/relgate/zahlung-%E2%82%AC-%E6%94%AF%E4%BB%98/production"
    assert urllib.parse.unquote(headers["ce-relgatestream"]) == "zahlung-€-支付/production"


def test_each_checkpoint_is_posted_to_the_witness(quickstart: Path, receiver: Receiver, tmp_path: Path) -> None:
    witness = json.dumps({"url": receiver.url, "retries": 0, "timeout": 2})
    quickstart.write_text(quickstart.read_text().replace(
        "audit: {log: .relgate/audit.jsonl}", f"audit: {{log: .relgate/audit.jsonl, witness: {witness}}}"))
    gate(quickstart)
    out = tmp_path / "cp.json"
    assert invoke("audit", "checkpoint", "--config", str(quickstart), "--out", str(out)).exit_code == 0
    _, event = receiver.events[0]
    assert event["type"] == "dev.relgate.audit.checkpoint.v1" and event["data"] == json.loads(out.read_text())
    receiver.failures = 1
    gate(quickstart)
    late = invoke("audit", "checkpoint", "--config", str(quickstart), "--previous", str(out), "--out", str(out))
    assert late.exit_code == 0 and "spooled" in late.stderr
    assert invoke("audit", "flush", "--config", str(quickstart)).stdout.startswith("delivered 1 spooled")
    assert receiver.events[-1][1]["data"] == json.loads(out.read_text())
