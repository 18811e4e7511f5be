"""GitHub's deployment protection rule webhook: prove it came from GitHub, read it, queue it.

The signature is checked over the raw body before anything else (401 otherwise,
nothing parsed or stored). A `deployment_protection_rule` / `requested` event is
stored in the ledger under its `X-GitHub-Delivery` id and answered 202 at once;
the dispatcher gathers, decides and calls GitHub back, well past GitHub's 10 s
webhook limit if the evidence takes that long.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from relgate.output.escape import markdown, markdown_code
from relgate.serve.github_app import Review
from relgate.serve.runner import GateAnswer, GateAsk

EVENT = "deployment_protection_rule"
MAX_BODY = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_CALLBACK = re.compile(r"/repos/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/actions/runs/(\d+)/deployment_protection_rule$")
_DELIVERY = re.compile(r"^[A-Za-z0-9-]{1,100}$")


class BadEvent(ValueError):
    """A signed event relgate cannot act on; the message names the field."""


def signature_valid(secret: bytes, body: bytes, header: str) -> bool:
    """X-Hub-Signature-256 is `sha256=` + hex HMAC-SHA256 of the raw body; compared in constant time."""
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def delivery_id(text: str) -> str:
    if not _DELIVERY.match(text):
        raise BadEvent("X-GitHub-Delivery: expected a delivery GUID")
    return text


@dataclass(frozen=True)
class ProtectionRequest:
    """What one `deployment_protection_rule` event asks: may `sha` of `repository` go to `environment`?"""

    delivery: str
    repository: str
    installation_id: int
    run_id: int
    environment: str
    sha: str
    ref: str
    pull_request: int | None
    actor: str
    html_url: str
    event: str


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _at(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def parse_request(delivery: str, payload: Any) -> ProtectionRequest:
    """The fields the gate and the callback need, each checked; BadEvent names the one that is wrong."""
    if not isinstance(payload, Mapping):
        raise BadEvent("payload: expected a JSON object")
    repository = _text(_at(payload, "repository", "full_name"))
    if not _REPO.match(repository):
        raise BadEvent(f"repository.full_name: expected owner/name, got {repository[:100]!r}")
    installation = _at(payload, "installation", "id")
    if not isinstance(installation, int) or isinstance(installation, bool) or installation <= 0:
        raise BadEvent("installation.id: expected the App installation's numeric id")
    callback = _text(payload.get("deployment_callback_url"))
    match = _CALLBACK.search(callback)
    if not match or match.group(1).lower() != repository.lower():
        raise BadEvent("deployment_callback_url: expected …/repos/OWNER/REPO/actions/runs/ID/"
                       "deployment_protection_rule for the event's repository")
    environment = _text(payload.get("environment"))
    if not environment:
        raise BadEvent("environment: expected the environment's name")
    sha = _text(_at(payload, "deployment", "sha")) or _text(payload.get("sha"))
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha):
        raise BadEvent("deployment.sha: expected a commit SHA")
    pulls = payload.get("pull_requests")
    first = pulls[0] if isinstance(pulls, list) and pulls else None
    number = _at(first, "number")
    return ProtectionRequest(
        delivery=delivery,
        repository=repository,
        installation_id=installation,
        run_id=int(match.group(2)),
        environment=environment,
        sha=sha,
        ref=_text(_at(payload, "deployment", "ref")) or _text(payload.get("ref")),
        pull_request=number if isinstance(number, int) and not isinstance(number, bool) else None,
        actor=_text(_at(payload, "deployment", "creator", "login")) or _text(_at(payload, "sender", "login")),
        html_url=_text(_at(payload, "repository", "html_url")),
        event=_text(payload.get("event")),
    )


def gate_ask(request: ProtectionRequest, service: str, event_path: str, token: str | None,
             api_url: str) -> GateAsk:
    """The gate run for the event: the github source reads the event file as in Actions."""
    change: dict[str, Any] = {"commit": request.sha, "repository": request.repository,
                              "pipeline_run_id": str(request.run_id), "correlation_id": request.delivery}
    if request.ref:
        change["ref"] = request.ref
    if request.actor:
        change["actor"] = request.actor
    if request.pull_request is not None:
        change["pull_request"] = request.pull_request
    if request.html_url.startswith("https://"):
        change["run_url"] = f"{request.html_url}/actions/runs/{request.run_id}"
    env = {"GITHUB_REPOSITORY": request.repository, "GITHUB_EVENT_NAME": EVENT, "GITHUB_EVENT_PATH": event_path,
           "GITHUB_SHA": request.sha, "GITHUB_API_URL": api_url}
    if token:
        env["GITHUB_TOKEN"] = token
    return GateAsk("github", service=service, environment=request.environment, change=change, env=env)


def review_for(request: ProtectionRequest, answer: GateAnswer, console_url: str) -> Review:
    """approved only when the gate passes; the comment says the verdict, the top reasons and the record."""
    lines = [f"relgate: **{answer.verdict.upper()}** {markdown(str(answer.decision.get('service', '')))} → "
             f"{markdown(request.environment)} at {markdown_code(request.sha[:12])}"]
    if answer.passes and answer.verdict != "allow":
        lines[0] += " (warn mode: reported, not enforced)"
    reasons = answer.reasons(limit=6)
    lines.extend(f"- {markdown(reason[:300])}" for reason in reasons[:5])
    if len(reasons) > 5:
        lines.append("- …")
    if answer.audit_id:
        record = f"audit record {markdown_code(answer.audit_id)}"
        if console_url:
            record += f" ({console_url}/decisions/{answer.audit_id})"
        lines.append(record)
    return Review(request.repository, request.run_id, request.environment,
                  "approved" if answer.passes else "rejected", "\n".join(lines)[:3000])


def review_json(review: Review, installation_id: int) -> str:
    return json.dumps({**review.body(), "repository": review.repository, "run_id": review.run_id,
                       "installation_id": installation_id})


def review_from_json(text: str) -> tuple[Review, int]:
    data = json.loads(text)
    return (Review(data["repository"], int(data["run_id"]), data["environment_name"], data["state"],
                   data["comment"]), int(data["installation_id"]))
