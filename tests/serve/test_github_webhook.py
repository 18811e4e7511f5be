"""GitHub deployment protection rules against a real `relgate serve` process and a GitHub stand-in."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from relgate.audit.store import open_store
from tests.serve.standins import (
    APP_ID,
    CONSOLE_TOKEN,
    WEBHOOK_SECRET,
    GithubStandIn,
    Server,
    gate_dir,
    protection_event,
    running_server,
    serve_env,
    set_facts,
    signed_delivery,
    wait_for,
)

AUTH = {"Authorization": f"Bearer {CONSOLE_TOKEN}"}


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory, github: GithubStandIn) -> Path:
    return gate_dir(tmp_path_factory.mktemp("gate"), github={"api_url": github.url})


@pytest.fixture(scope="module")
def server(gate: Path, github: GithubStandIn, app_pem: tuple[str, rsa.RSAPublicKey]) -> Iterator[Server]:
    with running_server(gate, serve_env(github, app_pem[0])) as running:
        yield running


def records(gate: Path) -> list[dict[str, Any]]:
    path = gate.parent / ".relgate" / "audit.jsonl"
    return [r for _, r in open_store(f"jsonl:{path}").records()] if path.exists() else []


def reviews_for(github: GithubStandIn, run_id: int) -> list[dict[str, Any]]:
    with github.lock:
        return [r for r in github.reviews if r["run_id"] == run_id]


def test_a_wrong_or_missing_signature_is_refused_before_any_work(server: Server, gate: Path) -> None:
    before = len(records(gate))
    payload = protection_event(run_id=1001)
    forged = signed_delivery(server.url, payload, secret="not-the-secret")
    body = json.dumps(payload).encode()
    unsigned = requests.post(f"{server.url}/github/webhook", data=body, timeout=5,
                             headers={"X-GitHub-Event": "deployment_protection_rule",
                                      "X-GitHub-Delivery": str(uuid.uuid4())})
    assert (forged.status_code, unsigned.status_code) == (401, 401)
    time.sleep(0.5)
    assert len(records(gate)) == before
    assert requests.get(f"{server.url}/metrics", headers=AUTH, timeout=5).text.count(
        'relgate_webhook_deliveries_total{endpoint="github",outcome="bad-signature"} 2.0') == 1


def test_a_denied_deployment_is_rejected_with_reasons_and_the_record(
        server: Server, gate: Path, github: GithubStandIn) -> None:
    set_facts(gate.parent, ok=False)
    delivery = str(uuid.uuid4())
    started = time.monotonic()
    answer = signed_delivery(server.url, protection_event(run_id=2002), delivery)
    assert answer.status_code == 202 and time.monotonic() - started < 10
    assert answer.json() == {"status": "queued", "delivery": delivery}
    wait_for(lambda: reviews_for(github, 2002), what="the review")
    review = reviews_for(github, 2002)[0]
    assert (review["repository"], review["environment_name"], review["state"]) == (
        "Codertocat/Hello-World", "production", "rejected")
    record = next(r for r in records(gate) if r["data"]["customData"]["decision_log"]["input"]["change"].get(
        "correlation_id") == delivery)
    change = record["data"]["customData"]["decision_log"]["input"]["change"]
    assert change["commit"] == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    assert change["pull_request"] == 2 and change["actor"] == "Codertocat"
    assert record["id"] in review["comment"]
    assert f"https://relgate.example.com/decisions/{record['id']}" in review["comment"]
    assert "facts\\.not\\_ok" in review["comment"] and "<b>" not in review["comment"]  # Markdown-escaped
    assert {"installation": 2311213, "repositories": ["Hello-World"]} in github.token_requests
    fetched = requests.get(f"{server.url}/v1/decisions/{record['id']}", headers=AUTH, timeout=5)
    assert fetched.status_code == 200 and fetched.json()["relgatehash"] == record["relgatehash"]


def test_an_allowed_deployment_is_approved(server: Server, gate: Path, github: GithubStandIn) -> None:
    set_facts(gate.parent, ok=True)
    assert signed_delivery(server.url, protection_event(run_id=3003, environment="staging")).status_code == 202
    wait_for(lambda: reviews_for(github, 3003), what="the review")
    review = reviews_for(github, 3003)[0]
    assert (review["state"], review["environment_name"]) == ("approved", "staging")
    assert review["comment"].startswith("relgate: **ALLOW** checkout → staging")


def test_a_redelivery_is_decided_and_answered_once(server: Server, gate: Path, github: GithubStandIn) -> None:
    delivery = str(uuid.uuid4())
    payload = protection_event(run_id=4004)
    first = signed_delivery(server.url, payload, delivery)
    again = [signed_delivery(server.url, payload, delivery) for _ in range(3)]
    assert first.status_code == 202
    assert {(a.status_code, a.json()["status"]) for a in again} == {(200, "duplicate")}
    wait_for(lambda: reviews_for(github, 4004), what="the review")
    time.sleep(1.0)
    assert len(reviews_for(github, 4004)) == 1
    decided = [r for r in records(gate) if r["data"]["customData"]["decision_log"]["input"]["change"].get(
        "correlation_id") == delivery]
    assert len(decided) == 1


def test_other_events_and_bad_payloads(server: Server) -> None:
    assert signed_delivery(server.url, {"zen": "Design for failure."}, event="ping").json() == {"status": "pong"}
    ignored = signed_delivery(server.url, {"action": "created"}, event="deployment")
    assert (ignored.status_code, ignored.json()["status"]) == (202, "ignored")
    broken = protection_event()
    broken["deployment_callback_url"] = "https://evil.example/repos/Codertocat/Hello-World/actions/runs/x"
    refused = signed_delivery(server.url, broken)
    assert refused.status_code == 400 and "deployment_callback_url" in refused.json()["error"]


def test_secrets_never_reach_the_log(server: Server, github: GithubStandIn, app_pem: tuple[str, Any]) -> None:
    log = server.log()
    assert "review sent" in log
    for secret in (WEBHOOK_SECRET, CONSOLE_TOKEN, *github.tokens, app_pem[0].splitlines()[1]):
        assert secret not in log
    assert APP_ID not in github.refused
    assert github.refused == []
