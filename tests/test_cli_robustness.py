"""Every failure, in every command, is one line on stderr and exit 2: no traceback, no half-done run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from relgate.action import run as action_run
from relgate.cli import main
from tests.conftest import QUICKSTART_AT
from tests.test_action import actions_env, step_outputs


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def one_line_error(result: Result, *needles: str) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("relgate: error: "), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def audit_log(config: Path) -> Path:
    return config.parent / ".relgate" / "audit.jsonl"


@pytest.mark.parametrize("command", ["check", "context"])
@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:30:00-01:00", "2026-13-01T00:00:00Z",
                                "yesterday"])
def test_an_unusable_at_is_one_line(quickstart: Path, command: str, at: str) -> None:
    one_line_error(invoke(command, "--config", str(quickstart), "--at", at), "--at: expected an RFC 3339", at)
    assert not audit_log(quickstart).exists()


def test_the_earliest_representable_time_still_works(quickstart: Path) -> None:
    result = invoke("context", "--config", str(quickstart), "--at", "0001-01-01T00:00:00Z")
    assert json.loads(result.stdout)["evaluated_at"] == "0001-01-01T00:00:00Z"


def test_an_output_that_is_a_directory_is_refused_before_the_run(quickstart: Path, tmp_path: Path) -> None:
    result = invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--output", f"json={tmp_path}")
    one_line_error(result, f"--output 'json={tmp_path}'", "is a directory")
    assert not audit_log(quickstart).exists()


def test_an_output_that_cannot_be_written_is_one_line(quickstart: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--output",
                    f"sarif={blocker}/out.sarif")
    one_line_error(result, "--output sarif=", "cannot write")


@pytest.mark.parametrize("output", ["github=-", "github=annotations.txt"])
def test_an_unwritable_step_summary_is_refused_before_the_run(quickstart: Path, tmp_path: Path, output: str) -> None:
    result = invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--output", output,
                    env={"GITHUB_STEP_SUMMARY": str(tmp_path)})
    one_line_error(result, "GITHUB_STEP_SUMMARY", "cannot append the job summary", "Is a directory")
    assert not audit_log(quickstart).exists()


def test_the_action_reports_an_unwritable_step_summary_as_an_error(quickstart: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    env = actions_env(tmp_path, quickstart)
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path)
    assert action_run(env) == 2
    printed = capsys.readouterr().out
    assert "::error title=relgate error::GITHUB_STEP_SUMMARY" in printed and "Traceback" not in printed
    assert not audit_log(quickstart).exists()


@pytest.mark.parametrize(("flags", "needle"), [
    (["--override", " ", "--actor", " "], "--override: the reason is blank"),
    (["--override", "", "--actor", "lee"], "--override: the reason is blank"),
    (["--override", "\t\n", "--actor", "lee"], "--override: the reason is blank"),
    (["--override", "hotfix for INC-1", "--actor", "  "], "--actor: the identity is blank"),
])
def test_a_blank_override_reason_or_identity_is_refused(quickstart: Path, flags: list[str], needle: str) -> None:
    one_line_error(invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, *flags), needle)
    assert not audit_log(quickstart).exists()


def test_an_override_with_a_reason_and_identity_still_works(quickstart: Path) -> None:
    result = invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--override", " hotfix ",
                    "--actor", " lee ", "--json")
    overrides = json.loads(result.stdout)["overrides"]
    assert overrides and {(o["reason"], o["actor"]) for o in overrides} == {("hotfix", "lee")}


@pytest.mark.parametrize("mode", ["Warn", "ENFORCE", "warn ", "dry-run"])
def test_the_action_refuses_a_mode_in_the_wrong_case(quickstart: Path, tmp_path: Path, mode: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert action_run(actions_env(tmp_path, quickstart, RELGATE_MODE=mode)) == 2
    printed = capsys.readouterr().out
    assert "::error title=relgate error::RELGATE_MODE (input `mode`)%3A" not in printed  # data, not a property
    assert "RELGATE_MODE (input `mode`): expected one of enforce, warn, got" in printed
    assert step_outputs(tmp_path / "output")["decision"] == "error"
    assert not audit_log(quickstart).exists()


def test_the_action_turns_blank_override_input_into_an_error(quickstart: Path, tmp_path: Path) -> None:
    assert action_run(actions_env(tmp_path, quickstart, RELGATE_OVERRIDE_REASON="   ")) == 2


def test_a_context_file_that_is_not_utf8_is_one_line(quickstart: Path, tmp_path: Path) -> None:
    bad = tmp_path / "context.json"
    bad.write_bytes(b'{"service": "\xff\xfe"}')
    one_line_error(invoke("eval", "--config", str(quickstart), "--context", str(bad)), "not UTF-8 text")


def test_a_context_nested_too_deeply_is_one_line(quickstart: Path, tmp_path: Path) -> None:
    deep = tmp_path / "context.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = invoke("eval", "--config", str(quickstart), "--context", str(deep))
    one_line_error(result, "nested too deeply")


def _explode(*args: Any, **kwargs: Any) -> Any:
    raise KeyError("boom")


@pytest.mark.parametrize(("target", "args"), [
    ("relgate.cli.load_config", ["check", "--config", "x.yaml"]),
    ("relgate.cli.load_config", ["context", "--config", "x.yaml"]),
    ("relgate.cli_store.choose_store", ["audit", "verify", "--log", "a.jsonl"]),
    ("relgate.cli_store.choose_store", ["audit", "list", "--log", "a.jsonl"]),
])
def test_an_unexpected_failure_in_any_command_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                                    target: str, args: list[str]) -> None:
    monkeypatch.setattr(target, _explode)
    line = one_line_error(invoke(*args))
    assert "internal error" in line and "unexpected KeyError: 'boom'" in line


def test_an_os_error_in_any_command_names_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device", "/var/relgate/audit.jsonl")

    monkeypatch.setattr("relgate.cli_store.choose_store", full)
    one_line_error(invoke("audit", "verify", "--log", "a.jsonl"), "/var/relgate/audit.jsonl: No space left on device")


def test_a_click_error_that_would_exit_1_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise click.FileError("x.yaml", "unreadable")

    monkeypatch.setattr("relgate.cli.load_config", refuse)
    assert invoke("check", "--config", "x.yaml").exit_code == 2


def test_debug_shows_the_traceback_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relgate.cli.load_config", _explode)
    result = invoke("check", "--config", "x.yaml", env={"RELGATE_DEBUG": "1"})
    assert result.exit_code == 2 and "Traceback" in result.stderr


def test_a_fifo_as_the_context_does_not_block(quickstart: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "context.json"
    os.mkfifo(fifo)
    one_line_error(invoke("eval", "--config", str(quickstart), "--context", str(fifo)), "expected a regular file")
