"""The change being gated, from GitHub Actions' `GITHUB_*` variables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from relgate.sources.interface import Evidence, GatherRequest, Source

_PR_REF = re.compile(r"^refs/pull/(\d+)/(?:merge|head)$")


def change_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """Describe the change from the Actions environment; outside Actions, nothing."""
    if env.get("GITHUB_ACTIONS") != "true":
        return {}
    change: dict[str, Any] = {}
    simple = {
        "commit": "GITHUB_SHA",
        "ref": "GITHUB_REF",
        "repository": "GITHUB_REPOSITORY",
        "workflow": "GITHUB_WORKFLOW",
        "event": "GITHUB_EVENT_NAME",
    }
    for key, variable in simple.items():
        if env.get(variable):
            change[key] = env[variable]
    actor = env.get("GITHUB_TRIGGERING_ACTOR") or env.get("GITHUB_ACTOR")
    if actor:
        change["actor"] = actor
    run_id = env.get("GITHUB_RUN_ID")
    if run_id:
        attempt = env.get("GITHUB_RUN_ATTEMPT")
        change["pipeline_run_id"] = f"{run_id}-{attempt}" if attempt else run_id
        server, repo = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
        if server and repo:
            change["run_url"] = f"{server}/{repo}/actions/runs/{run_id}"
    match = _PR_REF.match(env.get("GITHUB_REF", ""))
    if match:
        change["pull_request"] = int(match.group(1))
    return change


class CiEnvSource(Source):
    """`type: ci` — the change as GitHub Actions describes it; nothing outside Actions."""

    type_name = "ci"

    def collect(self, request: GatherRequest) -> Evidence:
        change = change_from_env(request.env)
        return {"change": change} if change else {}
