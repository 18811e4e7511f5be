"""Run the configured sources side by side, each under its own timeout."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
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


class _Outcome:
    """One source's evidence or exception, handed over once, with when it arrived.

    A plain event and lock rather than concurrent.futures (whose import pulls in
    logging): a run that gave up on the source (timed out) ignores whatever comes later.
    """

    def __init__(self) -> None:
        self._arrived = threading.Event()
        self._lock = threading.Lock()
        self._abandoned = False
        self.evidence: Evidence = {}
        self.error: BaseException | None = None
        self.finished = 0.0

    def settle(self, evidence: Evidence, error: BaseException | None) -> None:
        with self._lock:
            if self._abandoned or self._arrived.is_set():
                return
            self.evidence, self.error, self.finished = evidence, error, time.perf_counter()
            self._arrived.set()

    def wait(self, timeout: float) -> bool:
        return self._arrived.wait(timeout)

    def done(self) -> bool:
        return self._arrived.is_set()

    def abandon(self) -> None:
        with self._lock:
            self._abandoned = True


def _collect(source: Source, request: GatherRequest, outcome: _Outcome) -> None:
    """Run one source and hand over its outcome, unless the run already gave up on it (nobody is waiting)."""
    try:
        evidence = source.collect(request)
    except BaseException as exc:  # handed to the caller, who turns it into the source's error
        outcome.settle({}, exc)
        return
    outcome.settle(evidence, None)


def run_sources(specs: Sequence[SourceSpec], request: GatherRequest) -> tuple[SourceRun, ...]:
    """Collect from every source concurrently; a crash or timeout becomes that source's error.

    Each source runs on a daemon thread: one that overruns its timeout is reported
    and abandoned at once, and cannot keep the process (and the pipeline) waiting:
    the process exits as soon as the decision is made. Sources themselves must not
    start non-daemon threads (a ThreadPoolExecutor's workers are joined at exit).
    A source's duration runs to when its own evidence arrived, not to when the run
    got round to reading it.
    """
    started: dict[str, float] = {}
    outcomes: list[_Outcome] = []
    for spec in specs:
        outcome = _Outcome()
        started[spec.name] = time.perf_counter()
        thread = threading.Thread(target=_collect, args=(source_class(spec.type)(spec), request, outcome),
                                  name=f"relgate-source-{spec.name}", daemon=True)
        thread.start()
        outcomes.append(outcome)
    runs: list[SourceRun] = []
    for spec, outcome in zip(specs, outcomes, strict=True):
        remaining = spec.timeout_s - (time.perf_counter() - started[spec.name])
        outcome.wait(max(remaining, 0.0))
        runs.append(_outcome(spec, outcome, started[spec.name]))
    return tuple(runs)


def _outcome(spec: SourceSpec, outcome: _Outcome, started: float) -> SourceRun:
    if not outcome.done():
        outcome.abandon()
        message = f"source {spec.name!r} timed out after {spec.timeout_s:g}s"
        return SourceRun(spec, "error", (time.perf_counter() - started) * 1000, {}, message)
    elapsed_ms = (outcome.finished - started) * 1000
    error = outcome.error
    if error is None:
        return SourceRun(spec, "ok", elapsed_ms, outcome.evidence)
    if isinstance(error, RelgateError):
        return SourceRun(spec, "error", elapsed_ms, {}, scrub(str(error)))
    # A bug in a source must still fail closed, and say where it happened.
    message = f"source {spec.name!r} failed: {describe(error)}"
    return SourceRun(spec, "error", elapsed_ms, {}, scrub(message))
