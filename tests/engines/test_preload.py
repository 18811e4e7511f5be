"""A gate run compiles its policies in the engine's worker while it gathers; that must never change a decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import relgate
from relgate.config import load_config
from relgate.decision import Verdict
from relgate.engines import engine_options, make_engine
from relgate.engines import worker as worker_module
from relgate.gate import Preload, RunOptions, evaluate, gather_context, run_check
from relgate.policy import load_policies
from relgate.timeutil import parse_ns
from tests.conftest import QUICKSTART_AT


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the engine worker processes a run starts."""
    starts: list[int] = []
    original = worker_module.WorkerProcess.__init__

    def counting(self: Any, setup: dict[str, Any]) -> None:
        starts.append(1)
        original(self, setup)

    monkeypatch.setattr(worker_module.WorkerProcess, "__init__", counting)
    return starts


def test_a_check_compiles_once_in_one_worker(quickstart: Path, started: list[int]) -> None:
    decision = relgate.check(quickstart, env={}, at=QUICKSTART_AT, audit=False)
    assert decision.verdict is Verdict.DENY
    assert {v.policy for v in decision.violations} == {"relgate.tests", "relgate.vulnerabilities"}
    assert len(started) == 1


def test_a_preload_given_other_data_is_not_used(quickstart: Path, started: list[int]) -> None:
    """Compiled with the vulnerabilities policy told to allow 100 criticals, the preload would hide a deny."""
    config = load_config(quickstart, {})
    options = RunOptions(at=QUICKSTART_AT, audit=False)
    at_ns = parse_ns(QUICKSTART_AT)
    context, _ = gather_context(config, options, {}, at_ns)
    policies = load_policies(config.policies, config.base_dir)
    loose = {"config": {**config.data, "vulnerabilities": {"max": {"critical": 100, "high": 100}}}, "waivers": []}
    engine = make_engine("regorus", None, engine_options(config.evaluation, config.packages, str(config.path)))
    engine.begin_load(policies, loose)
    try:
        decision = evaluate(config, context, options, {}, [], Preload("regorus", engine, policies, loose))
    finally:
        engine.close()
    assert "relgate.vulnerabilities" in {v.policy for v in decision.violations}
    assert len(started) == 2  # the stale worker was ended and a new one compiled the right data


def test_a_crash_while_preloading_is_an_error_decision_with_a_record(quickstart: Path, tmp_path: Path) -> None:
    policies = tmp_path / "crash"
    policies.mkdir()
    nested = "[" * 200_000 + "]" * 200_000  # overflows regorus's parser stack
    (policies / "deep.rego").write_text(f"package relgate.deep\n\ndeny contains x if {{ x := {nested} }}\n")
    text = quickstart.read_text().replace("policies: [builtin]", f"policies: [builtin, {policies}]")
    quickstart.write_text(text)
    run = run_check(load_config(quickstart, {}), RunOptions(at=QUICKSTART_AT), {})
    assert run.decision.verdict is Verdict.ERROR and run.record is not None
    assert any("engine regorus" in e for e in run.decision.errors)
