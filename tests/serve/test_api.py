"""/v1, Flagger, health, metrics and auth against a real `relgate serve` process."""

from __future__ import annotations

import http.client
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.serve.standins import CONSOLE_TOKEN, Server, gate_dir, running_server, serve_env, set_facts

AUTH = {"Authorization": f"Bearer {CONSOLE_TOKEN}"}
FLAGGER_TOKEN = "flagger-token-9c1f"


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gate_dir(tmp_path_factory.mktemp("api"), trusted_proxies=["127.0.0.2/32"],
                    flagger={"targets": [{"namespace": "test", "name": "podinfo", "service": "podinfo",
                                          "environment": "staging"}]})


@pytest.fixture(scope="module")
def server(gate: Path) -> Iterator[Server]:
    with running_server(gate, serve_env(None, None, RELGATE_FLAGGER_TOKEN=FLAGGER_TOKEN)) as running:
        yield running


def from_address(server: Server, source: str, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    """A GET sent from a chosen loopback address (the whole 127/8 reaches the server)."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(source, 0))
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def flagger(server: Server, hook: str, token: str | None = FLAGGER_TOKEN, name: str = "podinfo") -> requests.Response:
    metadata = {"token": token} if token else {}
    body = {"name": name, "namespace": "test", "phase": "Progressing", "checksum": "6d6f7f9c5", "metadata": metadata}
    return requests.post(f"{server.url}/flagger/{hook}", json=body, timeout=10)


def test_nothing_under_v1_is_open(server: Server) -> None:
    for path in ("/v1/gate", "/v1/decisions/00000000-0000-0000-0000-000000000000", "/metrics"):
        assert requests.get(f"{server.url}{path}", timeout=5).status_code == 401
        wrong = {"Authorization": f"Bearer {CONSOLE_TOKEN}x"}
        assert requests.get(f"{server.url}{path}", headers=wrong, timeout=5).status_code == 401
    assert requests.post(f"{server.url}/v1/check", json={}, timeout=5).status_code == 401


def test_the_proxy_user_header_counts_only_from_a_trusted_proxy(server: Server) -> None:
    headers = {"X-Forwarded-User": "auditor@example.com"}
    assert from_address(server, "127.0.0.1", "/v1/gate", headers)[0] == 401
    status, body = from_address(server, "127.0.0.2", "/v1/gate?service=payments", headers)
    assert status == 200 and body["service"] == "payments"


def test_argo_web_metric_follows_the_gate(server: Server, gate: Path) -> None:
    set_facts(gate.parent, ok=False)
    denied = requests.get(f"{server.url}/v1/gate", params={"environment": "canary", "revision": "a1b2c3d"},
                          headers=AUTH, timeout=10).json()
    assert (denied["allowed"], denied["decision"], denied["environment"]) == (False, "deny", "canary")
    assert [v["id"] for v in denied["violations"]] == ["facts.not_ok"] and denied["audit_id"]
    set_facts(gate.parent, ok=True)
    allowed = requests.get(f"{server.url}/v1/gate", headers=AUTH, timeout=10).json()
    assert (allowed["allowed"], allowed["decision"], allowed["violations"]) == (True, "allow", [])
    record = requests.get(f"{server.url}/v1/decisions/{denied['audit_id']}", headers=AUTH, timeout=5).json()
    assert record["data"]["customData"]["value_stream"]["commit"] == "a1b2c3d"
    assert requests.get(f"{server.url}/v1/gate?service=../etc", headers=AUTH, timeout=5).status_code == 400


def test_v1_check_takes_the_cli_flags(server: Server, gate: Path) -> None:
    set_facts(gate.parent, ok=False)
    warned = requests.post(f"{server.url}/v1/check", json={"mode": "warn", "service": "billing"}, headers=AUTH,
                           timeout=10).json()
    assert (warned["allowed"], warned["decision"], warned["mode"], warned["service"]) == (
        True, "deny", "warn", "billing")
    assert warned["result"]["violations"][0]["msg"] == "facts say <b>tests</b> failing"
    bad = requests.post(f"{server.url}/v1/check", json={"token": "x"}, headers=AUTH, timeout=5)
    assert bad.status_code == 400 and "unknown field(s) token" in bad.json()["error"]
    missing = requests.get(f"{server.url}/v1/decisions/11111111-2222-3333-4444-555555555555", headers=AUTH,
                           timeout=5)
    assert missing.status_code == 404


def test_flagger_hooks_proceed_halt_and_roll_back(server: Server, gate: Path) -> None:
    set_facts(gate.parent, ok=False)
    halted = flagger(server, "confirm-promotion")
    assert halted.status_code == 403
    assert halted.json()["reasons"] == ["[relgate.facts] facts.not_ok: facts say <b>tests</b> failing"]
    assert halted.json()["service"] == "podinfo" and halted.json()["environment"] == "staging"
    assert flagger(server, "rollback").status_code == 200  # a failing gate rolls the canary back
    set_facts(gate.parent, ok=True)
    assert [flagger(server, hook).status_code for hook in
            ("confirm-rollout", "pre-rollout", "confirm-traffic-increase", "confirm-promotion")] == [200] * 4
    assert flagger(server, "rollback").status_code == 403
    assert flagger(server, "confirm-promotion", token=None).status_code == 401
    assert flagger(server, "confirm-promotion", token="wrong").status_code == 401
    unknown = flagger(server, "confirm-promotion", name="other")
    assert unknown.status_code == 403 and "not listed" in unknown.json()["reasons"][0]
    assert flagger(server, "post-rollout").status_code == 404


def test_health_readiness_openapi_and_metrics(server: Server) -> None:
    assert requests.get(f"{server.url}/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{server.url}/readyz", timeout=10)
    assert ready.status_code == 200 and ready.json()["checks"] == {"queue": "ok", "store": "ok", "engine": "ok"}
    document = requests.get(f"{server.url}/openapi.json", timeout=5).json()
    assert document["openapi"].startswith("3.1")
    assert {"/v1/gate", "/v1/check", "/v1/decisions/{id}", "/github/webhook", "/flagger/{hook}", "/healthz",
            "/readyz", "/metrics"} <= set(document["paths"])
    requests.get(f"{server.url}/v1/gate?service=metered", headers=AUTH, timeout=10)
    text = requests.get(f"{server.url}/metrics", headers=AUTH, timeout=5).text
    assert 'relgate_decisions_total{endpoint="argo",environment="production",service="metered",verdict=' in text
    assert "relgate_gather_seconds_bucket" in text and "relgate_eval_seconds_count" in text


def test_a_broken_store_makes_the_server_unready_and_decisions_errors(tmp_path: Path) -> None:
    config = gate_dir(tmp_path, ok=True, store="postgresql://relgate@127.0.0.1:1/none?connect_timeout=1",
                      queue=f"sqlite:{tmp_path}/queue.db")
    with running_server(config, serve_env(None, None)) as running:
        assert requests.get(f"{running.url}/readyz", timeout=15).status_code == 503
        answer = requests.get(f"{running.url}/v1/gate", headers=AUTH, timeout=30).json()
        assert (answer["allowed"], answer["decision"], answer["audit_id"]) == (False, "error", None)


def test_check_does_not_import_the_web_stack(quickstart: Path) -> None:
    """`relgate check` starts as before: no web framework, server, JWT or metrics library is loaded."""
    probe = ("import sys, atexit\n"
             "atexit.register(lambda: print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'starlette', 'uvicorn', 'anyio', 'jwt', 'prometheus_client', 'relgate.serve'} | "
             "{m for m in sys.modules if m.startswith('relgate.serve')})))\n"
             "from relgate.cli import main\n"
             f"sys.argv = ['relgate', 'check', '--config', {str(quickstart)!r}, '--at', '2026-11-23T12:00:00Z']\n"
             "main()\n")
    import subprocess

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr  # the quickstart denies
    assert result.stdout.strip().splitlines()[-1] == "[]"
