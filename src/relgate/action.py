"""Entry point of the GitHub Action (`action.yml`): inputs arrive as environment variables.

Inputs are never interpolated into script text by the workflow; this module
reads them from `RELGATE_*` variables set through `env:`. Whatever happens —
allow, deny, a config error — the step outputs, the job summary and every
requested file are written, so a later `if: always()` step (uploading the SARIF
file) finds them. In warn mode nothing is an `::error` and the step passes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import click

from relgate.api import check_run
from relgate.cli import parse_outputs, write_outputs
from relgate.decision import Decision, Mode, Verdict
from relgate.errors import ConfigError, RelgateError, describe
from relgate.output import render
from relgate.output.github import check_publishable, escape_data, publish, run_url_from
from relgate.redact import remember_env, scrub

MODES = ("enforce", "warn")


def _mode(env: Mapping[str, str]) -> Mode:
    mode = env.get("RELGATE_MODE") or "enforce"
    return Mode(mode) if mode in MODES else Mode.ENFORCE


def _annotate(message: str, mode: Mode) -> None:
    kind = "warning" if mode is Mode.WARN else "error"
    click.echo(f"::{kind} title=relgate error::{escape_data(scrub(message))}")


def run(env: Mapping[str, str]) -> int:
    """Run the gate as the action step does and return the step's exit code."""
    remember_env(env)
    mode = _mode(env)
    outputs: list[tuple[str, str]] = []
    try:
        requested = env.get("RELGATE_MODE") or "enforce"
        if requested not in MODES:
            raise ConfigError(f"RELGATE_MODE (input `mode`): expected one of {', '.join(MODES)}, got {requested!r}")
        outputs = [(name, path) for name, path in parse_outputs((env.get("RELGATE_OUTPUTS") or "").split())
                   if name != "github"]  # the annotations go to the log below
        check_publishable(env)
        gate = check_run(
            env.get("RELGATE_CONFIG") or "relgate.yaml",
            env=env,
            environment=env.get("RELGATE_ENVIRONMENT") or None,
            mode=mode.value,
            override=env.get("RELGATE_OVERRIDE_REASON") or None,
            actor=env.get("GITHUB_ACTOR") or None,
        )
    except RelgateError as exc:
        failed = Decision(verdict=Verdict.ERROR, mode=mode, environment=env.get("RELGATE_ENVIRONMENT") or "",
                          errors=(scrub(str(exc)),))
        return _finish(failed, env, outputs)
    return _finish(gate.decision, env, outputs)


def _finish(decision: Decision, env: Mapping[str, str], outputs: list[tuple[str, str]]) -> int:
    """Print, publish and write every requested file; a failure to write is itself an error (exit 2)."""
    click.echo(render("text", decision), nl=False)
    click.echo(render("github", decision), nl=False)
    problems = []
    try:
        publish(decision, env, run_url_from(env))
    except RelgateError as exc:
        problems.append(str(exc))
    for name, path in outputs:
        try:
            write_outputs(decision, [(name, path)])
        except RelgateError as exc:
            problems.append(str(exc))
    for problem in problems:
        _annotate(problem, decision.mode)
    if problems and decision.mode is not Mode.WARN:
        return 2
    return decision.exit_code


def main() -> None:
    try:
        code = run(dict(os.environ))
    except Exception as exc:  # one line and exit 2, whatever failed
        _annotate(describe(exc), _mode(os.environ))
        code = 0 if _mode(os.environ) is Mode.WARN else 2
    sys.exit(code)


if __name__ == "__main__":
    main()
