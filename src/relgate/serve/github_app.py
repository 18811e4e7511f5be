"""Talking to GitHub as the App: a JWT (RS256), an installation token, and the protection-rule review.

The review goes to the configured API URL, never to the host named in the
webhook's `deployment_callback_url`, so a payload cannot send the installation
token elsewhere. Transient failures (network, 5xx, 429, rate-limited 403) are
retried here with backoff; what still fails is raised as CallbackError for the
dispatcher to reschedule.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
import requests

from relgate.redact import remember, scrub
from relgate.serve.settings import ServeSettings

API_VERSION = "2022-11-28"
USER_AGENT = "relgate-serve"
_RETRY_STATUS = {429, 500, 502, 503, 504}


class CallbackError(Exception):
    """The review could not be delivered; `permanent` when retrying cannot help (GitHub said 4xx)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Review:
    """The body GitHub's review endpoint takes, and where it goes."""

    repository: str
    run_id: int
    environment_name: str
    state: str
    comment: str

    def body(self) -> dict[str, str]:
        return {"environment_name": self.environment_name, "state": self.state, "comment": self.comment}


def app_jwt(app_id: str, key_pem: str, now: float | None = None) -> str:
    """The App's JWT: issued a minute in the past (clock drift), valid 9 minutes (GitHub allows 10)."""
    issued = int(now if now is not None else time.time()) - 60
    return jwt.encode({"iat": issued, "exp": issued + 600 - 60, "iss": app_id}, key_pem, algorithm="RS256")


class GithubApp:
    """Installation tokens (cached until shortly before they expire) and the review call."""

    def __init__(self, settings: ServeSettings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.api = settings.github_api_url
        self.sleep = sleep
        self._tokens: dict[tuple[int, str], tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.session = requests.Session()

    def _headers(self, auth: str) -> dict[str, str]:
        return {"Authorization": auth, "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION, "User-Agent": USER_AGENT}

    def installation_token(self, installation_id: int, repository: str) -> str:
        """A token for one installation, limited to the one repository being deployed."""
        if not (self.settings.app_id and self.settings.app_key):
            raise CallbackError("RELGATE_GITHUB_APP_ID and RELGATE_GITHUB_APP_KEY are not set")
        cache_key = (installation_id, repository)
        with self._lock:
            cached = self._tokens.get(cache_key)
            if cached and cached[1] > time.time() + 300:
                return cached[0]
        token_jwt = app_jwt(self.settings.app_id, self.settings.app_key)
        remember(token_jwt)
        name = repository.split("/", 1)[1]
        response = self._call("POST", f"{self.api}/app/installations/{installation_id}/access_tokens",
                              self._headers(f"Bearer {token_jwt}"), {"repositories": [name]}, expect=201)
        try:
            token = str(response["token"])
            expires = _expiry(str(response.get("expires_at", "")))
        except (KeyError, TypeError):
            raise CallbackError("installation token response without a token") from None
        remember(token)
        with self._lock:
            self._tokens[cache_key] = (token, expires)
        return token

    def send_review(self, review: Review, installation_id: int) -> None:
        token = self.installation_token(installation_id, review.repository)
        self._call("POST", f"{self.api}/repos/{review.repository}/actions/runs/{review.run_id}"
                           f"/deployment_protection_rule", self._headers(f"Bearer {token}"), review.body(),
                   expect=204)

    def _call(self, method: str, url: str, headers: Mapping[str, str], body: Any, expect: int,
              attempts: int = 3) -> Any:
        """One call with up to `attempts` tries on transient failures; the decoded JSON body (or None)."""
        delay = 0.5
        problem = ""
        for attempt in range(1, attempts + 1):
            try:
                response = self.session.request(method, url, headers=dict(headers), json=body, timeout=10)
            except requests.RequestException as exc:
                problem = f"{method} {url}: {type(exc).__name__}"
            else:
                if response.status_code in (expect, 200, 201, 204):
                    return response.json() if response.content else None
                problem = f"{method} {url}: HTTP {response.status_code}: {response.text[:200]}"
                limited = response.status_code == 403 and response.headers.get("x-ratelimit-remaining") == "0"
                if response.status_code not in _RETRY_STATUS and not limited:
                    raise CallbackError(scrub(problem), permanent=response.status_code not in (401, 403))
                wait = response.headers.get("retry-after", "")
                if wait.isdigit():
                    delay = min(float(wait), 30.0)
            if attempt < attempts:
                self.sleep(delay)
                delay *= 2
        raise CallbackError(scrub(problem))


def _expiry(text: str) -> float:
    from relgate.timeutil import parse_ns

    try:
        return parse_ns(text) / 1e9
    except ValueError:
        return time.time() + 1800  # GitHub's tokens live an hour; assume half when it does not say
