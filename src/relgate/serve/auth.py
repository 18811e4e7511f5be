"""Who may read the console and call `/v1/*`: a bearer token, or a user named by a trusted reverse proxy.

Nothing is open by default: with neither a token nor a trusted proxy configured,
every request is refused. Comparisons are constant-time. The proxy header counts
only when the TCP peer is one of `serve.trusted_proxies` (the server runs without
uvicorn's proxy-header rewriting, so the peer address is the real one).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from relgate.serve.settings import ServeSettings

SESSION_COOKIE = "relgate_session"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Reader:
    """An authenticated caller: how it proved itself and, behind a proxy, the user's name."""

    method: str
    user: str


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def reader(request: HTTPConnection, settings: ServeSettings) -> Reader | None:
    """The caller, or None when it has not proved who it is."""
    token = settings.console_token
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if token and scheme.lower() == "bearer" and same(value.strip(), token):
        return Reader("token", "console-token")
    if token and session_valid(request.cookies.get(SESSION_COOKIE, ""), token):
        return Reader("session", "console-token")
    user = request.headers.get(settings.proxy_user_header, "").strip()
    if user and _from_trusted_proxy(request, settings):
        return Reader("proxy", user[:200])
    return None


def _from_trusted_proxy(request: HTTPConnection, settings: ServeSettings) -> bool:
    if not settings.trusted_proxies or request.client is None:
        return False
    try:
        peer = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    return any(peer in network for network in settings.trusted_proxies)


def _session_mac(expires: int, token: str) -> str:
    return hmac.new(hashlib.sha256(token.encode()).digest(), f"relgate-console:{expires}".encode(),
                    hashlib.sha256).hexdigest()


def new_session(token: str, now: float | None = None) -> str:
    """A cookie value proving the console token was presented, without containing it."""
    expires = int((now or time.time()) + SESSION_SECONDS)
    return f"{expires}.{_session_mac(expires, token)}"


def session_valid(value: str, token: str, now: float | None = None) -> bool:
    expires_text, _, mac = value.partition(".")
    if not expires_text.isdigit() or not mac:
        return False
    expires = int(expires_text)
    return expires > (now or time.time()) and same(mac, _session_mac(expires, token))
