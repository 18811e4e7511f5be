"""The gate's verdict and the values that explain it.

Outputs and the audit record are views of one Decision; nothing downstream
re-evaluates anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Verdict(str, Enum):
    ALLOW = "allow"
    DENY = "deny"
    ERROR = "error"


class Enforcement(str, Enum):
    ADVISORY = "advisory"
    SOFT_MANDATORY = "soft-mandatory"
    HARD_MANDATORY = "hard-mandatory"


class Mode(str, Enum):
    ENFORCE = "enforce"
    WARN = "warn"


EXIT_CODES = {Verdict.ALLOW: 0, Verdict.DENY: 1, Verdict.ERROR: 2}


@dataclass(frozen=True)
class Violation:
    """One deny or warn element, normalised: who said it, what, and the evidence."""

    policy: str
    msg: str
    id: str
    details: Mapping[str, Any] = field(default_factory=dict)
    enforcement: str = Enforcement.HARD_MANDATORY.value
    locations: tuple[Mapping[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "id": self.id,
            "msg": self.msg,
            "details": dict(self.details),
            "enforcement": self.enforcement,
            "locations": [dict(loc) for loc in self.locations],
        }


@dataclass(frozen=True)
class Waived:
    """A violation (or the findings behind one) taken out by a waiver."""

    waiver_id: str
    policy: str
    id: str
    msg: str
    findings: tuple[str, ...] = ()
    reason: str = ""
    approved_by: str = ""
    expires: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "waiver_id": self.waiver_id,
            "policy": self.policy,
            "id": self.id,
            "msg": self.msg,
            "findings": list(self.findings),
            "reason": self.reason,
            "approved_by": self.approved_by,
            "expires": self.expires,
        }


@dataclass(frozen=True)
class Override:
    """A soft-mandatory violation let through by a named person with a reason."""

    policy: str
    id: str
    msg: str
    reason: str
    actor: str

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "id": self.id,
            "msg": self.msg,
            "reason": self.reason,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class WaiverNote:
    """A waiver that did not apply: `expired`, `stale` (matched nothing) or `out-of-scope`."""

    waiver_id: str
    status: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"waiver_id": self.waiver_id, "status": self.status, "detail": self.detail}


@dataclass(frozen=True)
class Decision:
    """Everything the gate concluded for one run."""

    verdict: Verdict
    mode: Mode = Mode.ENFORCE
    service: str = ""
    environment: str = ""
    evaluated_at: str = ""
    violations: tuple[Violation, ...] = ()
    warnings: tuple[Violation, ...] = ()
    waived: tuple[Waived, ...] = ()
    overrides: tuple[Override, ...] = ()
    waiver_notes: tuple[WaiverNote, ...] = ()
    errors: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    policy_digest: str = ""
    engine: str = ""
    audit_id: str | None = None
    record_path: str | None = None
    duration_ms: float | None = None  # wall time of the run (gathering and evaluation); not part of the record

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOW

    @property
    def exit_code(self) -> int:
        """0 allow, 1 deny, 2 error; warn mode reports but never blocks."""
        if self.mode is Mode.WARN:
            return 0
        return EXIT_CODES[self.verdict]

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.verdict.value,
            "allowed": self.allowed,
            "mode": self.mode.value,
            "service": self.service,
            "environment": self.environment,
            "evaluated_at": self.evaluated_at,
            "violations": [v.to_json() for v in self.violations],
            "warnings": [w.to_json() for w in self.warnings],
            "waived": [w.to_json() for w in self.waived],
            "overrides": [o.to_json() for o in self.overrides],
            "waiver_notes": [n.to_json() for n in self.waiver_notes],
            "errors": list(self.errors),
            "policies": list(self.packages),
            "policy_digest": self.policy_digest,
            "engine": self.engine,
            "audit_id": self.audit_id,
            "record_path": self.record_path,
        }
