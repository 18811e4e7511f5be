"""GitHub Actions: annotations as workflow commands, a job summary, and step outputs.

Every untrusted string is escaped for the medium it lands in, so a finding
message cannot start a workflow command or add Markdown structure.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from relgate.decision import Decision, Mode, Violation
from relgate.errors import RelgateError
from relgate.output.escape import terminal, workflow_data, workflow_property
from relgate.output.interface import Format
from relgate.output.markdown import MarkdownFormat

MAX_LOCATED_ANNOTATIONS = 10
escape_data = workflow_data
escape_property = workflow_property


def _command(kind: str, message: str, **properties: object) -> str:
    props = ",".join(f"{key}={workflow_property(str(value))}" for key, value in properties.items()
                     if value is not None)
    return f"::{kind}{' ' + props if props else ''}::{workflow_data(message)}"


def _annotations(kind: str, item: Violation) -> list[str]:
    title = f"relgate {item.policy}"
    message = f"{item.id}: {item.msg}"
    located = [loc for loc in item.locations if loc.get("path")][:MAX_LOCATED_ANNOTATIONS]
    if not located:
        return [_command(kind, message, title=title)]
    return [
        _command(kind, f"{loc.get('finding', item.id)}: {item.msg}", file=loc["path"], line=loc.get("line"),
                 title=title)
        for loc in located
    ]


class GithubFormat(Format):
    name = "github"

    def render(self, decision: Decision, *, colour: bool = False) -> str:
        blocking = "warning" if decision.mode is Mode.WARN else "error"  # warn mode reports, it never fails a step
        lines = [_command(blocking, error, title="relgate error") for error in decision.errors]
        for violation in decision.violations:
            lines.extend(_annotations(blocking, violation))
        for warning in decision.warnings:
            lines.extend(_annotations("warning", warning))
        return "".join(line + "\n" for line in lines)


def step_outputs(decision: Decision) -> dict[str, str]:
    """One-line values: a later step may interpolate them into a script."""
    return {
        "decision": decision.verdict.value,
        "allowed": "true" if decision.allowed else "false",
        "audit-id": terminal(decision.audit_id or ""),
        "record-path": terminal(decision.record_path or ""),
        "violations": str(len(decision.violations)),
    }


def publish(decision: Decision, env: Mapping[str, str], run_url: str = "") -> None:
    """Append the job summary and step outputs to the files Actions names in the environment."""
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        text = MarkdownFormat().render(decision)
        if run_url:
            text += f"[Workflow run]({quote(run_url, safe=':/?=&#%')})\n"
        _append("GITHUB_STEP_SUMMARY", summary, "the job summary", text + "\n")
    output = env.get("GITHUB_OUTPUT")
    if output:
        blocks = []
        for name, value in step_outputs(decision).items():
            delimiter = f"relgate_{uuid.uuid4().hex}"
            blocks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        _append("GITHUB_OUTPUT", output, "the step outputs", "".join(blocks))


def check_publishable(env: Mapping[str, str]) -> None:
    """Before a run: the summary and output files Actions names can be appended to, or say which cannot."""
    for variable, what in (("GITHUB_STEP_SUMMARY", "the job summary"), ("GITHUB_OUTPUT", "the step outputs")):
        path = env.get(variable)
        if path:
            _append(variable, path, what, "")


def _append(variable: str, path: str, what: str, text: str) -> None:
    try:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise RelgateError(f"{variable} {terminal(path)}: cannot append {what}: {exc.strerror or exc}") from None


def run_url_from(env: Mapping[str, str]) -> str:
    server, repo, run_id = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID")
    return f"{server}/{repo}/actions/runs/{run_id}" if server and repo and run_id else ""
