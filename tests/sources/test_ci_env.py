"""GitHub Actions variables describe the change; nothing leaks in outside Actions."""

from __future__ import annotations

from relgate.sources.ci_env import CiEnvSource, change_from_env
from relgate.sources.interface import GatherRequest, SourceSpec

ACTIONS = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SHA": "9f2c1e7a4b8d6c3e5f0a1b2c3d4e5f6a7b8c9d0e",
    "GITHUB_REF": "refs/pull/1347/merge",
    "GITHUB_REPOSITORY": "acme/checkout",
    "GITHUB_ACTOR": "dana",
    "GITHUB_TRIGGERING_ACTOR": "lee",
    "GITHUB_RUN_ID": "812345",
    "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_WORKFLOW": "deploy",
    "GITHUB_EVENT_NAME": "pull_request",
}


def test_actions_variables_become_the_change() -> None:
    assert change_from_env(ACTIONS) == {
        "commit": "9f2c1e7a4b8d6c3e5f0a1b2c3d4e5f6a7b8c9d0e",
        "ref": "refs/pull/1347/merge",
        "repository": "acme/checkout",
        "workflow": "deploy",
        "event": "pull_request",
        "actor": "lee",
        "pipeline_run_id": "812345-2",
        "run_url": "https://github.com/acme/checkout/actions/runs/812345",
        "pull_request": 1347,
    }


def test_branch_push_has_no_pull_request() -> None:
    change = change_from_env({**ACTIONS, "GITHUB_REF": "refs/heads/main", "GITHUB_RUN_ATTEMPT": ""})
    assert "pull_request" not in change and change["pipeline_run_id"] == "812345"


def test_outside_actions_nothing_is_read() -> None:
    assert change_from_env({k: v for k, v in ACTIONS.items() if k != "GITHUB_ACTIONS"}) == {}


def test_source_returns_change_key() -> None:
    source = CiEnvSource(SourceSpec("ci", "ci"))
    assert source.collect(GatherRequest(0, "s", "e", ACTIONS))["change"]["actor"] == "lee"
    assert source.collect(GatherRequest(0, "s", "e", {})) == {}


def test_pull_request_head_ref_also_names_the_pull_request() -> None:
    assert change_from_env({**ACTIONS, "GITHUB_REF": "refs/pull/7/head"})["pull_request"] == 7


def test_unset_variables_leave_their_keys_out() -> None:
    change = change_from_env(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_SHA": "abc",
            "GITHUB_RUN_ID": "5",
            "GITHUB_REPOSITORY": "",
            "GITHUB_ACTOR": "dana",
        }
    )
    # Without a server URL and repository there is no run URL to build.
    assert change == {"commit": "abc", "actor": "dana", "pipeline_run_id": "5"}


def test_actor_falls_back_when_no_triggering_actor() -> None:
    env = {k: v for k, v in ACTIONS.items() if k != "GITHUB_TRIGGERING_ACTOR"}
    assert change_from_env(env)["actor"] == "dana"


def test_actions_flag_must_be_exactly_true() -> None:
    assert change_from_env({**ACTIONS, "GITHUB_ACTIONS": "1"}) == {}
