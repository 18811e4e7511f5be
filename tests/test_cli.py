"""The CLI end to end on the quickstart example: verdict, outputs, exit codes, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from relgate.cli import main
from tests.conftest import QUICKSTART_AT


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def check(config: Path, *extra: str) -> Result:
    return run("check", "--config", str(config), "--at", QUICKSTART_AT, *extra)


def records(config: Path) -> list[dict[str, Any]]:
    log = config.parent / ".relgate" / "audit.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_quickstart_denies_with_one_line_per_violation(quickstart: Path) -> None:
    result = check(quickstart)
    assert result.exit_code == 1, result.output
    entries: list[str] = []
    for line in result.stdout.splitlines():  # an entry continues on lines indented by 8 (wrapped at 100 columns)
        if line.startswith(" " * 8) and entries:
            entries[-1] += " " + line.strip()
        else:
            entries.append(line)
    deny_lines = [entry for entry in entries if entry.strip().startswith("DENY")]
    assert len(deny_lines) == 2
    vulns = next(line for line in deny_lines if "relgate.vulnerabilities" in line)
    for cve in ("CVE-2026-0002", "CVE-2026-0003", "CVE-2026-0004", "CVE-2026-0005", "CVE-2026-0006", "CVE-2026-0007"):
        assert cve in vulns
    assert "CVE-2026-0001" not in vulns  # waived by WVR-1
    assert any("relgate.tests" in line for line in deny_lines)
    assert "WAIVED" in result.stdout and "WVR-1" in result.stdout
    assert len(records(quickstart)) == 1


def test_json_output_has_the_documented_keys(quickstart: Path) -> None:
    result = check(quickstart, "--json")
    assert result.exit_code == 1
    decision = json.loads(result.stdout)
    for key in ("decision", "allowed", "violations", "warnings", "waived", "errors",
                "policy_digest", "engine", "audit_id"):
        assert key in decision
    assert decision["decision"] == "deny" and decision["allowed"] is False
    assert decision["engine"] == "regorus"
    for violation in decision["violations"]:
        assert set(violation) >= {"policy", "msg", "id", "details", "enforcement"}
    tests = next(v for v in decision["violations"] if v["policy"] == "relgate.tests")
    assert tests["enforcement"] == "soft-mandatory"
    assert tests["details"]["pass_rate"] == pytest.approx(47 / 49)
    assert [w["waiver_id"] for w in decision["waived"]] == ["WVR-1"]
    assert decision["waived"][0]["findings"] == ["CVE-2026-0001"]
    assert decision["audit_id"] == records(quickstart)[0]["id"]
    assert "relgate:" in result.stderr  # the human verdict moved to stderr


def test_override_passes_soft_mandatory_tests_but_not_vulnerabilities(quickstart: Path) -> None:
    result = check(quickstart, "--json", "--override", "payment fix for INC-7", "--actor", "alice")
    decision = json.loads(result.stdout)
    assert [v["policy"] for v in decision["violations"]] == ["relgate.vulnerabilities"]
    assert decision["overrides"][0]["actor"] == "alice"
    assert decision["overrides"][0]["policy"] == "relgate.tests"
    assert result.exit_code == 1


def test_several_outputs_at_once(quickstart: Path, tmp_path: Path) -> None:
    out_json, out_junit, out_md = tmp_path / "d.json", tmp_path / "gate.xml", tmp_path / "s.md"
    result = check(quickstart, "--output", f"json={out_json}", "--output", f"junit={out_junit}",
                   "--output", f"markdown={out_md}")
    assert result.exit_code == 1
    assert "DENY" in result.stdout
    assert json.loads(out_json.read_text())["decision"] == "deny"
    import xml.etree.ElementTree as ET

    suite = ET.parse(out_junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "2"
    assert "relgate: deny" in out_md.read_text()


def test_warn_mode_records_but_exits_zero(quickstart: Path) -> None:
    result = check(quickstart, "--mode", "warn")
    assert result.exit_code == 0
    assert "does not block" in result.stdout
    assert records(quickstart)[0]["data"]["customData"]["decision_log"]["result"]["decision"] == "deny"


def test_no_audit_writes_nothing(quickstart: Path) -> None:
    assert check(quickstart, "--no-audit").exit_code == 1
    assert records(quickstart) == []


def test_audit_log_flag_redirects_the_record(quickstart: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "other" / "gate.jsonl"
    assert check(quickstart, "--audit-log", str(elsewhere)).exit_code == 1
    assert len(elsewhere.read_text().splitlines()) == 1 and records(quickstart) == []


def test_freeze_window_denies_inside_and_names_the_reason(quickstart: Path) -> None:
    result = run("check", "--config", str(quickstart), "--at", "2026-12-25T10:00:00Z", "--json")
    freeze = [v for v in json.loads(result.stdout)["violations"] if v["policy"] == "relgate.freeze"]
    assert len(freeze) == 1 and "holiday freeze" in freeze[0]["msg"]


def test_each_run_appends_one_record(quickstart: Path) -> None:
    check(quickstart)
    check(quickstart, "--mode", "warn")
    assert [r["relgateseq"] for r in records(quickstart)] == [1, 2]


def test_context_then_eval_gives_the_same_decision(quickstart: Path, tmp_path: Path) -> None:
    ctx = run("context", "--config", str(quickstart), "--at", QUICKSTART_AT)
    assert ctx.exit_code == 0
    saved = tmp_path / "context.json"
    saved.write_text(ctx.stdout)
    doc = json.loads(ctx.stdout)
    assert doc["evaluated_at"] == QUICKSTART_AT and doc["vulnerabilities"]["counts"]["high"] == 6
    offline = json.loads(run("eval", "--config", str(quickstart), "--context", str(saved), "--json").stdout)
    online = json.loads(check(quickstart, "--json", "--no-audit").stdout)
    for key in ("decision", "violations", "warnings", "waived", "policy_digest"):
        assert offline[key] == online[key]


def test_the_installed_console_script_runs(quickstart: Path) -> None:
    """The script installed beside the interpreter running the tests (not another `relgate` earlier on PATH)."""
    beside = Path(sys.executable).parent / "relgate"
    exe = str(beside) if beside.exists() else shutil.which("relgate") or "relgate"
    done = subprocess.run([exe, "check", "--config", str(quickstart), "--at", QUICKSTART_AT],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stdout.startswith("relgate: DENY")


# Bad input: one line on stderr, exit 2, no traceback; an error record only once a run started.


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("relgate: error:")]
    assert errors, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert any(fragment in line for line in errors), (fragment, result.stderr)


def test_sarif_that_is_not_json(quickstart: Path) -> None:
    (quickstart.parent / "reports" / "trivy.sarif").write_text("{not json")
    result = check(quickstart)
    assert_one_line_error(result, "required source 'scans' failed", "trivy.sarif")
    assert [r["data"]["customData"]["decision_log"]["result"]["decision"] for r in records(quickstart)] == ["error"]


def test_sarif_of_another_version(quickstart: Path) -> None:
    report = quickstart.parent / "reports" / "trivy.sarif"
    report.write_text(report.read_text().replace('"version": "2.1.0"', '"version": "2.0.0"'))
    assert_one_line_error(check(quickstart), "trivy.sarif", "2.0.0")


def test_junit_that_is_not_xml(quickstart: Path) -> None:
    (quickstart.parent / "reports" / "junit-unit.xml").write_text("passed: 50\n")
    assert_one_line_error(check(quickstart), "required source 'tests' failed", "junit-unit.xml")


def test_glob_matching_nothing_for_a_required_source(quickstart: Path) -> None:
    for report in (quickstart.parent / "reports").glob("*.sarif"):
        report.unlink()
    assert_one_line_error(check(quickstart), "reports/*.sarif", "matched no file")


def test_optional_source_failure_is_recorded_not_fatal(quickstart: Path) -> None:
    (quickstart.parent / "change.yaml").unlink()
    result = check(quickstart, "--json")
    decision = json.loads(result.stdout)
    assert result.exit_code == 1 and decision["errors"] == []
    assert any(v["policy"] == "relgate.approvals" for v in decision["violations"])


def test_rego_syntax_error_names_file_and_line(quickstart: Path) -> None:
    bad = quickstart.parent / "mine"
    bad.mkdir()
    (bad / "team.rego").write_text("package relgate.team\nimport rego.v1\n\ndeny contains msg if {\n  msg := \n}\n")
    text = quickstart.read_text().replace("policies: [builtin]", "policies: [builtin, mine]")
    quickstart.write_text(text)
    assert_one_line_error(check(quickstart), "team.rego:")


def test_policy_directory_without_rego(quickstart: Path) -> None:
    (quickstart.parent / "empty").mkdir()
    quickstart.write_text(quickstart.read_text().replace("policies: [builtin]", "policies: [empty]"))
    assert_one_line_error(check(quickstart), "empty: policy directory contains no .rego file")


def test_builtin_library_with_no_section_configured_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "relgate.yaml"
    config.write_text("version: 1\nservice: s\nenvironment: e\npolicies: [builtin]\n")
    assert_one_line_error(check(config), "no library policy takes part")


def test_torn_audit_log_is_refused_and_left_alone(quickstart: Path) -> None:
    log = quickstart.parent / ".relgate" / "audit.jsonl"
    check(quickstart)
    torn = log.read_bytes() + b'{"specversion": "1.0", "id": "half'
    log.write_bytes(torn)
    assert_one_line_error(check(quickstart), "audit.jsonl")
    assert log.read_bytes() == torn


def test_malformed_config_writes_no_record(quickstart: Path) -> None:
    quickstart.write_text("version: 1\nsources: [\n")
    assert_one_line_error(check(quickstart), "relgate.yaml:")
    assert records(quickstart) == []


def test_unknown_source_type(quickstart: Path) -> None:
    quickstart.write_text(quickstart.read_text().replace("type: junit", "type: junitx"))
    assert_one_line_error(check(quickstart), "unknown source type 'junitx'")


def test_bad_output_flag(quickstart: Path) -> None:
    assert_one_line_error(check(quickstart, "--output", "yaml=x.yaml"), "unknown format 'yaml'")


def test_bad_at_flag(quickstart: Path) -> None:
    assert_one_line_error(run("check", "--config", str(quickstart), "--at", "yesterday"), "--at")


def test_eval_of_a_malformed_context_is_an_error_decision(quickstart: Path, tmp_path: Path) -> None:
    saved = tmp_path / "context.json"
    saved.write_text('{"evaluated_at": "x", "vulnerabilities": "lots"}')
    result = run("eval", "--config", str(quickstart), "--context", str(saved))
    assert_one_line_error(result, "context:")
    saved.write_text("[1, 2]")
    assert_one_line_error(run("eval", "--config", str(quickstart), "--context", str(saved)), "expected a context")
