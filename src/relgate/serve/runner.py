"""One gate run for a request, through exactly the code `relgate check` uses.

Every endpoint asks here, so a decision made for GitHub, Flagger, Argo or the API
is gathered, evaluated and recorded in the configured audit store like any other.
A problem that stops the run (a bad config, an unreachable store) is an `error`
answer, never an allow.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from relgate.api import check_run
from relgate.errors import AuditError, RelgateError, describe
from relgate.redact import scrub
from relgate.serve import metrics
from relgate.serve.settings import ServeSettings

log = logging.getLogger("relgate.serve")

RUN_OPTIONS = ("mode", "at", "override", "actor", "engine")


@dataclass(frozen=True)
class GateAsk:
    """What a caller wants decided: for which service and environment, on which change."""

    endpoint: str
    service: str | None = None
    environment: str | None = None
    change: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GateAnswer:
    """The decision as a service tells it: `passes` is what a platform acts on (warn mode passes)."""

    verdict: str
    passes: bool
    decision: Mapping[str, Any]
    audit_id: str | None
    retryable: bool = False  # nothing decided because the store (or relgate itself) failed: worth another try

    def reasons(self, limit: int = 20) -> list[str]:
        """Why, in one line each: errors first, then the enforced violations."""
        lines = [f"error: {e}" for e in self.decision.get("errors", [])]
        for item in self.decision.get("violations", []):
            lines.append(f"[{item.get('policy', '')}] {item.get('id', '')}: {item.get('msg', '')}")
        return lines[:limit]

    def to_json(self) -> dict[str, Any]:
        """The `{allowed, decision, violations[], audit_id}` shape every endpoint answers with."""
        return {
            "allowed": self.passes,
            "decision": self.verdict,
            "violations": list(self.decision.get("violations", [])),
            "warnings": list(self.decision.get("warnings", [])),
            "errors": list(self.decision.get("errors", [])),
            "service": self.decision.get("service", ""),
            "environment": self.decision.get("environment", ""),
            "mode": self.decision.get("mode", ""),
            "audit_id": self.audit_id,
        }


def run_gate(settings: ServeSettings, ask: GateAsk) -> GateAnswer:
    """Gather, evaluate and record; blocking (call it from a worker thread)."""
    env = {**os.environ, **ask.env}
    overrides: dict[str, Any] = {k: v for k, v in ask.options.items() if k in RUN_OPTIONS and v is not None}
    try:
        run = check_run(settings.config_path, env=env, service=ask.service, environment=ask.environment,
                        change=dict(ask.change), **overrides)
    except RelgateError as exc:
        return _error(ask, scrub(str(exc)), retryable=isinstance(exc, AuditError))
    except Exception as exc:  # a bug must still answer "error", never leave a platform waiting
        log.exception("gate run failed unexpectedly (%s)", ask.endpoint)
        return _error(ask, f"internal error (the gate did not decide): {scrub(describe(exc))}", retryable=True)
    decision = run.decision.to_json()
    metrics.observe_run(ask.endpoint, decision, run.context, run.record)
    for note in run.notes:
        log.warning("%s", scrub(note))
    return GateAnswer(run.decision.verdict.value, run.decision.exit_code == 0, decision, run.decision.audit_id)


def _error(ask: GateAsk, message: str, retryable: bool) -> GateAnswer:
    log.error("gate run for %s could not decide: %s", ask.endpoint, message)
    decision = {"decision": "error", "errors": [message], "violations": [], "warnings": [],
                "service": ask.service or "", "environment": ask.environment or ""}
    metrics.observe_run(ask.endpoint, decision, {}, None)
    return GateAnswer("error", False, decision, None, retryable)
