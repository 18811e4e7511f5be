"""Entry point of the GitHub Action (`action.yml`): inputs arrive as environment variables.

Inputs are never interpolated into script text by the workflow; this module
reads them from `RELGATE_*` variables set through `env:`.
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


def run(env: Mapping[str, str]) -> int:
    """Run the gate as the action step does and return the step's exit code."""
    remember_env(env)
    mode = env.get("RELGATE_MODE") or "enforce"
    try:
        if mode not in MODES:
            raise ConfigError(f"RELGATE_MODE (input `mode`): expected one of {', '.join(MODES)}, got {mode!r}")
        outputs = parse_outputs((env.get("RELGATE_OUTPUTS") or "").split())
        check_publishable(env)
        gate = check_run(
            env.get("RELGATE_CONFIG") or "relgate.yaml",
            env=env,
            environment=env.get("RELGATE_ENVIRONMENT") or None,
            mode=mode,
            override=env.get("RELGATE_OVERRIDE_REASON") or None,
            actor=env.get("GITHUB_ACTOR") or None,
        )
    except RelgateError as exc:
        return _error(str(exc), env, Mode(mode if mode in MODES else "enforce"))
    decision = gate.decision
    click.echo(render("text", decision), nl=False)
    click.echo(render("github", decision), nl=False)
    try:
        publish(decision, env, run_url_from(env))
        write_outputs(decision, [(name, path) for name, path in outputs if name != "github"])
    except RelgateError as exc:
        click.echo(f"::error title=relgate error::{escape_data(scrub(str(exc)))}")
        return 2
    return decision.exit_code


def _error(message: str, env: Mapping[str, str], mode: Mode) -> int:
    """No decision could be made: say why as an annotation, and in the summary and outputs when possible."""
    decision = Decision(verdict=Verdict.ERROR, mode=mode, errors=(scrub(message),))
    click.echo(f"::error title=relgate error::{escape_data(scrub(message))}")
    try:
        publish(decision, env, run_url_from(env))
    except RelgateError as exc:
        click.echo(f"::error title=relgate error::{escape_data(scrub(str(exc)))}")
    return 2


def main() -> None:
    try:
        code = run(dict(os.environ))
    except Exception as exc:  # one line and exit 2, whatever failed
        click.echo(f"::error title=relgate error::{escape_data(scrub(describe(exc)))}")
        code = 2
    sys.exit(code)


if __name__ == "__main__":
    main()
