"""The github source on a deployment_protection_rule event: PR from `pull_requests[0]`, commit from `deployment.sha`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import responses

from tests.conftest import ROOT
from tests.sources.test_github import BASE, HEAD, example, gather, review

EVENT = ROOT / "tests" / "fixtures" / "real-world" / "github-api" / "webhooks" / \
    "deployment_protection_rule.requested.json"
DEPLOYED = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"  # the fixture's deployment.sha


def event(tmp_path: Path, **changes: Any) -> str:
    payload = json.loads(EVENT.read_text())
    payload.update(changes)
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return str(path)


def register(number: int, checks_sha: str) -> None:
    responses.get(f"{BASE}/pulls/{number}", json=example("get-repos-owner-repo-pulls-pull_number"))
    responses.get(f"{BASE}/pulls/1347/reviews", json=[review("lee", "APPROVED", "2019-11-17T12:00:00Z")])
    responses.get(f"{BASE}/commits/{checks_sha}", json=example("get-repos-owner-repo-commits-ref"))
    runs = example("get-repos-owner-repo-commits-ref-check-runs")
    responses.get(f"{BASE}/commits/{checks_sha}/check-runs", json=runs)
    responses.get(f"{BASE}/commits/{checks_sha}/status", json=example("get-repos-owner-repo-commits-ref-status"))
    responses.get(f"{BASE}/deployments", json=[])


@responses.activate
def test_pull_request_comes_from_pull_requests_and_checks_from_the_deployed_sha(tmp_path: Path) -> None:
    register(2, DEPLOYED)
    evidence = gather({"GITHUB_EVENT_PATH": event(tmp_path), "GITHUB_SHA": "0" * 40})
    assert responses.calls[0].request.url == f"{BASE}/pulls/2"
    assert evidence["pull_request"]["number"] == 1347  # what the API returned for /pulls/2
    called = [call.request.url.split("?")[0] for call in responses.calls]
    assert f"{BASE}/commits/{DEPLOYED}/check-runs" in called
    assert not any("0000000000" in url or f"/commits/{HEAD}/" in url for url in called)


@responses.activate
def test_event_without_pull_requests_looks_up_the_deployed_commit(tmp_path: Path) -> None:
    responses.get(f"{BASE}/commits/{DEPLOYED}/pulls", json=[])
    responses.get(f"{BASE}/commits/{DEPLOYED}", json=example("get-repos-owner-repo-commits-ref"))
    responses.get(f"{BASE}/commits/{DEPLOYED}/check-runs", json={"total_count": 0, "check_runs": []})
    responses.get(f"{BASE}/commits/{DEPLOYED}/status", json=example("get-repos-owner-repo-commits-ref-status"))
    responses.get(f"{BASE}/deployments", json=[])
    evidence = gather({"GITHUB_EVENT_PATH": event(tmp_path, pull_requests=[])})
    assert responses.calls[0].request.url == f"{BASE}/commits/{DEPLOYED}/pulls"
    assert "pull_request" not in evidence
    assert [c["app"] for c in evidence["checks"]] == ["commit-status", "commit-status"]


@responses.activate
def test_a_deployment_without_a_sha_falls_back_to_the_event_sha(tmp_path: Path) -> None:
    payload = json.loads(EVENT.read_text())
    top_sha = "a" * 40
    register(2, top_sha)
    path = event(tmp_path, deployment=None, sha=top_sha, pull_requests=payload["pull_requests"])
    evidence = gather({"GITHUB_EVENT_PATH": path})
    assert f"{BASE}/commits/{top_sha}/check-runs" in [c.request.url.split("?")[0] for c in responses.calls]
    assert evidence["pull_request"]["number"] == 1347
