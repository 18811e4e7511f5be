"""The GitHub Action: its entry point in a simulated Actions environment, and action.yml's shape."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from relgate.action import run
from tests.conftest import ROOT


def actions_env(tmp_path: Path, config: Path, **inputs: str) -> dict[str, str]:
    (tmp_path / "output").write_text("")
    (tmp_path / "summary.md").write_text("")
    return {
        "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/checkout", "GITHUB_RUN_ID": "77", "GITHUB_ACTOR": "lee",
        "GITHUB_SHA": "9f2c1e7a4b8d6c3e5f0a1b2c3d4e5f6a7b8c9d0e", "RELGATE_CONFIG": str(config), **inputs,
    }


def step_outputs(path: Path) -> dict[str, str]:
    """Parse GITHUB_OUTPUT's `name<<DELIM` blocks the way the runner does."""
    text, outputs = path.read_text(), {}
    for match in re.finditer(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", text, re.MULTILINE | re.DOTALL):
        outputs[match.group(1)] = match.group(3)
    return outputs


def pin_time(config: Path) -> None:
    """The action runs at the real time: keep the approval fresh, the freeze past and the waiver valid."""
    text = config.read_text().replace("max_age_hours: 72", "max_age_hours: 1000000")
    text = text.replace('start: "2026-12-24T00:00:00Z", end: "2026-12-27T00:00:00Z"',
                        'start: "2000-12-24T00:00:00Z", end: "2000-12-27T00:00:00Z"')
    text = text.replace('expires: "2027-01-31T00:00:00Z"', 'expires: "2999-01-31T00:00:00Z"')
    assert "2000-12-24" in text and "2999-01-31" in text
    config.write_text(text)


def test_deny_writes_outputs_summary_annotations_and_files(quickstart: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    pin_time(quickstart)
    env = actions_env(tmp_path, quickstart, RELGATE_OUTPUTS=f"sarif={tmp_path}/g.sarif json={tmp_path}/d.json")
    assert run(env) == 1
    outputs = step_outputs(tmp_path / "output")
    assert outputs["decision"] == "deny" and outputs["allowed"] == "false" and outputs["violations"] == "2"
    assert outputs["audit-id"] and outputs["record-path"].endswith("audit.jsonl")
    summary = (tmp_path / "summary.md").read_text()
    assert "relgate: deny" in summary and "https://github.com/acme/checkout/actions/runs/77" in summary
    assert outputs["audit-id"] in summary
    printed = capsys.readouterr().out
    assert "::error file=requirements.txt,line=2,title=relgate relgate.vulnerabilities::CVE-2026-0002: " in printed
    assert json.loads((tmp_path / "d.json").read_text())["audit_id"] == outputs["audit-id"]
    assert json.loads((tmp_path / "g.sarif").read_text())["version"] == "2.1.0"


def test_warn_mode_never_fails_the_job(quickstart: Path, tmp_path: Path) -> None:
    assert run(actions_env(tmp_path, quickstart, RELGATE_MODE="warn")) == 0
    assert step_outputs(tmp_path / "output")["decision"] == "deny"


def test_override_is_recorded_with_the_actor(quickstart: Path, tmp_path: Path) -> None:
    pin_time(quickstart)
    run(actions_env(tmp_path, quickstart, RELGATE_OVERRIDE_REASON="hotfix INC-7"))
    record = json.loads((quickstart.parent / ".relgate" / "audit.jsonl").read_text().splitlines()[-1])
    overrides = record["data"]["customData"]["decision_log"]["result"]["overrides"]
    assert overrides == [{"policy": "relgate.tests", "id": "tests.pass_rate", "msg": overrides[0]["msg"],
                          "reason": "hotfix INC-7", "actor": "lee"}]


def test_hostile_finding_message_comes_out_inert(quickstart: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    report = quickstart.parent / "reports" / "trivy.sarif"
    sarif = json.loads(report.read_text())
    sarif["runs"][0]["results"][1]["message"]["text"] = "evil%0A::error::owned\n::warning::also"
    report.write_text(json.dumps(sarif))
    config = quickstart.read_text().replace("high: 5", "high: 0")
    quickstart.write_text(config)
    run(actions_env(tmp_path, quickstart))
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("::"):
            message = line.split("::", 2)[2]
            assert "::" not in message, line
    assert "owned" not in (tmp_path / "output").read_text()


def test_bad_config_is_an_error_annotation_and_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "relgate.yaml"
    config.write_text("version: 1\nsources: [\n")
    assert run(actions_env(tmp_path, config)) == 2
    assert capsys.readouterr().out.startswith("::error title=relgate error::")
    assert step_outputs(tmp_path / "output")["decision"] == "error"


def test_action_yml_is_a_composite_action_without_script_injection() -> None:
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"config", "environment", "mode", "override-reason", "outputs", "python"}
    assert set(action["outputs"]) == {"decision", "allowed", "audit-id", "record-path", "violations"}
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]
        assert step.get("shell") == "bash"
    gate = next(s for s in action["runs"]["steps"] if s.get("id") == "gate")
    assert "-m relgate.action" in gate["run"]
    passed = set(gate["env"].values())
    for name in action["inputs"]:
        if name != "python":
            assert "${{ inputs.%s }}" % name in passed  # noqa: UP031
