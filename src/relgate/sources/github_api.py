"""A small GitHub REST client: pagination, rate limits and retries within one deadline.

The token goes only into the Authorization header; no message built here
contains it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from relgate.errors import SourceError

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
API_VERSION = "2022-11-28"


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
        self._session = session or requests.Session()
        self._headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "relgate",
        }
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._sleep = sleep
        self._now = wall_clock
        self._deadline = wall_clock() + timeout_s
        self._retries = retries

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One resource under /repos/{repo}; `path` starts after the repo, e.g. `/pulls/12`."""
        return self._request(f"{self.base}/repos/{self.repo}{path}", params, path).json()

    def get_all(self, path: str, params: Mapping[str, Any] | None = None, items: str | None = None) -> list[Any]:
        """Every page of a list, following `Link: rel="next"` to the end."""
        url: str | None = f"{self.base}/repos/{self.repo}{path}"
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        collected: list[Any] = []
        while url:
            response = self._request(url, query, path)
            body = response.json()
            page = body.get(items, []) if items and isinstance(body, dict) else body
            if not isinstance(page, list):
                raise SourceError(f"github {self.repo}: {path}: expected a list in the response")
            collected.extend(page)
            match = _NEXT.search(response.headers.get("Link", ""))
            url, query = (match.group(1), None) if match else (None, None)
        return collected

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
            except requests.RequestException as exc:
                if attempt > self._retries:
                    failure = f"{type(exc).__name__} after {attempt} tries"
                    raise SourceError(f"github {self.repo}: {what}: {failure}") from None
                self._wait(min(2 ** (attempt - 1) * 0.5, 8), what, "network error")
                continue
            status = response.status_code
            if status < 300:
                return response
            wait = self._rate_limit_wait(response)
            if wait is not None:
                self._wait(wait, what, f"rate limited ({status})")
                continue
            if status >= 500 and attempt <= self._retries:
                self._wait(min(2 ** (attempt - 1) * 0.5, 8), what, f"server error {status}")
                continue
            raise SourceError(self._explain(status, what, response))

    def _rate_limit_wait(self, response: requests.Response) -> float | None:
        """Seconds to wait before retrying a 403/429 rate limit; None when it is not one."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(float(retry_after), 0.0)
            except ValueError:
                return 60.0
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = response.headers.get("x-ratelimit-reset")
            try:
                return max(float(reset or 0) - self._now(), 0.0) + 1.0
            except ValueError:
                return 60.0
        return 60.0 if response.status_code == 429 else None

    def _wait(self, seconds: float, what: str, why: str) -> None:
        if self._now() + seconds > self._deadline:
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
        return f"github {self.repo}: {what}: {reason}" + (f" ({message})" if message else "")
