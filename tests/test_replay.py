"""`relgate replay`: recorded decisions re-evaluated with other policies; only real changes flip."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from relgate.cli import main
from tests.conftest import QUICKSTART_AT

STRICT_FRIDAY = """package relgate.team
import rego.v1

deny contains {"msg": "no deploys during the incident review", "id": "team.review"} if {
	input.service == "checkout"
}
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def record_runs(config: Path, *extra: str) -> None:
    for at in (QUICKSTART_AT, "2026-11-23T13:00:00Z", "2026-12-25T10:00:00Z"):
        invoke("check", "--config", str(config), "--at", at, *extra)


def relax(config: Path) -> None:
    config.write_text(config.read_text().replace("min_pass_rate: 0.98", "min_pass_rate: 0.9")
                      .replace("high: 5", "high: 10"))


def test_replaying_with_the_recorded_policies_flips_nothing(quickstart: Path) -> None:
    record_runs(quickstart)
    record_runs(quickstart, "--override", "hotfix", "--actor", "lee")
    result = invoke("replay", "--config", str(quickstart), "--policies", "builtin", "--json", "--fail-on-flip")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["replayed"] == 6 and report["flips"] == []


def test_new_thresholds_from_a_config_flip_denials_to_allow(quickstart: Path, tmp_path: Path) -> None:
    record_runs(quickstart)
    relaxed = tmp_path / "next.yaml"
    relaxed.write_text(quickstart.read_text().replace("log: .relgate/audit.jsonl",
                                                      f"log: {quickstart.parent}/.relgate/audit.jsonl"))
    relax(relaxed)
    result = invoke("replay", "--config", str(relaxed), "--policies", "builtin", "--json", "--fail-on-flip")
    assert result.exit_code == 1
    flips = json.loads(result.stdout)["flips"]
    assert [(f["before"], f["after"]) for f in flips] == [("deny", "allow"), ("deny", "allow")]  # not the freeze
    assert flips[0]["rules"] == ["relgate.tests:tests.pass_rate",
                                 "relgate.vulnerabilities:vulnerabilities.max_exceeded"]


def test_a_new_policy_flips_allowed_decisions_to_deny(quickstart: Path, tmp_path: Path) -> None:
    relax(quickstart)
    record_runs(quickstart)
    team = tmp_path / "team"
    team.mkdir()
    (team / "review.rego").write_text(STRICT_FRIDAY)
    log = quickstart.parent / ".relgate" / "audit.jsonl"
    result = invoke("replay", "--log", str(log), "--policies", "builtin", "--policies", str(team))
    lines = result.stdout.splitlines()
    assert sum(line.startswith("FLIP") for line in lines) == 2
    assert "allow -> deny [relgate.team:team.review]" in lines[0]
    assert lines[-1].startswith("3 decision(s) replayed") and "2 would flip" in lines[-1]
    assert result.exit_code == 0  # no --fail-on-flip


def test_records_without_replay_data_are_skipped(quickstart: Path, tmp_path: Path) -> None:
    record_runs(quickstart)
    log = quickstart.parent / ".relgate" / "audit.jsonl"
    first = json.loads(log.read_text().splitlines()[0])
    del first["data"]["customData"]["replay"]
    other = tmp_path / "old.jsonl"
    other.write_text(json.dumps(first) + "\n")
    report = json.loads(invoke("replay", "--log", str(other), "--policies", "builtin", "--json").stdout)
    assert (report["replayed"], report["skipped"]) == (0, 1)


def test_since_limits_the_window(quickstart: Path) -> None:
    record_runs(quickstart)
    log = quickstart.parent / ".relgate" / "audit.jsonl"
    report = json.loads(invoke("replay", "--log", str(log), "--policies", "builtin", "--json",
                               "--since", "2026-12-01T00:00:00Z").stdout)
    assert report["replayed"] == 1
