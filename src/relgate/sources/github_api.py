"""A small GitHub REST client: pagination, rate limits and retries within one deadline.

The token goes only into the Authorization header, and only to the configured
API origin: a pagination link or redirect to another scheme, host or port is an
error, never a request. No message built here contains the token.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from relgate.errors import ConfigError, SourceError
from relgate.outbound import (
    CrossOriginRedirect,
    bind_to_origin,
    checked_token,
    network_reason,
    require_encrypted,
    same_origin,
    show_origin,
)
from relgate.redact import scrub

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
API_VERSION = "2022-11-28"
MAX_PAGES = 100  # 10,000 items at 100 a page: more reviews or check runs than any real change has


class GithubClient:
    """GET-only access to one repository's REST API, bounded by `timeout_s` in total."""

    def __init__(
        self,
        api_url: str,
        repo: str,
        token: str | None,
        timeout_s: float,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        retries: int = 3,
    ) -> None:
        self.base = api_url.rstrip("/")
        self.repo = repo
        self.calls = 0
        self._session = bind_to_origin(session or requests.Session(), self.base)
        self._headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "relgate",
        }
        if token:
            try:
                require_encrypted(self.base, f"github {repo}: api_url")
                self._headers["Authorization"] = f"Bearer {checked_token(token, f'github {repo}: token')}"
            except ConfigError as exc:
                raise SourceError(str(exc)) from None
        self._sleep = sleep
        self._now = wall_clock
        self._deadline = wall_clock() + timeout_s
        self._retries = retries

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One resource under /repos/{repo}; `path` starts after the repo, e.g. `/pulls/12`."""
        return self._json(self._request(f"{self.base}/repos/{self.repo}{path}", params, path), path)

    def get_all(self, path: str, params: Mapping[str, Any] | None = None, items: str | None = None) -> list[Any]:
        """Every page of a list, following `Link: rel="next"` to the end, on the API's own origin only."""
        url: str | None = f"{self.base}/repos/{self.repo}{path}"
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        collected: list[Any] = []
        pages = 0
        while url:
            pages += 1
            if pages > MAX_PAGES:
                raise SourceError(f"github {self.repo}: {path}: more than {MAX_PAGES} pages; refusing to read on")
            response = self._request(url, query, path)
            body = self._json(response, path)
            page = body.get(items) if items and isinstance(body, dict) else body
            if not isinstance(page, list):
                wanted = f"an object with a list under {items!r}" if items else "a list"
                raise SourceError(f"github {self.repo}: {path}: expected {wanted} in the response")
            collected.extend(page)
            match = _NEXT.search(response.headers.get("Link", ""))
            url, query = (match.group(1), None) if match else (None, None)
            if url and not same_origin(url, self.base):
                raise SourceError(
                    f"github {self.repo}: {path}: the next page is on another origin "
                    f"({scrub(show_origin(url))}, not {scrub(show_origin(self.base))}); "
                    "relgate does not send the token there"
                )
        return collected

    def _json(self, response: requests.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type").split(";")[0].strip()[:60]
            raise SourceError(
                f"github {self.repo}: {what}: expected JSON from the GitHub API, got {scrub(kind)!r} "
                f"(HTTP {response.status_code}); is api_url the REST API root?"
            ) from None

    def _request(self, url: str, params: Mapping[str, Any] | None, what: str) -> requests.Response:
        attempt = 0
        while True:
            attempt += 1
            remaining = self._deadline - self._now()
            if remaining <= 0:
                raise SourceError(f"github {self.repo}: {what}: out of time (source timeout reached)")
            self.calls += 1
            try:
                response = self._session.get(url, params=params, headers=self._headers, timeout=remaining)
            except CrossOriginRedirect as exc:
                raise SourceError(f"github {self.repo}: {what}: {exc}") from None
            except requests.RequestException as exc:
                if attempt > self._retries:
                    raise SourceError(f"github {self.repo}: {what}: {network_reason(exc)} after {attempt} tries") \
                        from None
                self._wait(min(2 ** (attempt - 1) * 0.5, 8), what, network_reason(exc))
                continue
            status = response.status_code
            if status < 300:
                return response
            wait = self._rate_limit_wait(response, what)
            if wait is not None:
                self._wait(wait, what, f"rate limited ({status})")
                continue
            if status >= 500 and attempt <= self._retries:
                self._wait(min(2 ** (attempt - 1) * 0.5, 8), what, f"server error {status}")
                continue
            raise SourceError(self._explain(status, what, response))

    def _rate_limit_wait(self, response: requests.Response, what: str) -> float | None:
        """Seconds to wait before retrying a 403/429 rate limit; None when it is not one."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("retry-after")
        if retry_after is not None:
            return self._retry_after(retry_after, what, response.status_code)
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = response.headers.get("x-ratelimit-reset", "")
            if not reset.strip().isdigit():
                raise SourceError(
                    f"github {self.repo}: {what}: rate limited ({response.status_code}) with an unreadable "
                    f"x-ratelimit-reset header {scrub(reset)[:40]!r}; expected epoch seconds"
                )
            return max(float(reset) - self._now(), 0.0) + 1.0
        return 60.0 if response.status_code == 429 else None

    def _retry_after(self, value: str, what: str, status: int) -> float:
        """RFC 9110 Retry-After: a number of seconds or an HTTP date."""
        text = value.strip()
        if text.isdigit():
            return float(text)
        try:
            when = parsedate_to_datetime(text).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            when = math.nan
        if math.isfinite(when):
            return max(when - self._now(), 0.0)
        raise SourceError(
            f"github {self.repo}: {what}: rate limited ({status}) with an unreadable Retry-After header "
            f"{scrub(text)[:40]!r}; expected seconds or an HTTP date"
        )

    def _wait(self, seconds: float, what: str, why: str) -> None:
        if not self._now() + seconds <= self._deadline:
            raise SourceError(
                f"github {self.repo}: {what}: {why}; retrying needs {seconds:.0f}s, more than the source timeout left"
            )
        self._sleep(seconds)

    def _explain(self, status: int, what: str, response: requests.Response) -> str:
        message = ""
        try:
            body = response.json()
            message = str(body.get("message", ""))[:200] if isinstance(body, dict) else ""
        except ValueError:
            pass
        reasons = {
            401: "GitHub rejected the token (401 Bad credentials); check `token`",
            403: "forbidden (403): the token lacks permission",
            404: "not found (404): the repository or resource does not exist, or the token cannot see it",
        }
        reason = reasons.get(status, f"HTTP {status}")
        return f"github {self.repo}: {what}: {reason}" + (f" ({scrub(message)})" if message else "")
