"""`relgate policy test` and `policy check` use the gate's own loader and engines."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from relgate.cli import main

GOOD = """package relgate.team
import rego.v1

deny contains "friday" if input.weekday == "friday"
"""
GOOD_TEST = """package relgate.team_test
import rego.v1

test_friday_denied if "friday" in data.relgate.team.deny with input as {"weekday": "friday"}
test_monday_allowed if count(data.relgate.team.deny) == 0 with input as {"weekday": "monday"}
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(directory: Path, **files: str) -> Path:
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / f"{name}.rego").write_text(text)
    return directory


def test_policy_test_reports_each_test(tmp_path: Path) -> None:
    policies = write(tmp_path / "p", team=GOOD, team_test=GOOD_TEST)
    result = invoke("policy", "test", str(policies))
    assert result.exit_code == 0, result.output
    assert "PASS regorus relgate.team_test.test_friday_denied" in result.stdout
    assert "PASS regorus relgate.team_test.test_monday_allowed" in result.stdout
    assert result.stdout.strip().endswith("2 passed, 0 failed")


def test_policy_test_on_both_engines(tmp_path: Path) -> None:
    policies = write(tmp_path / "p", team=GOOD, team_test=GOOD_TEST)
    result = invoke("policy", "test", str(policies), "--engine", "all")
    assert result.exit_code == 0, result.output
    assert "PASS opa relgate.team_test.test_friday_denied" in result.stdout
    assert result.stdout.strip().endswith("4 passed, 0 failed")


def test_policy_test_exits_one_on_a_failing_test(tmp_path: Path) -> None:
    wrong = GOOD_TEST.replace('"weekday": "monday"', '"weekday": "friday"')
    policies = write(tmp_path / "p", team=GOOD, team_test=wrong)
    result = invoke("policy", "test", str(policies))
    assert result.exit_code == 1
    assert "FAIL regorus relgate.team_test.test_monday_allowed" in result.stdout


def test_builtin_library_tests_pass() -> None:
    result = invoke("policy", "test")
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.stdout


def test_policy_test_with_no_tests_is_an_error(tmp_path: Path) -> None:
    result = invoke("policy", "test", str(write(tmp_path / "p", team=GOOD)))
    assert result.exit_code == 2 and "no test_* rule found" in result.stderr


def test_policy_check_reports_file_and_line(tmp_path: Path) -> None:
    policies = write(tmp_path / "p", team="package relgate.team\nimport rego.v1\n\ndeny contains x if {\n  x := [\n}\n")
    result = invoke("policy", "check", str(policies))
    assert result.exit_code == 2
    assert "team.rego:" in result.stderr and "Traceback" not in result.stderr


def test_policy_check_accepts_good_policies(tmp_path: Path) -> None:
    result = invoke("policy", "check", str(write(tmp_path / "p", team=GOOD)))
    assert result.exit_code == 0 and result.stdout.startswith("ok: 1 module(s) compiled")


def test_policy_check_on_an_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "none").mkdir()
    result = invoke("policy", "check", str(tmp_path / "none"))
    assert result.exit_code == 2 and "contains no .rego file" in result.stderr
