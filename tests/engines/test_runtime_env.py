"""opa.runtime() never hands a policy the gate's environment (GITHUB_TOKEN) on any engine."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from relgate.engines import EMBEDDED_ENGINES, make_engine
from relgate.engines.interface import EngineOptions, PolicyModule, PolicySet
from relgate.errors import PolicyError

TOKEN = "ghp_relgateTestTokenThatMustNotLeak0001"
RUNTIME = PolicySet((PolicyModule("r.rego", "package relgate.r\nimport rego.v1\n"
                                  "deny contains json.marshal(opa.runtime()) if true\n"),))


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_opa_runtime_is_refused_by_default(engine: str) -> None:
    with pytest.raises(PolicyError, match=r"r\.rego:3:\d+: opa\.runtime is not allowed in a gate policy"):
        make_engine(engine).load(RUNTIME, {})


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_opa_runtime_allowed_knowingly_still_has_no_environment(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    engine_ = make_engine(engine, options=EngineOptions(allow_builtins=frozenset({"opa.runtime"})))
    engine_.load(RUNTIME, {})
    (outcome,) = engine_.evaluate({})
    (message,) = outcome.deny
    assert TOKEN not in message
    assert "env" not in json.loads(message)


def test_opa_cli_runs_opa_with_no_environment_of_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`opa eval` puts its environment in opa.runtime().env; relgate starts it with PATH only."""
    fake = tmp_path / "opa"
    fake.write_text(f"#!{sys.executable}\nimport json, os\n"
                    "print(json.dumps({'result': [{'expressions': [{'value': dict(os.environ)}]}]}))\n")
    fake.chmod(0o755)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    engine = make_engine("opa-cli", {"binary": str(fake)})
    engine.load(PolicySet((PolicyModule("e.rego", "package relgate.e\nimport rego.v1\n"),)), {})
    seen = engine.query("data.relgate.e", {})
    assert isinstance(seen, dict) and "GITHUB_TOKEN" not in seen and TOKEN not in json.dumps(seen)
    assert set(seen) <= {"PATH", "PWD", "SHLVL", "_", "LC_CTYPE"}
    assert os.environ["GITHUB_TOKEN"] == TOKEN  # ours is untouched
