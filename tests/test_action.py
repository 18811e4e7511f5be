"""The GitHub Action: its entry point in a simulated Actions environment, and action.yml's shape."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from relgate.action import run
from tests.output.code_scanning import upload_problems


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


def test_bad_config_still_writes_every_output_and_an_honest_summary(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "relgate.yaml"
    config.write_text("version: 1\nsources: [\n")
    files = f"sarif={tmp_path}/out/g.sarif json={tmp_path}/out/d.json junit={tmp_path}/out/j.xml " \
            f"markdown={tmp_path}/out/s.md"
    assert run(actions_env(tmp_path, config, RELGATE_OUTPUTS=files, RELGATE_ENVIRONMENT="production")) == 2
    printed = capsys.readouterr().out
    assert "relgate: ERROR" in printed and "::error title=relgate error::" in printed
    assert step_outputs(tmp_path / "output")["decision"] == "error"
    summary = (tmp_path / "summary.md").read_text()
    assert "evaluated at" not in summary and " with ;" not in summary and "``" not in summary
    assert "no decision could be made (see Errors)" in summary and "production" in summary
    sarif = (tmp_path / "out" / "g.sarif").read_text()
    assert upload_problems(sarif) == []
    invocation = json.loads(sarif)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False and "relgate.yaml" in str(invocation)
    assert json.loads((tmp_path / "out" / "d.json").read_text())["decision"] == "error"
    assert ET.parse(tmp_path / "out" / "j.xml").getroot().find("testsuite").get("errors") == "1"  # type: ignore
    assert "no decision could be made" in (tmp_path / "out" / "s.md").read_text()


def test_warn_mode_annotations_are_warnings_and_errors_do_not_fail_the_step(
        quickstart: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pin_time(quickstart)
    assert run(actions_env(tmp_path, quickstart, RELGATE_MODE="warn")) == 0
    printed = capsys.readouterr().out
    assert "::warning file=requirements.txt,line=2," in printed and "::error" not in printed
    assert "Mode **warn**" in (tmp_path / "summary.md").read_text()
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nsources: [\n")
    assert run(actions_env(tmp_path, broken, RELGATE_MODE="warn")) == 0
    printed = capsys.readouterr().out
    assert "::warning title=relgate error::" in printed and "::error" not in printed


def test_an_unknown_mode_is_an_error_not_warn(quickstart: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert run(actions_env(tmp_path, quickstart, RELGATE_MODE="audit")) == 2
    assert "RELGATE_MODE (input `mode`): expected one of enforce, warn" in capsys.readouterr().out
