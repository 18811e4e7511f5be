"""The public Python API: what the CLI, the GitHub Action and tests all call."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relgate.config import load_config
from relgate.decision import Decision
from relgate.gate import GateRun, RunOptions, run_check


def check_run(
    config_path: str | Path, *, env: Mapping[str, str] | None = None, **overrides: Any
) -> GateRun:
    """Like `check`, but also return the context document and the audit record."""
    environ = dict(os.environ if env is None else env)
    config = load_config(config_path, environ)
    return run_check(config, RunOptions(**overrides), environ)


def check(config_path: str | Path, *, env: Mapping[str, str] | None = None, **overrides: Any) -> Decision:
    """Gather evidence, evaluate the policies and record the decision, as `relgate check` does.

    `overrides` are RunOptions fields (environment, service, at, mode, engine,
    override, actor, audit_log, audit). Bad input raises RelgateError.
    """
    return check_run(config_path, env=env, **overrides).decision
