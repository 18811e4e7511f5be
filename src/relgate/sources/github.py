"""Who approved this change, is CI green for it, and what was deployed before: from GitHub's REST API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relgate.errors import SourceError
from relgate.sources.github_api import GithubClient
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.timeutil import parse_ns, with_ns_twins

DEFAULT_API = "https://api.github.com"
# A later COMMENTED review does not withdraw an approval; these states do.
_DECIDING_STATES = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}
_STATUS_CONCLUSION = {"success": "success", "failure": "failure", "error": "failure"}


def latest_reviews(reviews: list[Mapping[str, Any]], head_sha: str, now_ns: int) -> list[dict[str, Any]]:
    """The latest deciding review per reviewer, marked stale when given on another commit."""
    latest: dict[str, Mapping[str, Any]] = {}
    for review in sorted(reviews, key=lambda r: str(r.get("submitted_at") or "")):
        user = (review.get("user") or {}).get("login")
        if user and review.get("state") in _DECIDING_STATES and review.get("submitted_at"):
            latest[user] = review
    approvals = []
    for user, review in latest.items():
        submitted_ns = parse_ns(str(review["submitted_at"]))
        approvals.append({
            "user": user,
            "state": review["state"],
            "submitted_at": review["submitted_at"],
            "submitted_at_ns": submitted_ns,
            "age_seconds": (now_ns - submitted_ns) / 1e9,
            "commit": review.get("commit_id", ""),
            "stale": bool(head_sha) and review.get("commit_id") != head_sha,
            "association": review.get("author_association", ""),
        })
    return approvals


def check_list(runs: list[Mapping[str, Any]], combined: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Check runs and commit statuses in one shape: name, status, conclusion, app, completed_at."""
    checks = [{
        "name": run.get("name", ""),
        "status": run.get("status", ""),
        "conclusion": run.get("conclusion"),
        "app": (run.get("app") or {}).get("slug", ""),
        "completed_at": run.get("completed_at"),
    } for run in runs]
    for status in combined.get("statuses") or []:
        state = status.get("state", "")
        checks.append({
            "name": status.get("context", ""),
            "status": "in_progress" if state == "pending" else "completed",
            "conclusion": _STATUS_CONCLUSION.get(state),
            "app": "commit-status",
            "completed_at": None if state == "pending" else status.get("updated_at"),
        })
    return checks


def pull_request_facts(pr: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "number": pr.get("number"),
        "author": (pr.get("user") or {}).get("login", ""),
        "head_sha": (pr.get("head") or {}).get("sha", ""),
        "base_ref": (pr.get("base") or {}).get("ref", ""),
        "title": pr.get("title") or "",
        "labels": [label.get("name", "") for label in pr.get("labels") or []],
        "merged_at": pr.get("merged_at"),
    }


class GithubSource(Source):
    type_name = "github"

    def collect(self, request: GatherRequest) -> Evidence:
        env = request.env
        repo = str(self.spec.option("repo") or env.get("GITHUB_REPOSITORY") or "")
        if "/" not in repo:
            raise SourceError(f"source {self.spec.name!r}: `repo` must be owner/name (or set GITHUB_REPOSITORY)")
        client = GithubClient(
            str(self.spec.option("api_url") or env.get("GITHUB_API_URL") or DEFAULT_API),
            repo,
            self.spec.option("token") or env.get("GITHUB_TOKEN"),
            self.spec.timeout_s,
        )
        evidence = self.gather(client, request)
        evidence["github"] = {"repository": repo, "api_calls": client.calls}
        return evidence

    def gather(self, client: GithubClient, request: GatherRequest) -> Evidence:
        """Everything the source fills, given a client (tests pass one with a fake clock)."""
        env = request.env
        sha = str(self.spec.option("commit") or env.get("GITHUB_SHA") or "")
        number = self.spec.option("pull_request") or _event_pr_number(env)
        evidence: dict[str, Any] = {}
        pr: Mapping[str, Any] | None = None
        if number:
            pr = client.get(f"/pulls/{int(number)}")
        elif sha:
            associated = client.get(f"/commits/{sha}/pulls")
            pr = next((p for p in associated if (p.get("head") or {}).get("sha") == sha), None) or (
                associated[0] if associated else None)
        checks_sha = sha
        if pr is not None:
            facts = pull_request_facts(pr)
            evidence["pull_request"] = facts
            reviews = client.get_all(f"/pulls/{facts['number']}/reviews")
            evidence["approvals"] = latest_reviews(reviews, facts["head_sha"], request.evaluated_at_ns)
            if number or not sha:
                checks_sha = facts["head_sha"]  # pull_request events run checks on the head, not the merge commit
        if checks_sha:
            # The commit's own time is where lead time (commit to allowed gate) starts.
            commit = client.get(f"/commits/{checks_sha}")
            committed_at = ((commit.get("commit") or {}).get("committer") or {}).get("date")
            if committed_at:
                evidence["change"] = {"committed_at": committed_at}
        if checks_sha and self.spec.option("checks", True):
            runs = client.get_all(f"/commits/{checks_sha}/check-runs", items="check_runs")
            combined = client.get(f"/commits/{checks_sha}/status")
            evidence["checks"] = check_list(runs, combined)
        environment = str(self.spec.option("environment") or request.environment)
        if environment and self.spec.option("deployments", True):
            evidence["deployments"] = self._deployments(client, environment)
        return with_ns_twins(evidence)  # type: ignore[no-any-return]

    def _deployments(self, client: GithubClient, environment: str) -> dict[str, Any]:
        limit = int(self.spec.option("deployments_limit", 5))
        recent = []
        for deployment in client.get("/deployments", {"environment": environment, "per_page": limit})[:limit]:
            statuses = client.get(f"/deployments/{deployment['id']}/statuses", {"per_page": 100})
            latest = statuses[0] if statuses else {}
            succeeded = [s["created_at"] for s in statuses if s.get("state") == "success" and s.get("created_at")]
            recent.append({
                "id": deployment.get("id"),
                "sha": deployment.get("sha", ""),
                "ref": deployment.get("ref", ""),
                "environment": deployment.get("environment", environment),
                "created_at": deployment.get("created_at"),
                "state": latest.get("state", "unknown"),
                "succeeded_at": max(succeeded) if succeeded else None,
            })
        successes = [d["succeeded_at"] for d in recent if d["succeeded_at"]]
        return {"environment": environment, "last_success_at": max(successes) if successes else None,
                "recent": recent}


def _event_pr_number(env: Mapping[str, str]) -> int | None:
    """The pull request number from the Actions event payload, when the event has one."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"GITHUB_EVENT_PATH {path}: cannot read the event payload: {exc}") from None
    pr = payload.get("pull_request") if isinstance(payload, dict) else None
    number = pr.get("number") if isinstance(pr, dict) else None
    return int(number) if isinstance(number, int) else None
