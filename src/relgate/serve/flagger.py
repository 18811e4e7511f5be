"""Flagger webhooks: `POST /flagger/{hook}` answers 200 to let a canary go on and 403 to halt it.

The canary (`namespace`/`name`) is mapped to a service and environment by
`serve.flagger.targets`; a canary not listed is halted, never waved through.
`rollback` hooks invert the answer, as Flagger reads them: a 2xx *triggers* the
rollback, so the gate answers 200 when it does not pass (deny or error) and 403
when it passes. With RELGATE_FLAGGER_TOKEN set, `metadata.token` must carry it.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from relgate.serve import metrics
from relgate.serve.auth import same
from relgate.serve.runner import GateAnswer, GateAsk, run_gate
from relgate.serve.service import problem, read_json, service_of
from relgate.serve.settings import FlaggerTarget, ServeSettings

HOOKS = ("confirm-rollout", "pre-rollout", "confirm-traffic-increase", "confirm-promotion", "rollback")
ROLLBACK = "rollback"


def target_for(settings: ServeSettings, namespace: str, name: str) -> FlaggerTarget | None:
    return next((t for t in settings.flagger_targets if t.namespace == namespace and t.name == name), None)


def _status(hook: str, answer: GateAnswer) -> int:
    proceed = answer.passes
    if hook == ROLLBACK:
        return 403 if proceed else 200
    return 200 if proceed else 403


def _text(value: Any, limit: int = 253) -> str:
    return value[:limit] if isinstance(value, str) else ""


async def hook(request: Request) -> Response:
    name_of_hook = request.path_params["hook"]
    if name_of_hook not in HOOKS:
        return problem(404, f"unknown Flagger hook {name_of_hook[:40]!r} (known: {', '.join(HOOKS)})")
    settings = service_of(request).settings
    body = await read_json(request)
    if not isinstance(body, dict):
        metrics.WEBHOOKS.labels("flagger", "bad-request").inc()
        return problem(400, "body: expected Flagger's JSON object {name, namespace, phase, metadata}")
    found = body.get("metadata")
    metadata: dict[str, Any] = found if isinstance(found, dict) else {}
    if settings.flagger_token is not None:
        given = metadata.get("token")
        if not isinstance(given, str) or not same(given, settings.flagger_token):
            metrics.WEBHOOKS.labels("flagger", "unauthorized").inc()
            return problem(401, "metadata.token: missing or wrong (RELGATE_FLAGGER_TOKEN is set)")
    name, namespace = _text(body.get("name")), _text(body.get("namespace"))
    if not name or not namespace:
        return problem(400, "body.name and body.namespace: expected the canary's name and namespace")
    target = target_for(settings, namespace, name)
    if target is None:
        metrics.WEBHOOKS.labels("flagger", "unmapped").inc()
        halted = 200 if name_of_hook == ROLLBACK else 403
        return JSONResponse({"allowed": False, "decision": "error", "hook": name_of_hook, "audit_id": None,
                             "reasons": [f"canary {namespace}/{name} is not listed under serve.flagger.targets"]},
                            status_code=halted)
    change: dict[str, Any] = {"correlation_id": f"flagger:{namespace}/{name}:{_text(body.get('checksum'), 100)}"}
    revision = metadata.get("revision") or metadata.get("commit")
    if isinstance(revision, str) and revision:
        change["commit"] = revision[:100]
    if body.get("checksum"):
        change["artifact"] = f"{namespace}/{name}@{_text(body.get('checksum'), 100)}"
    ask = GateAsk("flagger", service=target.service, environment=target.environment, change=change)
    answer = await anyio.to_thread.run_sync(run_gate, settings, ask)
    metrics.WEBHOOKS.labels("flagger", answer.verdict).inc()
    return JSONResponse({**answer.to_json(), "hook": name_of_hook, "phase": _text(body.get("phase"), 40),
                         "reasons": answer.reasons()}, status_code=_status(name_of_hook, answer))
