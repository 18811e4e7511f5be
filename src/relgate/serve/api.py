"""The generic API and the Argo Rollouts web metric: `/v1/check`, `/v1/gate`, `/v1/decisions/{id}`.

All three need the console token (or a trusted proxy user). Every verdict is a
200 with the decision in the body, so a caller reads `allowed`; a request the
gate cannot act on is a 4xx naming the field.
"""

from __future__ import annotations

import re
from typing import Any

import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from relgate.audit.store import open_store
from relgate.errors import AuditError
from relgate.serve.runner import GateAsk, run_gate
from relgate.serve.service import name_param, problem, read_json, require_reader, service_of

_HEX = re.compile(r"^[0-9a-fA-F]{7,64}$")
_RECORD_ID = re.compile(r"^[0-9a-fA-F-]{36}$")
CHECK_FIELDS = {"service", "environment", "commit", "artifact", "at", "mode", "override", "actor", "engine"}


def _revision_change(revision: str | None) -> dict[str, str]:
    """A git SHA is the change's commit; anything else (an image tag, a rollout revision) its artifact."""
    if not revision:
        return {}
    if len(revision) > 200:
        raise HTTPException(400, "revision: at most 200 characters")
    return {"commit": revision} if _HEX.match(revision) else {"artifact": revision}


async def gate(request: Request) -> Response:
    """GET /v1/gate?service=&environment=&revision= — for an AnalysisTemplate's web metric."""
    caller = require_reader(request)
    query = request.query_params
    ask = GateAsk(
        "argo",
        service=name_param(query.get("service"), "service"),
        environment=name_param(query.get("environment"), "environment"),
        change={**_revision_change(query.get("revision")), "actor": caller.user},
    )
    answer = await anyio.to_thread.run_sync(run_gate, service_of(request).settings, ask)
    return JSONResponse(answer.to_json())


async def check(request: Request) -> Response:
    """POST /v1/check — the CLI's `relgate check` over HTTP, with its per-run flags as JSON fields."""
    caller = require_reader(request)
    body = await read_json(request)
    if not isinstance(body, dict):
        return problem(400, "body: expected a JSON object")
    unknown = sorted(set(body) - CHECK_FIELDS)
    if unknown:
        return problem(400, f"body: unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(CHECK_FIELDS))})")
    for key, value in body.items():
        if value is not None and not isinstance(value, str):
            return problem(400, f"body.{key}: expected a string")
    actor = body.get("actor")
    if caller.method == "proxy":
        if actor is not None and actor != caller.user:
            return problem(403, "body.actor: behind the proxy you act as yourself; omit actor")
        actor = caller.user
    change: dict[str, Any] = {"actor": actor or caller.user}
    change.update(_revision_change(body.get("commit")))
    if body.get("artifact"):
        change["artifact"] = str(body["artifact"])[:200]
    options = {k: body[k] for k in ("at", "mode", "override", "engine") if body.get(k) is not None}
    if actor is not None:
        options["actor"] = actor
    ask = GateAsk("api", service=name_param(body.get("service"), "service"),
                  environment=name_param(body.get("environment"), "environment"), change=change, options=options)
    answer = await anyio.to_thread.run_sync(run_gate, service_of(request).settings, ask)
    return JSONResponse({**answer.to_json(), "result": dict(answer.decision)})


async def decision(request: Request) -> Response:
    """GET /v1/decisions/{id} — the whole audit record, as stored (chain fields and signature included)."""
    require_reader(request)
    wanted = request.path_params["id"]
    if not _RECORD_ID.match(wanted):
        return problem(400, "id: expected a record id (a UUID)")
    config = service_of(request).config

    def fetch() -> dict[str, Any]:
        return open_store(config.store_url, config.base_dir).get(wanted)

    try:
        record = await anyio.to_thread.run_sync(fetch)
    except AuditError as exc:
        if "no record" in str(exc):
            return problem(404, f"no decision {wanted}")
        return problem(503, "audit store unavailable")
    if record.get("id") != wanted:
        return problem(404, f"no decision {wanted}")
    return JSONResponse(record)
