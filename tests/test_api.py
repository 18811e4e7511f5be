"""The public Python API is the same code path as the CLI; README's commands stay true."""

from __future__ import annotations

from pathlib import Path

import pytest

import relgate
from relgate.decision import Verdict
from tests.conftest import QUICKSTART_AT, ROOT


def test_check_returns_the_decision_and_records_it(quickstart: Path) -> None:
    decision = relgate.check(quickstart, env={}, at=QUICKSTART_AT)
    assert decision.verdict is Verdict.DENY and decision.exit_code == 1
    assert {v.policy for v in decision.violations} == {"relgate.tests", "relgate.vulnerabilities"}
    assert decision.audit_id and Path(decision.record_path or "").exists()


def test_overrides_are_run_options(quickstart: Path) -> None:
    decision = relgate.check(quickstart, env={}, at="2026-12-25T10:00:00Z", mode="warn", audit=False)
    assert decision.exit_code == 0 and decision.audit_id is None
    assert "relgate.freeze" in {v.policy for v in decision.violations}


def test_bad_input_raises_relgate_error(tmp_path: Path) -> None:
    (tmp_path / "relgate.yaml").write_text("version: 2\n")
    with pytest.raises(relgate.RelgateError, match=r"relgate.yaml:version: expected 1, found 2"):
        relgate.check(tmp_path / "relgate.yaml", env={})


def test_readme_commands_are_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    first = ("python3 -m venv .venv && .venv/bin/pip install . && "
             ".venv/bin/relgate check --config examples/quickstart/relgate.yaml")
    assert f"```sh\n{first}\n```" in readme  # a venv: works on an externally managed (PEP 668) Python
    assert "bash scripts/test.sh" in readme
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
