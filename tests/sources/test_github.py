"""The GitHub source against `responses`, with payloads shaped as GitHub documents them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import responses

from relgate.errors import SourceError
from relgate.sources.github import GithubSource, latest_reviews
from relgate.sources.github_api import GithubClient
from relgate.sources.interface import GatherRequest, SourceSpec
from relgate.timeutil import parse_ns
from tests.conftest import ROOT

API = "https://github.example/api/v3"
REPO = "octocat/Hello-World"
BASE = f"{API}/repos/{REPO}"
TOKEN = "ghs_supersecrettoken123"
REST = ROOT / "tests" / "fixtures" / "real-world" / "github-api" / "rest"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
NOW = parse_ns("2019-11-18T17:43:43Z")


def example(name: str) -> Any:
    return json.loads((REST / f"{name}.json").read_text())


def review(user: str, state: str, submitted_at: str, commit: str = HEAD, association: str = "MEMBER") -> Any:
    body = copy.deepcopy(example("get-repos-owner-repo-pulls-pull_number-reviews")[0])
    body["user"]["login"] = user
    body.update(state=state, submitted_at=submitted_at, commit_id=commit, author_association=association)
    return body


class FakeClock:
    """Wall clock and sleep in one, so waits are asserted rather than spent."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(clock: FakeClock, timeout: float = 30) -> GithubClient:
    return GithubClient(API, REPO, TOKEN, timeout, sleep=clock.sleep, wall_clock=clock.time)


def register_gate_run(deployments: int = 1) -> None:
    """The calls a pull_request-event gate run makes, in GitHub's documented shapes."""
    responses.get(f"{BASE}/pulls/1347", json=example("get-repos-owner-repo-pulls-pull_number"))
    responses.get(f"{BASE}/pulls/1347/reviews", json=[
        review("lee", "COMMENTED", "2019-11-17T10:00:00Z"),
        review("lee", "APPROVED", "2019-11-17T12:00:00Z"),
        review("kim", "APPROVED", "2019-11-16T12:00:00Z", commit="0000000000000000000000000000000000000000"),
        review("ana", "APPROVED", "2019-11-16T12:00:00Z"),
        review("ana", "CHANGES_REQUESTED", "2019-11-17T13:00:00Z"),
        review("bo", "APPROVED", "2019-11-17T14:00:00Z"),
        review("bo", "COMMENTED", "2019-11-17T15:00:00Z"),
    ])
    responses.get(f"{BASE}/commits/{HEAD}", json=example("get-repos-owner-repo-commits-ref"))
    responses.get(f"{BASE}/commits/{HEAD}/check-runs", json=example("get-repos-owner-repo-commits-ref-check-runs"))
    responses.get(f"{BASE}/commits/{HEAD}/status", json=example("get-repos-owner-repo-commits-ref-status"))
    listed = example("get-repos-owner-repo-deployments") * deployments
    responses.get(f"{BASE}/deployments", json=listed)
    statuses = example("get-repos-owner-repo-deployments-deployment_id-statuses")
    responses.get(f"{BASE}/deployments/1/statuses", json=statuses)


def event_file(tmp_path: Path) -> Path:
    payload = json.loads((ROOT / "tests" / "fixtures" / "real-world" / "github-api" / "webhooks" /
                          "pull_request.opened.json").read_text())
    payload["pull_request"]["number"] = 1347
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return path


def gather(env: dict[str, str], **options: Any) -> dict[str, Any]:
    spec = SourceSpec("github", "github", options={"repo": REPO, "token": TOKEN, "api_url": API, **options})
    return GithubSource(spec).collect(GatherRequest(NOW, "checkout", "production", env))


@responses.activate
def test_pull_request_event_run(tmp_path: Path) -> None:
    register_gate_run()
    evidence = gather({"GITHUB_EVENT_PATH": str(event_file(tmp_path)), "GITHUB_SHA": "merge-commit-sha"})
    pr = evidence["pull_request"]
    assert (pr["number"], pr["author"], pr["head_sha"], pr["base_ref"], pr["labels"]) == (
        1347, "octocat", HEAD, "master", ["bug"])
    assert pr["merged_at_ns"] == parse_ns("2011-01-26T19:01:12Z")
    approvals = {a["user"]: a for a in evidence["approvals"]}
    assert {u: a["state"] for u, a in approvals.items()} == {
        "lee": "APPROVED", "kim": "APPROVED", "ana": "CHANGES_REQUESTED", "bo": "APPROVED"}
    assert approvals["kim"]["stale"] is True and approvals["lee"]["stale"] is False
    assert approvals["lee"]["age_seconds"] == pytest.approx(29 * 3600 + 43 * 60 + 43)
    assert approvals["lee"]["association"] == "MEMBER"
    assert [(c["name"], c["conclusion"], c["app"]) for c in evidence["checks"]] == [
        ("mighty_readme", "neutral", "octoapp"),
        ("continuous-integration/jenkins", "success", "commit-status"),
        ("security/brakeman", "success", "commit-status")]
    assert evidence["deployments"]["last_success_at"] == "2012-07-20T01:19:13Z"
    assert evidence["deployments"]["recent"][0]["state"] == "success"
    assert evidence["change"] == {"committed_at": "2011-04-14T16:00:49Z",
                                  "committed_at_ns": parse_ns("2011-04-14T16:00:49Z")}
    assert evidence["github"]["api_calls"] == 7
    assert all(call.request.headers["Authorization"] == f"Bearer {TOKEN}" for call in responses.calls)
    assert TOKEN not in json.dumps(evidence)


@responses.activate
def test_push_run_finds_the_pull_request_by_commit() -> None:
    register_gate_run()
    responses.get(f"{BASE}/commits/{HEAD}/pulls", json=example("get-repos-owner-repo-commits-commit_sha-pulls"))
    evidence = gather({"GITHUB_SHA": HEAD})
    assert evidence["pull_request"]["number"] == 1347
    assert responses.calls[0].request.url == f"{BASE}/commits/{HEAD}/pulls"
    assert evidence["github"]["api_calls"] == 7  # the commit lookup returns the pull request itself


@responses.activate
def test_pagination_follows_link_headers_to_the_end() -> None:
    pages = [[{"n": 1}, {"n": 2}], [{"n": 3}], [{"n": 4}]]
    for index, page in enumerate(pages):
        link = {"Link": f'<{BASE}/pulls/1/reviews?page={index + 2}>; rel="next", <{BASE}/x>; rel="last"'}
        url = f"{BASE}/pulls/1/reviews" + ("" if index == 0 else f"?page={index + 1}")
        responses.get(url, json=page, headers=link if index < len(pages) - 1 else {},
                      match=[responses.matchers.query_param_matcher({"per_page": "100"} if index == 0 else
                                                                    {"page": str(index + 1)})])
    github = client(FakeClock())
    assert [item["n"] for item in github.get_all("/pulls/1/reviews")] == [1, 2, 3, 4]
    assert github.calls == 3


@responses.activate
def test_secondary_rate_limit_waits_retry_after_then_succeeds() -> None:
    responses.get(f"{BASE}/pulls/1", status=403, headers={"retry-after": "7"},
                  json={"message": "You have exceeded a secondary rate limit."})
    responses.get(f"{BASE}/pulls/1", json={"number": 1})
    clock = FakeClock()
    assert client(clock).get("/pulls/1") == {"number": 1}
    assert clock.slept == [7.0]


@responses.activate
def test_primary_rate_limit_waits_until_reset() -> None:
    clock = FakeClock()
    reset = int(clock.now) + 20
    responses.get(f"{BASE}/pulls/1", status=429,
                  headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})
    responses.get(f"{BASE}/pulls/1", json={"number": 1})
    assert client(clock).get("/pulls/1") == {"number": 1}
    assert clock.slept == [21.0]


@responses.activate
def test_rate_limit_beyond_the_timeout_is_an_error() -> None:
    clock = FakeClock()
    responses.get(f"{BASE}/pulls/1", status=403,
                  headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(clock.now) + 3600)})
    with pytest.raises(SourceError, match=r"rate limited \(403\); retrying needs 3601s"):
        client(clock, timeout=30).get("/pulls/1")
    assert clock.slept == []


@responses.activate
def test_bad_gateway_is_retried_with_backoff() -> None:
    responses.get(f"{BASE}/commits/abc/status", status=502)
    responses.get(f"{BASE}/commits/abc/status", json={"state": "success", "statuses": []})
    clock = FakeClock()
    assert client(clock).get("/commits/abc/status")["state"] == "success"
    assert clock.slept == [0.5]


@responses.activate
def test_server_errors_give_up_after_retries() -> None:
    responses.get(f"{BASE}/pulls/1", status=503)
    clock = FakeClock()
    with pytest.raises(SourceError, match="HTTP 503"):
        client(clock).get("/pulls/1")
    assert clock.slept == [0.5, 1.0, 2.0]


@responses.activate
def test_bad_credentials_name_the_repo_and_never_the_token() -> None:
    responses.get(f"{BASE}/pulls/1347", status=401,
                  json={"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
    with pytest.raises(SourceError) as caught:
        gather({}, pull_request=1347)
    message = str(caught.value)
    assert message.startswith(f"github {REPO}: /pulls/1347: GitHub rejected the token (401")
    assert TOKEN not in message


@responses.activate
def test_not_found_says_what_was_asked() -> None:
    responses.get(f"{BASE}/pulls/9", status=404, json={"message": "Not Found"})
    with pytest.raises(SourceError, match=r"octocat/Hello-World: /pulls/9: not found \(404\)"):
        gather({}, pull_request=9)


def test_repo_must_be_owner_slash_name() -> None:
    with pytest.raises(SourceError, match="`repo` must be owner/name"):
        GithubSource(SourceSpec("github", "gh", options={"repo": "nope"})).collect(GatherRequest(0, "s", "e", {}))


def test_latest_deciding_review_wins() -> None:
    reviews = [review("ana", "APPROVED", "2019-11-16T12:00:00Z"), review("ana", "DISMISSED", "2019-11-17T12:00:00Z")]
    (only,) = latest_reviews(reviews, HEAD, NOW)
    assert only["state"] == "DISMISSED"
