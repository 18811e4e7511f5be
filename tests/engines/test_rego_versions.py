"""Rego v0 and v1 per policy directory (as OPA's --v0-compatible), and lines as long as real policies have."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from relgate.cli import main
from relgate.engines import EMBEDDED_ENGINES, make_engine
from relgate.engines.interface import PolicyModule, PolicySet
from relgate.engines.v0 import as_v1
from relgate.errors import PolicyError
from relgate.policy import load_policies
from tests.conftest import write_config

LEGACY = """package relgate.legacy

import future.keywords.in

default allow = false

allow { input.ok }

deny[msg] {
    input.n > 1
    msg := sprintf("n is %v", [input.n])
}

deny[{"msg": "flagged", "id": "legacy.flag"}] { input.flag }

warn["constant"]

labels[k] = v { some k; v := input.labels[k] }

double(x) = y { y := x * 2 }

doubled := double(input.n)

grade = "high" { input.n > 10 } else = "mid" { input.n > 5 } else = "low" { true }

either { input.a } { input.b }

member { 2 in input.xs }

big { count([x | x := input.xs[_]; x > 1]) > 0 }
"""

INPUTS: list[dict[str, Any]] = [
    {},
    {"ok": True, "n": 3, "flag": True, "labels": {"team": "a"}, "xs": [1, 2, 3], "a": True},
    {"n": 12, "b": True, "xs": [0]},
    {"n": 7, "labels": {}},
]


def value(engine_name: str, policies: PolicySet, doc: dict[str, Any]) -> Any:
    engine = make_engine(engine_name)
    engine.load(policies, {})
    return engine.query("data.relgate.legacy", doc)


@pytest.mark.parametrize("doc", INPUTS, ids=[f"input{i}" for i in range(len(INPUTS))])
def test_a_v0_module_means_the_same_on_both_engines(doc: dict[str, Any]) -> None:
    """regorus runs v0 natively; the real OPA runs its v1 rewrite. The whole package document must agree."""
    legacy = PolicySet((PolicyModule("legacy/gate.rego", LEGACY, "v0"),))
    native = value("regorus", legacy, doc)
    assert value("opa", legacy, doc) == native
    assert native["grade"] == ("high" if doc.get("n", 0) > 10 else "mid" if doc.get("n", 0) > 5 else "low")


def test_the_v1_rewrite_keeps_every_line_where_it_was() -> None:
    (rewritten,) = as_v1(PolicySet((PolicyModule("l.rego", LEGACY, "v0"),))).modules
    assert rewritten.rego_version == "v1"
    assert len(rewritten.text.splitlines()) == len(LEGACY.splitlines())
    assert "deny contains msg if {" in rewritten.text
    assert 'grade = "high" if { input.n > 10 } else = "mid" if { input.n > 5 } else = "low" if { true }' \
        in rewritten.text


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_a_v0_module_read_as_v1_is_a_load_error_naming_file_and_line(engine: str) -> None:
    with pytest.raises(PolicyError, match=r"^legacy/gate\.rego:7(:\d+)?: .*`if` keyword is required"):
        make_engine(engine).load(PolicySet((PolicyModule("legacy/gate.rego", LEGACY),)), {})


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_rego_version_is_chosen_per_policy_directory(tmp_path: Path, engine: str) -> None:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "gate.rego").write_text(LEGACY)
    (tmp_path / "current").mkdir()
    (tmp_path / "current" / "gate.rego").write_text(
        'package relgate.current\nimport rego.v1\nwarn contains "v1 here" if true\n')
    config = write_config(tmp_path, engine=engine,
                          policies=[{"path": "legacy", "rego_version": "v0"}, "current"])
    result = CliRunner().invoke(main, ["check", "--config", str(config), "--at", "2026-11-23T12:00:00Z", "--json",
                                       "--no-audit"], catch_exceptions=False)
    decision = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    assert decision["policies"] == ["relgate.current", "relgate.legacy"]
    assert {w["msg"] for w in decision["warnings"]} == {"constant", "v1 here"}


def test_policy_sets_record_the_rego_version_in_their_digest(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.rego").write_text("package relgate.a\n")
    v1 = load_policies(["p"], tmp_path)
    v0 = load_policies(["p"], tmp_path, rego_versions={"p": "v0"})
    assert v0.modules[0].rego_version == "v0" and v1.modules[0].rego_version == "v1"
    assert v0.digest != v1.digest


def test_an_unknown_rego_version_is_a_config_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, policies=[{"path": "p", "rego_version": "v2"}])
    result = CliRunner().invoke(main, ["check", "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "policies[0]" in result.stderr


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_lines_far_beyond_1024_columns_load(engine: str) -> None:
    certificate = "A" * 20_000
    text = f'package relgate.long\nimport rego.v1\nallowed_certs := {{"{certificate}"}}\n' \
           'deny contains "unknown certificate" if not input.cert in allowed_certs\n'
    engine_ = make_engine(engine)
    engine_.load(PolicySet((PolicyModule("long.rego", text),)), {})
    assert engine_.evaluate({"cert": certificate}) == engine_.evaluate({"cert": certificate})
    (outcome,) = engine_.evaluate({"cert": "other"})
    assert outcome.deny == ("unknown certificate",)
