"""Turn raw deny/warn sets into a Decision: waivers, enforcement levels, overrides."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from relgate.decision import (
    Decision,
    Enforcement,
    Mode,
    Override,
    Verdict,
    Violation,
    Waived,
    WaiverNote,
)
from relgate.engines.interface import RuleOutcome
from relgate.waivers import WaiverBook, as_waived, expired_notes, finding_matches


@dataclass(frozen=True)
class OverrideRequest:
    """`--override "reason"` together with who asked for it."""

    reason: str
    actor: str


def normalise(package: str, element: Any, enforcement: str) -> Violation:
    """Accept a string or a `{msg, id?, details?}` object; anything else still counts, verbatim."""
    if isinstance(element, str):
        return Violation(package, element, package, {}, enforcement)
    if isinstance(element, dict) and isinstance(element.get("msg"), str):
        details = element.get("details")
        return Violation(
            policy=package,
            msg=element["msg"],
            id=str(element.get("id") or package),
            details=details if isinstance(details, dict) else {},
            enforcement=enforcement,
        )
    return Violation(package, json.dumps(element, sort_keys=True), package, {}, enforcement)


def locate(violation: Violation, findings: Sequence[Mapping[str, Any]]) -> Violation:
    """Attach where the findings a violation names were found, so outputs can point at them."""
    named = violation.details.get("findings")
    if not isinstance(named, list) or not named:
        return violation
    wanted = {str(n) for n in named}
    places = [
        {"finding": str(f.get("id")), **f["location"]}
        for f in findings
        if str(f.get("id")) in wanted and isinstance(f.get("location"), dict) and f["location"].get("path")
    ]
    return replace(violation, locations=tuple(places))


def enforcement_for(package: str, levels: Mapping[str, str]) -> str:
    """The most specific configured level for a package (or a parent), else hard-mandatory."""
    best = ""
    for name in levels:
        if (package == name or package.startswith(name + ".")) and len(name) > len(best):
            best = name
    return levels[best] if best else Enforcement.HARD_MANDATORY.value


def judge(
    outcomes: Sequence[RuleOutcome],
    *,
    book: WaiverBook,
    levels: Mapping[str, str],
    findings: Sequence[Mapping[str, Any]],
    override: OverrideRequest | None,
    errors: Sequence[str],
    mode: Mode,
    **identity: Any,
) -> Decision:
    """Apply waivers, then enforcement, then overrides; errors always win (fail closed)."""
    violations: list[Violation] = []
    warnings: list[Violation] = []
    waived: list[Waived] = []
    overrides: list[Override] = []
    used: set[str] = set()

    for waiver in book.active:
        if waiver.policy == "relgate.vulnerabilities":
            hits = finding_matches(waiver, findings)
            if hits:
                used.add(waiver.id)
                waived.append(as_waived(waiver, waiver.policy, waiver.match, "finding waived", hits))

    for outcome in outcomes:
        level = enforcement_for(outcome.package, levels)
        for element in outcome.warn:
            warnings.append(normalise(outcome.package, element, level))
        for element in outcome.deny:
            violation = locate(normalise(outcome.package, element, level), findings)
            matched = book.waiver_for(violation)
            if matched is not None:
                used.add(matched.id)
                waived.append(as_waived(matched, violation.policy, violation.id, violation.msg))
            elif level == Enforcement.ADVISORY.value:
                warnings.append(violation)
            elif level == Enforcement.SOFT_MANDATORY.value and override is not None:
                overrides.append(
                    Override(violation.policy, violation.id, violation.msg, override.reason, override.actor)
                )
            else:
                violations.append(violation)

    notes: list[WaiverNote] = expired_notes(book)
    notes.extend(
        WaiverNote(w.id, "stale", f"matched nothing in {w.policy}; remove it or fix `match`")
        for w in book.active
        if w.id not in used
    )
    if errors:
        verdict = Verdict.ERROR
    elif violations:
        verdict = Verdict.DENY
    else:
        verdict = Verdict.ALLOW
    return Decision(
        verdict=verdict,
        mode=mode,
        violations=tuple(violations),
        warnings=tuple(warnings),
        waived=tuple(waived),
        overrides=tuple(overrides),
        waiver_notes=tuple(notes),
        errors=tuple(errors),
        packages=tuple(o.package for o in outcomes),
        **identity,
    )
