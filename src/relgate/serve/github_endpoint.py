"""`POST /github/webhook`: signature first, then the delivery is stored once and answered 202."""

from __future__ import annotations

import json
import logging
import time

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from relgate.errors import AuditError
from relgate.serve import metrics
from relgate.serve.github_webhook import EVENT, MAX_BODY, BadEvent, delivery_id, parse_request, signature_valid
from relgate.serve.service import problem, read_body, service_of

log = logging.getLogger("relgate.serve")


async def webhook(request: Request) -> Response:
    service = service_of(request)
    secret = service.settings.webhook_secret
    if secret is None:
        metrics.WEBHOOKS.labels("github", "unconfigured").inc()
        return problem(401, "webhook secret not configured (RELGATE_WEBHOOK_SECRET)")
    body = await read_body(request, MAX_BODY)
    if not signature_valid(secret, body, request.headers.get("x-hub-signature-256", "")):
        metrics.WEBHOOKS.labels("github", "bad-signature").inc()
        return problem(401, "X-Hub-Signature-256: missing or does not match the body")
    event = request.headers.get("x-github-event", "")
    if event == "ping":
        return JSONResponse({"status": "pong"})
    try:
        delivery = delivery_id(request.headers.get("x-github-delivery", ""))
        payload = json.loads(body)
        if event != EVENT or not isinstance(payload, dict) or payload.get("action") != "requested":
            metrics.WEBHOOKS.labels("github", "ignored").inc()
            return JSONResponse({"status": "ignored", "event": event[:60]}, status_code=202)
        parse_request(delivery, payload)
    except (BadEvent, ValueError, UnicodeDecodeError) as exc:
        metrics.WEBHOOKS.labels("github", "bad-request").inc()
        log.warning("github webhook refused: %s", exc)
        return problem(400, str(exc) if isinstance(exc, BadEvent) else "body: expected a JSON event")
    try:
        fresh = await anyio.to_thread.run_sync(service.ledger.offer, delivery, "github", body.decode(), time.time())
    except AuditError as exc:  # not stored: say so, and GitHub's redelivery can bring it again
        metrics.WEBHOOKS.labels("github", "unavailable").inc()
        log.error("github delivery %s not stored: %s", delivery, exc)
        return problem(503, "delivery queue unavailable; redeliver later")
    if not fresh:
        metrics.WEBHOOKS.labels("github", "duplicate").inc()
        job = await anyio.to_thread.run_sync(service.ledger.get, delivery)
        return JSONResponse({"status": "duplicate", "delivery": delivery, "state": job.state if job else None})
    metrics.WEBHOOKS.labels("github", "queued").inc()
    service.dispatcher.start_now(delivery)
    return JSONResponse({"status": "queued", "delivery": delivery}, status_code=202)
