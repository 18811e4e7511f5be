"""Which waivers are in force for a run, and what each one took out."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from relgate.config import Waiver
from relgate.decision import Violation, Waived, WaiverNote


@dataclass(frozen=True)
class WaiverBook:
    """The waivers in force at `evaluated_at`, plus the expired ones to report."""

    active: tuple[Waiver, ...]
    expired: tuple[Waiver, ...]

    def policy_data(self) -> list[dict[str, str]]:
        """What policies see as `data.waivers`, so a waived finding is not counted at all."""
        return [{"id": w.id, "policy": w.policy, "match": w.match} for w in self.active]

    def waiver_for(self, violation: Violation) -> Waiver | None:
        for waiver in self.active:
            if waiver.policy == violation.policy and _matches(waiver.match, violation):
                return waiver
        return None


def open_book(
    waivers: Iterable[Waiver], *, service: str, environment: str, evaluated_at_ns: int
) -> WaiverBook:
    """Keep waivers whose scope fits this run; split them by expiry."""
    in_scope = [
        w
        for w in waivers
        if (w.service in (None, service)) and (w.environment in (None, environment))
    ]
    return WaiverBook(
        active=tuple(w for w in in_scope if w.expires_ns > evaluated_at_ns),
        expired=tuple(w for w in in_scope if w.expires_ns <= evaluated_at_ns),
    )


def _matches(pattern: str, violation: Violation) -> bool:
    return pattern == violation.id or fnmatch.fnmatchcase(violation.msg, pattern)


def finding_matches(waiver: Waiver, findings: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Ids of the findings a waiver names (by finding id or scanner rule id)."""
    hits = [f.get("id", "") for f in findings if waiver.match in (f.get("id"), f.get("rule"))]
    return tuple(dict.fromkeys(str(h) for h in hits))


def as_waived(waiver: Waiver, policy: str, rule_id: str, msg: str, findings: tuple[str, ...] = ()) -> Waived:
    return Waived(
        waiver_id=waiver.id,
        policy=policy,
        id=rule_id,
        msg=msg,
        findings=findings,
        reason=waiver.reason,
        approved_by=waiver.approved_by,
        expires=waiver.expires,
    )


def expired_notes(book: WaiverBook) -> list[WaiverNote]:
    return [
        WaiverNote(w.id, "expired", f"expired at {w.expires}; it no longer applies")
        for w in book.expired
    ]
