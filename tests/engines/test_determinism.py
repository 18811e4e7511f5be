"""time.now_ns() is the gate's evaluation time (--at, or the recorded time in a replay) on every engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from relgate.cli import main
from relgate.engines import EMBEDDED_ENGINES, make_engine
from relgate.engines.interface import PolicyModule, PolicySet
from relgate.errors import PolicyError
from tests.conftest import write_config

WEEKEND_FREEZE = """package relgate.weekend
import rego.v1

deny contains {"msg": sprintf("no deploys on %s", [day]), "id": "weekend.freeze"} if {
  day := time.weekday(time.now_ns())
  day in {"Saturday", "Sunday"}
}
"""
SATURDAY = "2026-11-28T10:00:00Z"
WEDNESDAY = "2026-11-25T10:00:00Z"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def weekend_gate(tmp_path: Path, engine: str) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "weekend.rego").write_text(WEEKEND_FREEZE)
    return write_config(tmp_path, policies=["policies"], engine=engine)


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_weekend_freeze_denies_at_a_saturday_whatever_the_wall_clock(tmp_path: Path, engine: str) -> None:
    config = weekend_gate(tmp_path, engine)
    saturday = invoke("check", "--config", str(config), "--at", SATURDAY, "--json")
    assert saturday.exit_code == 1, saturday.output
    (violation,) = json.loads(saturday.stdout)["violations"]
    assert (violation["id"], violation["msg"]) == ("weekend.freeze", "no deploys on Saturday")
    wednesday = invoke("check", "--config", str(config), "--at", WEDNESDAY, "--json")
    assert wednesday.exit_code == 0, wednesday.output


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_a_replay_uses_the_recorded_time(tmp_path: Path, engine: str) -> None:
    config = weekend_gate(tmp_path, engine)
    assert invoke("check", "--config", str(config), "--at", SATURDAY).exit_code == 1
    assert invoke("check", "--config", str(config), "--at", WEDNESDAY).exit_code == 0
    log = tmp_path / ".relgate" / "audit.jsonl"
    result = invoke("replay", "--log", str(log), "--policies", str(tmp_path / "policies"), "--engine", engine,
                    "--json", "--fail-on-flip")
    report = json.loads(result.stdout)
    assert (result.exit_code, report["replayed"], report["flips"]) == (0, 2, [])


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_the_evaluation_time_reaches_every_call_of_time_now_ns(engine: str) -> None:
    text = ("package relgate.t\nimport rego.v1\n"
            "now := time.now_ns()\n"
            "deny contains sprintf(\"%d\", [n]) if { n := now }\n"
            "deny contains sprintf(\"inner %d\", [n]) if { n := time.now_ns() with time.now_ns as 7 }\n")
    engine_ = make_engine(engine)
    engine_.load(PolicySet((PolicyModule("t.rego", text),)), {})
    at = 1_796_000_000_123_456_789  # beyond 2^53: pinned exactly, not through a float
    (outcome,) = engine_.evaluate({"evaluated_at_ns": at})
    assert sorted(outcome.deny) == sorted([str(at), "inner 7"])


def test_an_engine_that_cannot_pin_the_clock_refuses_policies_that_read_it() -> None:
    from relgate.engines.capabilities import builtin_uses, check_builtins
    from relgate.engines.rego_ast import module_facts

    uses = builtin_uses(module_facts(PolicySet((PolicyModule("w.rego", WEEKEND_FREEZE),))))
    with pytest.raises(PolicyError, match=r"^w\.rego:5:\d+: time\.now_ns\(\) cannot be pinned .* opa-server; "
                                          r"use input\.evaluated_at_ns"):
        check_builtins(uses, "opa-server", pins_time=False)
    check_builtins(uses, "opa-server", pins_time=False, allowed=["time.now_ns"])
    check_builtins(uses, "regorus", pins_time=True)
