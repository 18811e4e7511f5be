"""The terminal verdict: one line per violation and warning, colour only on a TTY."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from relgate.decision import Decision, Verdict, Violation
from relgate.output.escape import terminal
from relgate.output.interface import Format

_COLOURS = {"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1"}


def _paint(text: str, colour: str, enabled: bool) -> str:
    return f"\x1b[{_COLOURS[colour]}m{text}\x1b[0m" if enabled else text


def _details(details: Mapping[str, Any]) -> str:
    if not details:
        return ""
    parts = [f"{k}={json.dumps(v, sort_keys=True, default=str)}" for k, v in details.items()]
    return terminal(" (" + ", ".join(parts) + ")")


def _line(tag: str, item: Violation, colour: str, enabled: bool) -> str:
    head = _paint(tag, colour, enabled)
    return f"  {head} [{terminal(item.policy)}] {terminal(item.id)}: {terminal(item.msg)}{_details(item.details)}"


class TextFormat(Format):
    name = "text"

    def render(self, decision: Decision, *, colour: bool = False) -> str:
        verdict_colour = {Verdict.ALLOW: "green", Verdict.DENY: "red", Verdict.ERROR: "red"}
        title = decision.verdict.value.upper()
        header = _paint(f"relgate: {title}", verdict_colour[decision.verdict], colour)
        where = f"{decision.service or '-'} → {decision.environment or '-'}"
        when = f"at {decision.evaluated_at} (engine {decision.engine})"
        lines = [f"{header}  {terminal(where)} {terminal(when)}"]
        if decision.mode.value == "warn" and decision.verdict is not Verdict.ALLOW:
            lines.append("  mode warn: reported only, the gate does not block")
        lines += [f"  {_paint('ERROR', 'red', colour)} {terminal(e)}" for e in decision.errors]
        lines += [_line("DENY ", v, "red", colour) for v in decision.violations]
        lines += [_line("WARN ", w, "yellow", colour) for w in decision.warnings]
        for o in decision.overrides:
            lines.append(
                f"  {_paint('OVERRIDDEN', 'yellow', colour)} [{terminal(o.policy)}] {terminal(o.id)}: {terminal(o.msg)}"
                f" (by {terminal(o.actor)}: {terminal(o.reason)})"
            )
        for w in decision.waived:
            what = ", ".join(w.findings) if w.findings else w.msg
            lines.append(
                f"  {_paint('WAIVED', 'dim', colour)} [{terminal(w.policy)}] {terminal(what)}"
                f" by {terminal(w.waiver_id)} (approved by {terminal(w.approved_by)}, until {terminal(w.expires)})"
            )
        for n in decision.waiver_notes:
            lines.append(f"  {_paint('NOTE ', 'dim', colour)} waiver {terminal(n.waiver_id)} {terminal(n.status)}: "
                         f"{terminal(n.detail)}")
        summary = (
            f"  {len(decision.violations)} violation(s), {len(decision.warnings)} warning(s), "
            f"{len(decision.waived)} waived, {len(decision.packages)} policy package(s)"
        )
        lines.append(_paint(summary, "dim", colour))
        if decision.audit_id:
            where = terminal(f"{decision.audit_id} in {decision.record_path}")
            lines.append(_paint(f"  audit record {where}", "dim", colour))
        return "\n".join(lines) + "\n"
