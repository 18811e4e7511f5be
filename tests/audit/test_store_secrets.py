"""A PostgreSQL store URL's password is never shown: not on stdout, in the JSON record_path, or the Action's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from relgate.action import run as action_run
from relgate.cli import main
from tests.conftest import QUICKSTART_AT
from tests.test_action import actions_env, pin_time, step_outputs

PASSWORD = "pg-pass-7d41c0e9"


def with_password(url: str) -> str:
    user_host = url.split("/relgate", 1)[0]
    return f"{user_host.replace('postgres@', f'postgres:{PASSWORD}@')}/relgate?password={PASSWORD}&sslmode=disable"


def test_check_shows_the_store_without_its_password(quickstart: Path, postgres_url: str) -> None:
    store = with_password(postgres_url)
    result = CliRunner().invoke(main, ["check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--store", store,
                                       "--output", f"json={quickstart.parent / 'd.json'}"], catch_exceptions=False)
    assert result.exit_code == 1, result.stderr
    assert PASSWORD not in result.output
    assert "audit record " in result.stdout and "?password=***&sslmode=disable" in result.stdout
    record_path = json.loads((quickstart.parent / "d.json").read_text())["record_path"]
    assert PASSWORD not in record_path and record_path.endswith("/relgate?password=***&sslmode=disable")


def test_the_action_output_record_path_has_no_password(quickstart: Path, tmp_path: Path, postgres_url: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    pin_time(quickstart)
    quickstart.write_text(quickstart.read_text().replace("audit: {log: .relgate/audit.jsonl}",
                                                         "audit: {store: '${GATE_STORE}'}"))
    env = actions_env(tmp_path, quickstart, GATE_STORE=with_password(postgres_url))
    assert action_run(env) == 1
    outputs = step_outputs(tmp_path / "output")
    assert PASSWORD not in outputs["record-path"] and "password=***" in outputs["record-path"]
    assert PASSWORD not in capsys.readouterr().out + (tmp_path / "summary.md").read_text()
