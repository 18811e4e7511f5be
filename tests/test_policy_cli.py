"""`relgate policy test` and `policy check` use the gate's own loader and engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from relgate.cli import main
from relgate.engines import EMBEDDED_ENGINES

GOOD = """package relgate.team
import rego.v1

deny contains "friday" if input.weekday == "friday"
"""
GOOD_TEST = """package relgate.team_test
import rego.v1

test_friday_denied if "friday" in data.relgate.team.deny with input as {"weekday": "friday"}
test_monday_allowed if count(data.relgate.team.deny) == 0 with input as {"weekday": "monday"}
"""
MIXED = """package relgate.mixed
import rego.v1

test_passes if true
test_passes if false

test_cases[note] if {
\tsome note in ["ok", "broken"]
\tnote == "ok"
}

todo_test_later if false
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path, so policies are named relative to it (p/team.rego), as a user would see them."""
    monkeypatch.chdir(tmp_path)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(directory: Path, **files: str) -> Path:
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / f"{name}.rego").write_text(text)
    return directory


def test_quiet_run_prints_only_a_summary_when_all_pass() -> None:
    policies = write(Path("p"), team=GOOD, team_test=GOOD_TEST)
    result = invoke("policy", "test", str(policies))
    assert result.exit_code == 0, result.output
    assert result.stdout == "regorus: 2 passed, 0 failed\n"


def test_verbose_names_each_test_with_file_and_line() -> None:
    policies = write(Path("p"), team=GOOD, team_test=GOOD_TEST)
    result = invoke("policy", "test", str(policies), "-v")
    assert result.exit_code == 0, result.output
    assert "PASS regorus data.relgate.team_test.test_friday_denied (p/team_test.rego:4)" in result.stdout
    assert "PASS regorus data.relgate.team_test.test_monday_allowed (p/team_test.rego:5)" in result.stdout


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_failures_repeated_names_cases_and_skips_are_reported(engine: str) -> None:
    result = invoke("policy", "test", str(write(Path("p"), mixed=MIXED)), "--engine", engine)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        f"FAIL {engine} data.relgate.mixed.test_passes#01 (p/mixed.rego:5)",
        f"FAIL {engine} data.relgate.mixed.test_cases (p/mixed.rego:7)",
        "    broken: FAIL",
        f"SKIPPED {engine} data.relgate.mixed.todo_test_later (p/mixed.rego:12)",
        f"{engine}: 2 passed, 2 failed, 1 skipped",
    ]


def test_both_engines_with_all() -> None:
    policies = write(Path("p"), team=GOOD, team_test=GOOD_TEST)
    result = invoke("policy", "test", str(policies), "--engine", "all")
    assert result.exit_code == 0, result.output
    assert result.stdout == "regorus: 2 passed, 0 failed\nopa: 2 passed, 0 failed\n"


def test_skipped_tests_fail_the_run_unless_told_otherwise() -> None:
    policies = write(Path("p"), team=GOOD, team_test=GOOD_TEST + "todo_test_x if false\n")
    assert invoke("policy", "test", str(policies)).exit_code == 1
    assert invoke("policy", "test", str(policies), "-z").exit_code == 0


def test_run_selects_tests_by_regex() -> None:
    policies = write(Path("p"), mixed=MIXED)
    result = invoke("policy", "test", str(policies), "--run", r"test_passes$", "-v")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "PASS regorus data.relgate.mixed.test_passes (p/mixed.rego:4)", "regorus: 1 passed, 0 failed"]


def test_data_files_beside_the_policies_and_named_on_the_command_line() -> None:
    policies = write(Path("p"), t="package t\nimport rego.v1\n"
                     'test_owner if data.teams.checkout == "dana"\ntest_extra if data.extra == 1\n')
    (policies / "teams").mkdir()
    (policies / "teams" / "owners.yaml").write_text("checkout: dana\n")
    Path("extra.json").write_text('{"extra": 1}')
    result = invoke("policy", "test", str(policies), "extra.json", "--engine", "all")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_coverage_report_and_minimum(engine: str) -> None:
    policies = str(write(Path("p"), team=GOOD + "\nwarn contains \"x\" if input.never\n", team_test=GOOD_TEST))
    result = invoke("policy", "test", policies, "--coverage", "--engine", engine)
    assert result.exit_code == 0, result.output
    assert f"{engine}: coverage 75.00% (3 of 4 lines)" in result.stdout
    assert "    p/team.rego: 50.00%, not covered: 6" in result.stdout
    assert invoke("policy", "test", policies, "--coverage-min", "75", "--engine", engine).exit_code == 0
    below = invoke("policy", "test", policies, "--coverage-min", "75.5", "--engine", engine)
    assert below.exit_code == 1
    assert below.stderr == f"relgate: {engine}: coverage 75.00% is below --coverage-min 75.5\n"


def test_json_output() -> None:
    result = invoke("policy", "test", str(write(Path("p"), mixed=MIXED)), "--json", "--coverage")
    assert result.exit_code == 1
    (run,) = json.loads(result.stdout)["engines"]
    assert run["engine"] == "regorus"
    assert run["counts"] == {"PASS": 2, "FAIL": 2, "ERROR": 0, "SKIPPED": 1}
    cases = next(r for r in run["results"] if r["name"] == "test_cases")
    assert cases["cases"] == [{"key": ["broken"], "status": "FAIL"}, {"key": ["ok"], "status": "PASS"}]
    assert set(run["coverage"]) == {"files", "covered_lines", "not_covered_lines", "coverage"}


def test_builtin_library_tests_pass_on_both_engines_with_full_coverage() -> None:
    result = invoke("policy", "test", "--engine", "all", "--coverage-min", "100")
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--run", "("], "relgate: error: --run '(': not a regular expression: "),
    (["--coverage-min", "120"], "relgate: error: --coverage-min: expected a percentage from 0 to 100, got 120"),
    (["--run", "nothing-matches"], "relgate: error: --run 'nothing-matches': no test name matches"),
])
def test_bad_flags_are_one_line_errors(args: list[str], message: str) -> None:
    result = invoke("policy", "test", str(write(Path("p"), team=GOOD, team_test=GOOD_TEST)), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_policy_test_with_no_tests_is_an_error() -> None:
    result = invoke("policy", "test", str(write(Path("p"), team=GOOD)))
    assert result.exit_code == 2 and "no test_* rule found" in result.stderr


def test_policy_that_does_not_compile_is_an_error() -> None:
    broken = GOOD_TEST + "test_broken if {\n  x := [\n}\n"
    result = invoke("policy", "test", str(write(Path("p"), team=GOOD, team_test=broken)))
    assert result.exit_code == 2
    assert "team_test.rego:" in result.stderr and "Traceback" not in result.stderr


def test_bad_data_file_is_an_error_naming_it() -> None:
    policies = write(Path("p"), team=GOOD, team_test=GOOD_TEST)
    (policies / "broken.json").write_text('{"a": }')
    result = invoke("policy", "test", str(policies))
    assert result.exit_code == 2
    assert result.stderr == "relgate: error: p/broken.json:1:7: invalid JSON: Expecting value\n"


def test_policy_check_reports_file_and_line() -> None:
    policies = write(Path("p"), team="package relgate.team\nimport rego.v1\n\ndeny contains x if {\n  x := [\n}\n")
    result = invoke("policy", "check", str(policies))
    assert result.exit_code == 2
    assert "team.rego:" in result.stderr and "Traceback" not in result.stderr


def test_policy_check_accepts_good_policies() -> None:
    result = invoke("policy", "check", str(write(Path("p"), team=GOOD)))
    assert result.exit_code == 0 and result.stdout.startswith("ok: 1 module(s) compiled")


def test_policy_check_on_an_empty_directory() -> None:
    Path("none").mkdir()
    result = invoke("policy", "check", "none")
    assert result.exit_code == 2 and "contains no .rego file" in result.stderr


PRINTS = """package t
import rego.v1

test_quiet if {
\tprint("all good")
}

test_loud if {
\tprint("wanted", 2, "got", 1)
\t2 == 1
}
"""


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_print_output_is_shown_under_the_test_that_wrote_it(engine: str) -> None:
    policies = str(write(Path("p"), t=PRINTS))
    quiet = invoke("policy", "test", policies, "--engine", engine)
    assert quiet.exit_code == 1
    assert quiet.stdout.splitlines() == [
        f"FAIL {engine} data.t.test_loud (p/t.rego:8)",
        "    | p/t.rego:9: wanted 2 got 1",
        f"{engine}: 1 passed, 1 failed",
    ]
    assert quiet.stderr == ""
    verbose = invoke("policy", "test", policies, "--engine", engine, "-v")
    assert "    | p/t.rego:5: all good" in verbose.stdout.splitlines()


# `with … as r` where r is a rule the same expression reads: OPA replaces data.d.limit
# by n (5 == 5); regorus leaves the expression undefined (docs/engines.md, with_keyword).
DISAGREE = """package d
import rego.v1

limit := 3

n := 5

test_with_rule_value if {
\tlimit == n with data.d.limit as n
}

test_plain if limit == 3
"""


def test_engines_that_disagree_are_named() -> None:
    result = invoke("policy", "test", str(write(Path("p"), d=DISAGREE)), "--engine", "all")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "DIFFER data.d.test_with_rule_value: regorus FAIL, opa PASS", "regorus and opa disagree on 1 test(s)"]
