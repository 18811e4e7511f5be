"""Run the configured sources side by side, each under its own timeout."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, InvalidStateError, wait
from dataclasses import dataclass

from relgate.errors import RelgateError, describe
from relgate.redact import scrub
from relgate.sources import source_class
from relgate.sources.interface import Evidence, GatherRequest, Source, SourceSpec


@dataclass(frozen=True)
class SourceRun:
    """What one source produced, or why it did not."""

    spec: SourceSpec
    status: str
    duration_ms: float
    evidence: Evidence
    error: str | None = None

    @property
    def failed_required(self) -> bool:
        return self.status == "error" and self.spec.required

    def to_status(self) -> dict[str, object]:
        status: dict[str, object] = {
            "type": self.spec.type,
            "status": self.status,
            "required": self.spec.required,
            "duration_ms": round(self.duration_ms, 3),
        }
        if self.error:
            status["error"] = self.error
        return status


def _collect(source: Source, request: GatherRequest, future: Future[Evidence]) -> None:
    """Run one source and hand over its outcome, unless the run already gave up on it (nobody is waiting)."""
    try:
        outcome = source.collect(request)
    except BaseException as exc:  # handed to the caller, who turns it into the source's error
        with contextlib.suppress(InvalidStateError):  # cancelled: the source timed out
            future.set_exception(exc)
        return
    with contextlib.suppress(InvalidStateError):
        future.set_result(outcome)


def run_sources(specs: Sequence[SourceSpec], request: GatherRequest) -> tuple[SourceRun, ...]:
    """Collect from every source concurrently; a crash or timeout becomes that source's error.

    Each source runs on a daemon thread: one that overruns its timeout is reported
    and abandoned at once, and cannot keep the process (and the pipeline) waiting:
    the process exits as soon as the decision is made. Sources themselves must not
    start non-daemon threads (a ThreadPoolExecutor's workers are joined at exit).
    """
    started: dict[str, float] = {}
    futures: list[Future[Evidence]] = []
    for spec in specs:
        future: Future[Evidence] = Future()
        started[spec.name] = time.perf_counter()
        thread = threading.Thread(target=_collect, args=(source_class(spec.type)(spec), request, future),
                                  name=f"relgate-source-{spec.name}", daemon=True)
        thread.start()
        futures.append(future)
    runs: list[SourceRun] = []
    for spec, future in zip(specs, futures, strict=True):
        remaining = spec.timeout_s - (time.perf_counter() - started[spec.name])
        wait([future], timeout=max(remaining, 0.0))
        elapsed = (time.perf_counter() - started[spec.name]) * 1000
        runs.append(_outcome(spec, future, elapsed))
    return tuple(runs)


def _outcome(spec: SourceSpec, future: Future[Evidence], elapsed_ms: float) -> SourceRun:
    if not future.done():
        future.cancel()
        message = f"source {spec.name!r} timed out after {spec.timeout_s:g}s"
        return SourceRun(spec, "error", elapsed_ms, {}, message)
    error = future.exception()
    if error is None:
        return SourceRun(spec, "ok", elapsed_ms, future.result())
    if isinstance(error, RelgateError):
        return SourceRun(spec, "error", elapsed_ms, {}, scrub(str(error)))
    # A bug in a source must still fail closed, and say where it happened.
    message = f"source {spec.name!r} failed: {describe(error)}"
    return SourceRun(spec, "error", elapsed_ms, {}, scrub(message))
