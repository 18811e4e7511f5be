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
from relgate.errors import RelgateError
from relgate.output import FORMATS
from relgate.output.github import escape_data, publish, run_url_from


def run(env: Mapping[str, str]) -> int:
    """Run the gate as the action step does and return the step's exit code."""
    mode = env.get("RELGATE_MODE") or "enforce"
    try:
        if mode not in ("enforce", "warn"):
            raise RelgateError(f"RELGATE_MODE (the action's `mode` input): expected enforce or warn, found {mode!r}")
        outputs = parse_outputs((env.get("RELGATE_OUTPUTS") or "").split())
        gate = check_run(
            env.get("RELGATE_CONFIG") or "relgate.yaml",
            env=env,
            environment=env.get("RELGATE_ENVIRONMENT") or None,
            mode=mode,
            override=env.get("RELGATE_OVERRIDE_REASON") or None,
            actor=env.get("GITHUB_ACTOR") or None,
        )
    except RelgateError as exc:
        decision = Decision(verdict=Verdict.ERROR, mode=Mode(mode if mode in ("enforce", "warn") else "enforce"),
                            errors=(str(exc),))
        click.echo(f"::error title=relgate error::{escape_data(str(exc))}")
        publish(decision, env, run_url_from(env))
        return decision.exit_code
    decision = gate.decision
    click.echo(FORMATS["text"]().render(decision), nl=False)
    click.echo(FORMATS["github"]().render(decision), nl=False)
    publish(decision, env, run_url_from(env))
    write_outputs(decision, [(name, path) for name, path in outputs if name != "github"])
    return decision.exit_code


def main() -> None:
    sys.exit(run(dict(os.environ)))


if __name__ == "__main__":
    main()
