"""Outbound HTTP: credentials go only to the origin they were configured for.

A token or header given for `https://prometheus:9090` must not follow a redirect
or a pagination link to another scheme, host or port. Header values are checked
before any request, so a value with a line break can neither split a request
nor end up quoted in an HTTP library's error message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from relgate.errors import ConfigError
from relgate.redact import remember, scrub

_TOKEN_CHARS = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 field-name
_FIELD_VALUE = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$")  # visible ASCII, inner spaces/tabs


class CrossOriginRedirect(requests.RequestException):
    """A server redirected a credentialed request to another origin; relgate did not follow."""


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(scheme, 0)
    return scheme, (parts.hostname or "").lower(), port or default


def show_origin(url: str) -> str:
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}"


def same_origin(url: str, base: str) -> bool:
    return origin(url) == origin(base)


def bind_to_origin(session: requests.Session, base_url: str) -> requests.Session:
    """Make `session` refuse any redirect that leaves `base_url`'s origin (raising CrossOriginRedirect)."""

    def refuse_cross_origin(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        if response.is_redirect:
            target = urljoin(response.url, response.headers.get("location", ""))
            if not same_origin(target, base_url):
                raise CrossOriginRedirect(
                    f"redirected to {scrub(show_origin(target))}; credentials are only sent to "
                    f"{scrub(show_origin(base_url))}, so the redirect was not followed"
                )
        return response

    session.hooks.setdefault("response", []).append(refuse_cross_origin)
    return session


def require_encrypted(url: str, where: str) -> None:
    """Refuse to send a credential over plain HTTP to anything but this machine (loopback)."""
    scheme, host, _ = origin(url)
    if scheme == "https" or host in ("localhost", "::1") or host.startswith("127."):
        return
    raise ConfigError(f"{where}: refusing to send a token to {scrub(show_origin(url))} without TLS; use https://")


def bound_session(base_url: str) -> requests.Session:
    """A new requests session that stays on `base_url`'s origin."""
    return bind_to_origin(requests.Session(), base_url)


def checked_headers(headers: Mapping[Any, Any] | None, where: str) -> dict[str, str]:
    """Header names and values as HTTP allows them; an error names the header, never its value.

    Every value is remembered as a secret: whatever a header carries is kept out of outputs.
    """
    out: dict[str, str] = {}
    for name, value in (headers or {}).items():
        text = "" if value is None else str(value)
        remember(text)
        if not isinstance(name, str) or not _TOKEN_CHARS.fullmatch(name):
            raise ConfigError(f"{where}: header name {scrub(str(name))[:60]!r} is not a valid HTTP field name")
        if isinstance(value, Mapping | list) or not _FIELD_VALUE.fullmatch(text):
            raise ConfigError(
                f"{where}.{name}: a header value must be one line of visible ASCII without leading or trailing "
                "space (the value is not shown)"
            )
        out[name] = text
    return out


def checked_token(token: str, where: str) -> str:
    """A bearer credential that can go into a header as it is; the error never shows it."""
    remember(token)
    if not _FIELD_VALUE.fullmatch(token) or any(c.isspace() for c in token):
        raise ConfigError(
            f"{where}: the token contains whitespace, a line break or a non-ASCII character "
            "(check how the secret was set; the value is not shown)"
        )
    return token


def network_reason(exc: requests.RequestException) -> str:
    """What went wrong on the wire, in words, without the request (its headers may carry a token)."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (certificate or protocol)"
    if isinstance(exc, requests.exceptions.ProxyError):
        return "the proxy refused the connection"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, requests.exceptions.InvalidHeader):
        return "a request header is not valid HTTP"
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema
                  | requests.exceptions.InvalidSchema):
        return "the URL is not valid"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return "the response was cut off or could not be decoded"
    return f"request failed ({type(exc).__name__})"
