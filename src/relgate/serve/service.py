"""The pieces one worker process shares between its endpoints, and small HTTP helpers they all use."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from relgate.config import Config
from relgate.serve.auth import Reader, reader
from relgate.serve.dispatcher import Dispatcher
from relgate.serve.github_app import GithubApp
from relgate.serve.ledger import Ledger
from relgate.serve.settings import ServeSettings

MAX_API_BODY = 1024 * 1024
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")


@dataclass(frozen=True)
class Service:
    settings: ServeSettings
    config: Config
    ledger: Ledger
    github: GithubApp
    dispatcher: Dispatcher


def service_of(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


def problem(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused (413) past `limit` bytes without reading the rest."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int = MAX_API_BODY) -> Any:
    body = await read_body(request, limit)
    try:
        return json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, "body: expected JSON") from None


def require_reader(request: Request) -> Reader:
    """The authenticated caller, or 401 (nothing under /v1, the console or /metrics is open)."""
    found = reader(request, service_of(request).settings)
    if found is None:
        raise HTTPException(401, "authentication required: Authorization: Bearer <RELGATE_CONSOLE_TOKEN> "
                                 "or a trusted proxy's user header", headers={"WWW-Authenticate": "Bearer"})
    return found


def name_param(value: Any, field: str) -> str | None:
    """A service or environment name from a request: letters, digits, `._/-`, at most 100 characters."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not NAME.match(value):
        raise HTTPException(400, f"{field}: expected a name of letters, digits and ._/- (at most 100), "
                                 f"got {str(value)[:40]!r}")
    return value
