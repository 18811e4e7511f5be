"""Who approved this change, is CI green for it, and what was deployed before: from GitHub's REST API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relgate.errors import SourceError, describe
from relgate.sources.evidence import read_bytes
from relgate.sources.github_api import GithubClient
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.timeutil import is_rfc3339, parse_ns, with_ns_twins

DEFAULT_API = "https://api.github.com"
EVENT_MAX_BYTES = 64 * 1024 * 1024  # Actions caps event payloads far below this
# A later COMMENTED review does not withdraw an approval; these states do.
_DECIDING_STATES = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}
_STATUS_CONCLUSION = {"success": "success", "failure": "failure", "error": "failure"}


def _at(value: Any, *keys: str) -> Any:
    """`value[k1][k2]…`, or None where a level is missing or not an object (GitHub omits, never lies)."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def latest_reviews(reviews: list[Mapping[str, Any]], head_sha: str, now_ns: int) -> list[dict[str, Any]]:
    """The latest deciding review per reviewer, marked stale when given on another commit.

    A pending review (no submitted_at) does not count; a malformed time is an error,
    since dropping a later CHANGES_REQUESTED could revive an earlier approval.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    submitted = [r for r in reviews if isinstance(r, Mapping) and r.get("submitted_at") is not None]
    for review in submitted:
        if not is_rfc3339(_text(review.get("submitted_at"))):
            raise SourceError(
                f"pull request reviews: review {review.get('id')!r}: submitted_at "
                f"{str(review.get('submitted_at'))[:40]!r} is not an RFC 3339 time"
            )
    for review in sorted(submitted, key=lambda r: parse_ns(r["submitted_at"])):
        user = _at(review, "user", "login")
        if isinstance(user, str) and user and review.get("state") in _DECIDING_STATES:
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
            "commit": _text(review.get("commit_id")),
            "stale": bool(head_sha) and review.get("commit_id") != head_sha,
            "association": _text(review.get("author_association")),
        })
    return approvals


def check_list(runs: list[Mapping[str, Any]], combined: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Check runs and commit statuses in one shape: name, status, conclusion, app, completed_at."""
    checks = [{
        "name": _text(run.get("name")),
        "status": _text(run.get("status")),
        "conclusion": run.get("conclusion") if isinstance(run.get("conclusion"), str) else None,
        "app": _text(_at(run, "app", "slug")),
        "completed_at": run.get("completed_at") if isinstance(run.get("completed_at"), str) else None,
    } for run in runs if isinstance(run, Mapping)]
    statuses = combined.get("statuses") if isinstance(combined, Mapping) else None
    for status in statuses if isinstance(statuses, list) else []:
        if not isinstance(status, Mapping):
            continue
        state = _text(status.get("state"))
        checks.append({
            "name": _text(status.get("context")),
            "status": "in_progress" if state == "pending" else "completed",
            "conclusion": _STATUS_CONCLUSION.get(state),
            "app": "commit-status",
            "completed_at": None if state == "pending" else (_text(status.get("updated_at")) or None),
        })
    return checks


def pull_request_facts(pr: Mapping[str, Any]) -> dict[str, Any]:
    labels = pr.get("labels")
    return {
        "number": pr.get("number"),
        "author": _text(_at(pr, "user", "login")),
        "head_sha": _text(_at(pr, "head", "sha")),
        "base_ref": _text(_at(pr, "base", "ref")),
        "title": _text(pr.get("title")),
        "labels": [_text(_at(label, "name")) for label in labels] if isinstance(labels, list) else [],
        "merged_at": pr.get("merged_at") if isinstance(pr.get("merged_at"), str) else None,
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
        event = _event_payload(env)
        deployed = _deployment_sha(event)
        sha = str(self.spec.option("commit") or deployed or env.get("GITHUB_SHA") or "")
        option = self.spec.option("pull_request")
        number = self._number(option) if option is not None else _event_pr_number(event)
        evidence: dict[str, Any] = {}
        pr: Mapping[str, Any] | None = None
        if number:
            path = f"/pulls/{number}"
            pr = _expect(client.get(path), dict, client, path)
        elif sha:
            path = f"/commits/{sha}/pulls"
            associated = [p for p in _expect(client.get(path), list, client, path) if isinstance(p, Mapping)]
            pr = next((p for p in associated if _at(p, "head", "sha") == sha), None) or (
                associated[0] if associated else None)
        checks_sha = sha
        if pr is not None:
            facts = pull_request_facts(pr)
            evidence["pull_request"] = facts
            reviews = client.get_all(f"/pulls/{facts['number']}/reviews")
            evidence["approvals"] = latest_reviews(reviews, facts["head_sha"], request.evaluated_at_ns)
            if (number and not deployed) or not sha:
                checks_sha = facts["head_sha"]  # pull_request events run checks on the head, not the merge commit
        if checks_sha:
            # The commit's own time is where lead time (commit to allowed gate) starts.
            committed_at = _at(client.get(f"/commits/{checks_sha}"), "commit", "committer", "date")
            if isinstance(committed_at, str) and committed_at:
                evidence["change"] = {"committed_at": committed_at}
        if checks_sha and self.spec.option("checks", True):
            runs = client.get_all(f"/commits/{checks_sha}/check-runs", items="check_runs")
            path = f"/commits/{checks_sha}/status"
            combined = _expect(client.get(path), dict, client, path)
            evidence["checks"] = check_list(runs, combined)
        environment = str(self.spec.option("environment") or request.environment)
        if environment and self.spec.option("deployments", True):
            evidence["deployments"] = self._deployments(client, environment)
        return with_ns_twins(evidence)  # type: ignore[no-any-return]

    def _deployments(self, client: GithubClient, environment: str) -> dict[str, Any]:
        limit = int(self.spec.option("deployments_limit", 5))
        recent = []
        listed = _expect(client.get("/deployments", {"environment": environment, "per_page": limit}), list, client,
                         "/deployments")
        for deployment in listed[:limit]:
            ident = _at(deployment, "id")
            if not isinstance(ident, int) or isinstance(ident, bool):
                raise SourceError(f"github {client.repo}: /deployments: a deployment without a numeric id")
            path = f"/deployments/{ident}/statuses"
            statuses = [s for s in _expect(client.get(path, {"per_page": 100}), list, client, path)
                        if isinstance(s, Mapping)]
            latest = statuses[0] if statuses else {}
            succeeded = [_text(s.get("created_at")) for s in statuses
                         if s.get("state") == "success" and is_rfc3339(_text(s.get("created_at")))]
            failed = [_text(s.get("created_at")) for s in statuses  # DORA: change failure rate, time to restore
                      if s.get("state") in ("failure", "error") and is_rfc3339(_text(s.get("created_at")))]
            recent.append({
                "id": ident,
                "sha": _text(deployment.get("sha")),
                "ref": _text(deployment.get("ref")),
                "environment": _text(deployment.get("environment")) or environment,
                "created_at": deployment.get("created_at") if isinstance(deployment.get("created_at"), str) else None,
                "state": _text(latest.get("state")) or "unknown",
                "succeeded_at": max(succeeded, key=parse_ns) if succeeded else None,
                "failed_at": max(failed, key=parse_ns) if failed else None,
            })
        successes = [str(d["succeeded_at"]) for d in recent if d["succeeded_at"]]
        return {"environment": environment, "last_success_at": max(successes, key=parse_ns) if successes else None,
                "recent": recent}

    def _number(self, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
            return int(value)
        raise SourceError(f"source {self.spec.name!r}: pull_request: expected a pull request number, got {value!r}")


def _expect(value: Any, kind: type, client: GithubClient, path: str) -> Any:
    """The response body when it has the JSON type GitHub documents for `path`, else a named error."""
    if isinstance(value, kind):
        return value
    wanted, found = ("an object" if kind is dict else "a list"), type(value).__name__
    names = {"dict": "an object", "list": "a list", "str": "a string", "NoneType": "null", "int": "a number",
             "float": "a number", "bool": "a boolean"}
    raise SourceError(f"github {client.repo}: {path}: expected {wanted} in the response, got {names.get(found, found)}")


def _event_payload(env: Mapping[str, str]) -> Any:
    """The Actions (or webhook) event payload named by GITHUB_EVENT_PATH, or None."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        return json.loads(read_bytes(Path(path), EVENT_MAX_BYTES))
    except SourceError as exc:
        raise SourceError(f"GITHUB_EVENT_PATH: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise SourceError(f"GITHUB_EVENT_PATH {path}: cannot read the event payload: {describe(exc)}") from None


def _deployment_sha(payload: Any) -> str:
    """A deployment_protection_rule event gates `deployment.sha` (its top-level `sha` when there is no deployment)."""
    if not isinstance(payload, dict) or "deployment_callback_url" not in payload:
        return ""
    sha = _at(payload, "deployment", "sha") or payload.get("sha")
    return sha if isinstance(sha, str) else ""


def _event_pr_number(payload: Any) -> int | None:
    """The pull request number from the event: `pull_request.number`, or for a deployment_protection_rule
    event (which has no `pull_request` key) `pull_requests[0].number`."""
    if not isinstance(payload, dict):
        return None
    pr = payload.get("pull_request")
    listed = payload.get("pull_requests")
    if pr is None and _deployment_sha(payload) and isinstance(listed, list) and listed:
        pr = listed[0]
    number = pr.get("number") if isinstance(pr, dict) else None
    return number if isinstance(number, int) and not isinstance(number, bool) and number > 0 else None
