"""The terminal verdict: one entry per violation and warning, wrapped to a readable width, colour only when wanted.

Colour follows `--color auto|always|never`; `auto` means a terminal that is not
`TERM=dumb`, and never when `NO_COLOR` is set to a non-empty value (no-color.org).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from typing import Any, TextIO

from relgate.decision import Decision, Verdict, Violation
from relgate.output.escape import terminal
from relgate.output.interface import Format

WIDTH = 100
COLOR_CHOICES = ("auto", "always", "never")
_COLOURS = {"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1"}
_HANG = " " * 8


def use_colour(choice: str, stream: TextIO, env: Mapping[str, str]) -> bool:
    """Whether to colour what goes to `stream`: an explicit choice wins, else a real terminal without NO_COLOR."""
    if choice == "always":
        return True
    if choice == "never" or env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _paint(text: str, colour: str, enabled: bool) -> str:
    return f"\x1b[{_COLOURS[colour]}m{text}\x1b[0m" if enabled else text


def wrap(text: str, first: str = "  ", rest: str = _HANG) -> list[str]:
    """Escaped text wrapped to WIDTH; every piece is escaped again, so a break never starts a workflow command."""
    # One column is kept for the zero-width space that may break a `::` a line now starts with.
    lines = textwrap.wrap(terminal(text), WIDTH - 1, initial_indent=first, subsequent_indent=rest,
                          break_on_hyphens=False) or [first.rstrip()]
    return [first + terminal(line[len(first):]) if i == 0 else rest + terminal(line[len(rest):])
            for i, line in enumerate(lines)]


def _entry(tag: str, colour: str, enabled: bool, text: str, details: Mapping[str, Any] | None = None) -> list[str]:
    lines = wrap(f"{tag} {text}")
    lines[0] = lines[0].replace(tag, _paint(tag, colour, enabled), 1)
    if details:
        parts = [f"{k}={json.dumps(v, sort_keys=True, default=str)}" for k, v in details.items()]
        lines += wrap(", ".join(parts), _HANG, _HANG + "  ")
    return lines


def _item(tag: str, colour: str, enabled: bool, item: Violation) -> list[str]:
    return _entry(tag, colour, enabled, f"[{item.policy}] {item.id}: {item.msg}", item.details)


class TextFormat(Format):
    name = "text"

    def render(self, decision: Decision, *, colour: bool = False) -> str:
        verdict_colour = {Verdict.ALLOW: "green", Verdict.DENY: "red", Verdict.ERROR: "red"}
        title = f"relgate: {decision.verdict.value.upper()}"
        where = f"{decision.service or '-'} → {decision.environment or '-'}"
        when = f" at {decision.evaluated_at}" if decision.evaluated_at else ""
        engine = f" (engine {decision.engine})" if decision.engine else ""
        lines = wrap(f"{title}  {where}{when}{engine}", "")
        lines[0] = lines[0].replace(title, _paint(title, verdict_colour[decision.verdict], colour), 1)
        if decision.mode.value == "warn" and decision.verdict is not Verdict.ALLOW:
            lines.append("  mode warn: reported only, the gate does not block")
        for error in decision.errors:
            lines += _entry("ERROR", "red", colour, error)
        for violation in decision.violations:
            lines += _item("DENY ", "red", colour, violation)
        for warning in decision.warnings:
            lines += _item("WARN ", "yellow", colour, warning)
        for o in decision.overrides:
            lines += _entry("OVERRIDDEN", "yellow", colour, f"[{o.policy}] {o.id}: {o.msg} (by {o.actor}: {o.reason})")
        for w in decision.waived:
            what = ", ".join(w.findings) if w.findings else w.msg
            lines += _entry("WAIVED", "dim", colour,
                            f"[{w.policy}] {what} by {w.waiver_id} (approved by {w.approved_by}, until {w.expires})")
        for n in decision.waiver_notes:
            lines += _entry("NOTE ", "dim", colour, f"waiver {n.waiver_id} {n.status}: {n.detail}")
        summary = (
            f"{len(decision.violations)} violation(s), {len(decision.warnings)} warning(s), "
            f"{len(decision.waived)} waived, {len(decision.packages)} policy package(s)"
        )
        lines += [_paint(line, "dim", colour) for line in wrap(summary)]
        if decision.audit_id:
            lines += [_paint(line, "dim", colour)
                      for line in wrap(f"audit record {decision.audit_id} in {decision.record_path}")]
        return "\n".join(lines) + "\n"
