"""`/healthz` (the process answers), `/readyz` (queue, audit store and engine usable), `/metrics`.

Probes are open so an orchestrator can call them, and say only ok/unavailable per
component; the reasons go to the log. `/metrics` needs the console token like `/v1/*`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from relgate.config import Config
from relgate.engines import make_engine
from relgate.errors import RelgateError
from relgate.policy import load_policies
from relgate.redact import scrub
from relgate.serve import metrics
from relgate.serve.service import require_reader, service_of

log = logging.getLogger("relgate.serve")
_CACHE_SECONDS = 5.0
_cache: dict[str, Any] = {"at": 0.0, "result": None}


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _store_ready(config: Config) -> None:
    url = config.store_url
    if url.startswith(("postgresql://", "postgres://")):
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
        return
    path = Path(url.split(":", 1)[1]) if url.startswith(("jsonl:", "sqlite:")) else Path(url)
    path = path if path.is_absolute() else config.base_dir / path
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir() or not (path.exists() or _writable(folder)):
        raise RelgateError(f"{path}: cannot create the audit log here")


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK | os.X_OK)


def _engine_ready(config: Config) -> None:
    policies = load_policies(config.policies, config.base_dir)
    engine = make_engine(config.engine, config.opa)
    engine.load(policies, {"config": dict(config.data), "waivers": []})


def readiness(request: Request) -> dict[str, str]:
    service = service_of(request)
    checks: dict[str, Callable[[], None]] = {
        "queue": service.ledger.ping,
        "store": lambda: _store_ready(service.config),
        "engine": lambda: _engine_ready(service.config),
    }
    result = {}
    for name, probe in checks.items():
        try:
            probe()
            result[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log only
            log.warning("readiness: %s unavailable: %s", name, scrub(str(exc))[:300])
            result[name] = "unavailable"
    return result


async def readyz(request: Request) -> Response:
    now = time.monotonic()
    if _cache["result"] is None or now - _cache["at"] > _CACHE_SECONDS:
        _cache["result"] = await anyio.to_thread.run_sync(readiness, request)
        _cache["at"] = now
    result: dict[str, str] = _cache["result"]
    ready = all(v == "ok" for v in result.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": result},
                        status_code=200 if ready else 503)


async def metrics_endpoint(request: Request) -> Response:
    require_reader(request)
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
