"""The GitHub source against a hostile or broken API: the token stays home, every fault is named."""

from __future__ import annotations

import os
from email.utils import formatdate
from pathlib import Path

import pytest
import responses

from relgate.errors import SourceError
from tests.sources.test_github import API, BASE, REPO, TOKEN, FakeClock, client, example, gather, review

ELSEWHERE = "https://collector.example"


def token_sent_to(prefix: str) -> list[str]:
    return [c.request.url or "" for c in responses.calls
            if (c.request.url or "").startswith(prefix) and "Authorization" in c.request.headers]


@responses.activate
@pytest.mark.parametrize("next_url", [
    f"{ELSEWHERE}/repos/{REPO}/pulls/1/reviews?page=2",       # another host
    f"https://github.example:8443/api/v3/repos/{REPO}/pulls/1/reviews?page=2",  # another port
    f"http://github.example/api/v3/repos/{REPO}/pulls/1/reviews?page=2",  # another scheme
])
def test_pagination_link_to_another_origin_is_refused(next_url: str) -> None:
    responses.get(f"{BASE}/pulls/1/reviews", json=[{"n": 1}], headers={"Link": f'<{next_url}>; rel="next"'})
    responses.get(next_url.split("?")[0], json=[{"n": 2}])
    with pytest.raises(SourceError, match=r"next page is on another origin .*does not send the token there"):
        client(FakeClock()).get_all("/pulls/1/reviews")
    assert len(responses.calls) == 1 and TOKEN not in str(responses.calls[0].response.url)


@responses.activate
def test_redirect_to_another_origin_is_not_followed() -> None:
    responses.get(f"{BASE}/pulls/1", status=302, headers={"Location": f"{ELSEWHERE}/steal"})
    responses.get(f"{ELSEWHERE}/steal", json={"number": 1})
    with pytest.raises(SourceError) as caught:
        client(FakeClock()).get("/pulls/1")
    assert "redirected to https://collector.example:443" in str(caught.value)
    assert token_sent_to(ELSEWHERE) == [] and len(responses.calls) == 1


@responses.activate
def test_redirect_within_the_api_origin_is_followed_with_the_token() -> None:
    moved = f"{API}/repositories/1296269/pulls/1"
    responses.get(f"{BASE}/pulls/1", status=301, headers={"Location": moved})
    responses.get(moved, json={"number": 1})
    assert client(FakeClock()).get("/pulls/1") == {"number": 1}
    assert token_sent_to(moved) == [moved]


@responses.activate
@pytest.mark.parametrize("value", ["nan", "-1", "soon", "1e9", "inf"])
def test_unreadable_retry_after_is_named(value: str) -> None:
    responses.get(f"{BASE}/pulls/1", status=429, headers={"retry-after": value})
    clock = FakeClock()
    with pytest.raises(SourceError, match=rf"unreadable Retry-After header '{value}'; expected seconds or an HTTP"):
        client(clock).get("/pulls/1")
    assert clock.slept == []


@responses.activate
def test_retry_after_as_an_http_date_is_waited_out() -> None:
    clock = FakeClock()
    responses.get(f"{BASE}/pulls/1", status=403, headers={"retry-after": formatdate(clock.now + 12, usegmt=True)})
    responses.get(f"{BASE}/pulls/1", json={"number": 1})
    assert client(clock).get("/pulls/1") == {"number": 1}
    assert clock.slept == [12.0]


@responses.activate
def test_unreadable_rate_limit_reset_is_named() -> None:
    responses.get(f"{BASE}/pulls/1", status=403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "nan"})
    with pytest.raises(SourceError, match="unreadable x-ratelimit-reset header 'nan'"):
        client(FakeClock()).get("/pulls/1")


@responses.activate
def test_an_html_page_instead_of_json_is_named() -> None:
    responses.get(f"{BASE}/pulls/1", body="<html><body>Sign in</body></html>", content_type="text/html")
    with pytest.raises(SourceError, match=r"/pulls/1: expected JSON from the GitHub API, got 'text/html' \(HTTP 200\)"):
        client(FakeClock()).get("/pulls/1")


@responses.activate
def test_a_list_where_an_object_is_documented_is_named() -> None:
    responses.get(f"{BASE}/pulls/7", json=[1, 2])
    with pytest.raises(SourceError, match=r"/pulls/7: expected an object in the response, got a list"):
        gather({}, pull_request=7)


@responses.activate
def test_a_page_that_is_not_a_list_is_named() -> None:
    responses.get(f"{BASE}/pulls/7", json=example("get-repos-owner-repo-pulls-pull_number") | {"number": 7})
    responses.get(f"{BASE}/pulls/7/reviews", json={"message": "odd"})
    with pytest.raises(SourceError, match=r"/pulls/7/reviews: expected a list in the response"):
        gather({}, pull_request=7, checks=False, deployments=False)


@responses.activate
def test_a_review_with_an_unreadable_time_is_an_error_not_a_dropped_review() -> None:
    responses.get(f"{BASE}/pulls/7", json=example("get-repos-owner-repo-pulls-pull_number") | {"number": 7})
    responses.get(f"{BASE}/pulls/7/reviews", json=[review("ana", "APPROVED", "2019-11-16T12:00:00Z"),
                                                   review("ana", "CHANGES_REQUESTED", "yesterday")])
    with pytest.raises(SourceError, match="submitted_at 'yesterday' is not an RFC 3339 time"):
        gather({}, pull_request=7, checks=False, deployments=False)


@responses.activate
def test_a_deployment_without_an_id_is_named() -> None:
    responses.get(f"{BASE}/deployments", json=[{"sha": "abc"}])
    with pytest.raises(SourceError, match="a deployment without a numeric id"):
        gather({}, checks=False)


@responses.activate
@pytest.mark.parametrize("number", ["12a", 0, -3, True, 1.5])
def test_a_pull_request_option_that_is_not_a_number_is_named(number: object) -> None:
    with pytest.raises(SourceError, match="pull_request: expected a pull request number"):
        gather({}, pull_request=number)


@responses.activate
@pytest.mark.parametrize("token", [f"{TOKEN}\n", f" {TOKEN}", f"{TOKEN}\r\nX-Evil: 1", "ghs_tökén_value"])
def test_a_token_with_whitespace_is_refused_before_any_request(token: str) -> None:
    with pytest.raises(SourceError) as caught:
        gather({}, token=token, pull_request=1)
    message = str(caught.value)
    assert "the token contains whitespace" in message and TOKEN not in message and "tökén" not in message
    assert len(responses.calls) == 0


@responses.activate
def test_endless_pagination_stops_with_a_named_error() -> None:
    next_page = {"Link": f'<{BASE}/pulls/1/reviews?page=2>; rel="next"'}
    responses.get(f"{BASE}/pulls/1/reviews", json=[{"n": 1}], headers=next_page)
    with pytest.raises(SourceError, match=r"/pulls/1/reviews: more than 100 pages; refusing to read on"):
        client(FakeClock()).get_all("/pulls/1/reviews")
    assert len(responses.calls) == 100


def test_a_fifo_as_the_event_payload_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "event.json"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match=r"GITHUB_EVENT_PATH: .*expected a regular file, found a FIFO"):
        gather({"GITHUB_EVENT_PATH": str(fifo)})


@pytest.mark.parametrize("api_url", ["http://github.example/api/v3", "http://10.0.0.5:8080/api/v3"])
def test_token_is_never_sent_over_plain_http(api_url: str) -> None:
    from relgate.sources.github_api import GithubClient

    with pytest.raises(SourceError, match=r"refusing to send a token to http://.* without TLS"):
        GithubClient(api_url, REPO, TOKEN, 5.0)


@responses.activate
def test_plain_http_on_loopback_is_allowed_with_a_token() -> None:
    from relgate.sources.github_api import GithubClient

    responses.get(f"http://127.0.0.1:8080/api/v3/repos/{REPO}/pulls/1", json={"number": 1})
    assert GithubClient("http://127.0.0.1:8080/api/v3", REPO, TOKEN, 5.0).get("/pulls/1") == {"number": 1}
