"""Prometheus' HTTP query API, read as documented, within one deadline for the whole source.

`/api/v1/query` answers `{"status", "data": {"resultType", "result"}}`; an SLO
query must give one number, so a vector of one sample or a scalar is read and
anything else (several series, a string, a matrix, malformed JSON) is an error
that says which. Queries run on daemon threads: a hung server cannot keep the
source, or the process, past its timeout.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests

from relgate.errors import RelgateError, SourceError
from relgate.outbound import CrossOriginRedirect, network_reason
from relgate.redact import scrub

T = TypeVar("T")
RETRIES = 3
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_WORKERS = 8


@dataclass(frozen=True)
class PromEndpoint:
    """One Prometheus server as configured: where, which headers, and until when it may be asked."""

    url: str
    headers: Mapping[str, str]
    deadline: float
    timeout_s: float
    session: requests.Session

    def instant(self, where: str, query: str, at: float) -> float | None:
        """The value of an instant query at `at` (epoch seconds); None when it returned no sample."""
        context = f"{where}: query {query!r}"
        response = self._get({"query": query, "time": f"{at:.3f}"}, f"{context} failed")
        return _value(_body(response, context), context)

    def _get(self, params: Mapping[str, str], where: str) -> requests.Response:
        for attempt in range(RETRIES + 1):
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise SourceError(f"{where}: no answer within the source timeout ({self.timeout_s:g}s)")
            try:
                response = self.session.get(f"{self.url}/api/v1/query", params=params, headers=dict(self.headers),
                                            timeout=remaining)
            except CrossOriginRedirect as exc:
                raise SourceError(f"{where}: {exc}") from None
            except requests.RequestException as exc:
                if attempt == RETRIES:
                    raise SourceError(f"{where}: {network_reason(exc)} after {attempt + 1} tries") from None
                self._pause(0.2 * 2 ** attempt, where, network_reason(exc))
                continue
            if response.status_code not in _RETRY_STATUS or attempt == RETRIES:
                return response
            wait = _retry_after(response.headers.get("Retry-After"))
            self._pause(0.2 * 2 ** attempt if wait is None else wait, where, f"HTTP {response.status_code}")
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _pause(self, seconds: float, where: str, why: str) -> None:
        if not time.monotonic() + seconds < self.deadline:
            raise SourceError(
                f"{where}: {why}; retrying needs {seconds:.0f}s, beyond the source timeout ({self.timeout_s:g}s)"
            )
        time.sleep(seconds)


def _retry_after(value: str | None) -> float | None:
    """RFC 9110 Retry-After (seconds or an HTTP date); None when absent or unreadable (then: backoff)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        return max(parsedate_to_datetime(text).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _body(response: requests.Response, where: str) -> Mapping[str, Any]:
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type").split(";")[0].strip()[:60]
        raise SourceError(
            f"{where}: Prometheus answered HTTP {response.status_code} with malformed JSON ({scrub(kind)}); "
            "is `url` the Prometheus server root?"
        ) from None
    if not isinstance(body, Mapping) or body.get("status") not in ("success", "error"):
        raise SourceError(f"{where}: HTTP {response.status_code}: not a Prometheus API response (no status)")
    if body["status"] == "error" or response.status_code >= 300:
        kind, message = str(body.get("errorType", "")), str(body.get("error", ""))
        detail = f"{kind}: {message}" if kind else message
        raise SourceError(f"{where}: Prometheus refused it (HTTP {response.status_code}): {scrub(detail)[:300]}")
    return body


def _value(body: Mapping[str, Any], where: str) -> float | None:
    data = body.get("data")
    kind = data.get("resultType") if isinstance(data, Mapping) else None
    result = data.get("result") if isinstance(data, Mapping) else None
    if kind == "vector" and isinstance(result, list):
        if not result:
            return None
        if len(result) > 1:
            raise SourceError(f"{where}: returned {len(result)} series; an SLO query must give one "
                              "(aggregate it, e.g. with sum())")
        sample = result[0].get("value") if isinstance(result[0], Mapping) else None
        return _number(sample, where)
    if kind == "scalar":
        return _number(result, where)
    if kind in ("string", "matrix"):
        raise SourceError(f"{where}: returned a {kind} result; expected an instant vector or a scalar")
    raise SourceError(f"{where}: the response has no readable data.resultType/result")


def _number(sample: Any, where: str) -> float | None:
    """A sample `[timestamp, "value"]`; NaN and infinities are no data, never a number to compare."""
    if not (isinstance(sample, list) and len(sample) == 2 and isinstance(sample[1], str)):
        raise SourceError(f"{where}: a sample is not [timestamp, \"value\"]")
    try:
        value = float(sample[1])
    except ValueError:
        raise SourceError(f"{where}: sample value {scrub(sample[1])[:40]!r} is not a number") from None
    return None if math.isnan(value) or math.isinf(value) else value


def run_bounded(tasks: Sequence[Callable[[], T]], deadline: float, where: str, timeout_s: float) -> list[T]:
    """Run tasks on up to MAX_WORKERS daemon threads; the first error, or the deadline, ends the wait.

    Daemon threads, not a ThreadPoolExecutor: its workers are joined when the
    interpreter exits, so one hung request would hold the whole run.
    """
    results: list[Any] = [None] * len(tasks)
    failures: list[BaseException] = []
    state = {"next": 0, "done": 0}
    cond = threading.Condition()

    def work() -> None:
        while True:
            with cond:
                if failures or state["next"] >= len(tasks):
                    return
                index = state["next"]
                state["next"] += 1
            try:
                outcome = tasks[index]()
            except BaseException as exc:  # handed to the waiting thread
                with cond:
                    failures.append(exc)
                    cond.notify_all()
                return
            with cond:
                results[index] = outcome
                state["done"] += 1
                cond.notify_all()

    for n in range(min(MAX_WORKERS, len(tasks))):
        threading.Thread(target=work, name=f"relgate-prom-{n}", daemon=True).start()
    with cond:
        while not failures and state["done"] < len(tasks):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SourceError(f"{where}: no answer within the source timeout ({timeout_s:g}s)")
            cond.wait(remaining)
    if failures:
        error = failures[0]
        if isinstance(error, RelgateError):
            raise error
        raise SourceError(f"{where}: query failed: {type(error).__name__}: {scrub(str(error))[:200]}")
    return results
