"""Wiring: one Starlette application per worker process, its routes, and its dispatcher's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from relgate.config import load_config
from relgate.serve import api, console, console_indexes, flagger, github_endpoint, health, openapi
from relgate.serve.dispatcher import Dispatcher
from relgate.serve.github_app import GithubApp
from relgate.serve.ledger import Ledger
from relgate.serve.service import Service
from relgate.serve.settings import settings_from

CONFIG_ENV = "RELGATE_SERVE_CONFIG"  # how `relgate serve` hands the config path to its worker processes
log = logging.getLogger("relgate.serve")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _openapi(request: Request) -> Response:
    return JSONResponse(openapi.document())


def build_service(config_path: str, env: Mapping[str, str]) -> Service:
    config = load_config(config_path, env)
    settings = settings_from(config, env)
    ledger = Ledger(settings.queue_url)
    github = GithubApp(settings)
    return Service(settings, config, ledger, github, Dispatcher(settings, ledger, github))


def create_app(config_path: str, env: Mapping[str, str] | None = None) -> Starlette:
    service = build_service(config_path, os.environ if env is None else env)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runner = asyncio.get_running_loop().create_task(service.dispatcher.run())
        indexes = asyncio.get_running_loop().create_task(anyio.to_thread.run_sync(console_indexes.prepare,
                                                                                   service.config))
        try:
            yield
        finally:
            await service.dispatcher.stop()
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            if not indexes.done():
                indexes.cancel()

    routes = [
        Route("/healthz", health.healthz),
        Route("/readyz", health.readyz),
        Route("/metrics", health.metrics_endpoint),
        Route("/openapi.json", _openapi),
        Route("/github/webhook", github_endpoint.webhook, methods=["POST"]),
        Route("/flagger/{hook}", flagger.hook, methods=["POST"]),
        Route("/v1/gate", api.gate),
        Route("/v1/check", api.check, methods=["POST"]),
        Route("/v1/decisions/{id}", api.decision),
        Route("/", console.home),
        Route("/console.css", console.stylesheet),
        Route("/login", console.login, methods=["GET", "POST"]),
        Route("/logout", console.logout, methods=["POST"]),
        Route("/decisions", console.decisions),
        Route("/decisions/{id}", console.decision),
        Route("/decisions/{id}/raw", console.raw),
        Route("/reports", console.reports),
        Route("/verify", console.verify_page),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: _http_error})
    app.state.service = service
    return app


def app_from_env() -> Starlette:
    """The factory uvicorn's worker processes call."""
    from relgate.serve.command import configure_logging

    configure_logging()
    return create_app(os.environ[CONFIG_ENV])
