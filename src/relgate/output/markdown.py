"""A Markdown report (job summaries, PR comments); every untrusted string is escaped."""

from __future__ import annotations

import json

from relgate.decision import Decision, Verdict, Violation
from relgate.output.escape import markdown, markdown_code
from relgate.output.interface import Format

_ICON = {Verdict.ALLOW: "✅", Verdict.DENY: "❌", Verdict.ERROR: "⚠️"}


def _row(item: Violation) -> str:
    details = markdown(json.dumps(dict(item.details), sort_keys=True, default=str)) if item.details else ""
    cells = [markdown(item.policy), markdown(item.id), markdown(item.msg), details, markdown(item.enforcement)]
    return "| " + " | ".join(cells) + " |"


def _table(title: str, items: tuple[Violation, ...]) -> list[str]:
    if not items:
        return []
    return [
        f"### {title}",
        "",
        "| Policy | Rule | Message | Details | Enforcement |",
        "| --- | --- | --- | --- | --- |",
        *(_row(i) for i in items),
        "",
    ]


def _where(decision: Decision) -> str:
    """What was gated and how, saying only what is known (a run that failed early has no time or engine)."""
    text = (f"Service **{markdown(decision.service or '-')}** → environment "
            f"**{markdown(decision.environment or '-')}**")
    if not decision.evaluated_at:
        return text + ": no decision could be made (see Errors)." if decision.errors else text + "."
    text += f", evaluated at {markdown(decision.evaluated_at)}"
    if decision.engine:
        text += f" with {markdown(decision.engine)}"
    if decision.policy_digest:
        text += f"; policy digest {markdown_code(decision.policy_digest)}"
    return text + "."


class MarkdownFormat(Format):
    name = "markdown"

    def render(self, decision: Decision, *, colour: bool = False) -> str:
        verdict = decision.verdict
        lines = [f"## {_ICON[verdict]} relgate: {verdict.value}", "", _where(decision), ""]
        if decision.mode.value == "warn":
            lines += ["Mode **warn**: reported only; this gate does not block the job.", ""]
        if decision.errors:
            lines += ["### Errors", "", *(f"- {markdown(e)}" for e in decision.errors), ""]
        lines += _table("Violations", decision.violations)
        lines += _table("Warnings", decision.warnings)
        if decision.overrides:
            lines += ["### Overrides", ""]
            lines += [
                f"- {markdown(o.policy)} {markdown(o.id)}: {markdown(o.msg)} — by "
                f"{markdown(o.actor)}: {markdown(o.reason)}"
                for o in decision.overrides
            ]
            lines.append("")
        if decision.waived or decision.waiver_notes:
            lines += ["### Waivers", ""]
            for w in decision.waived:
                what = ", ".join(w.findings) or w.msg
                lines.append(
                    f"- {markdown(w.waiver_id)} waived {markdown(what)} ({markdown(w.policy)}), "
                    f"approved by {markdown(w.approved_by)} until {markdown(w.expires)}"
                )
            lines += [
                f"- {markdown(n.waiver_id)} {markdown(n.status)}: {markdown(n.detail)}" for n in decision.waiver_notes
            ]
            lines.append("")
        if decision.audit_id:
            lines += [f"Audit record {markdown_code(decision.audit_id)}.", ""]
        return "\n".join(lines)
