"""Hostile evidence through the whole CLI: check, context, replay and the audit commands print nothing live."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from relgate.cli import main
from tests.conftest import QUICKSTART_AT
from tests.output.hostile import UNSAFE, command_of, runner_lines, starts_a_command

HOSTILE = "R\n::error::X \x1b[2J##[add-mask]m \u202egnp.exe \x85::warning::Y %0A"
ECHO = """package relgate.echo

import rego.v1

deny contains {"msg": input.change_facts.title, "id": input.change_facts.title,
               "details": {input.change_facts.title: input.change_facts.title}}
"""


def gate(base: Path) -> Path:
    (base / "policies").mkdir()
    (base / "policies" / "echo.rego").write_text(ECHO)
    (base / "change.json").write_text(json.dumps({"title": HOSTILE}))
    config = base / "relgate.yaml"
    config.write_text(yaml.safe_dump({
        "version": 1, "service": "checkout", "environment": "production", "policies": ["policies"],
        "sources": [{"type": "file", "name": "change", "path": "change.json", "key": "change_facts"}],
        "audit": {"log": "audit.jsonl"},
    }))
    return config


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def inert(result: Result, allowed_commands: int = 0) -> None:
    """No byte of stdout or stderr moves a terminal; only our own annotations are workflow commands."""
    for stream in (result.stdout, result.stderr):
        assert not UNSAFE.search(stream.replace("\n", "")), stream
        commands = [line for line in runner_lines(stream) if starts_a_command(line)]
        assert all(command_of(line) is not None and "##[" not in line for line in commands), commands
    assert sum(starts_a_command(line) for line in runner_lines(result.stdout)) == allowed_commands


def test_hostile_evidence_is_inert_in_every_command(tmp_path: Path) -> None:
    config = gate(tmp_path)
    check = invoke("check", "--config", str(config), "--at", QUICKSTART_AT)
    assert check.exit_code == 1
    inert(check)
    inert(invoke("check", "--config", str(config), "--at", QUICKSTART_AT, "--json"))
    inert(invoke("check", "--config", str(config), "--at", QUICKSTART_AT, "--output", "github=-"),
          allowed_commands=1)
    inert(invoke("check", "--config", str(config), "--at", QUICKSTART_AT, "--output", "sarif=-"))
    inert(invoke("check", "--config", str(config), "--at", QUICKSTART_AT, "--output", "junit=-"))
    inert(invoke("context", "--config", str(config), "--at", QUICKSTART_AT))
    log = str(tmp_path / "audit.jsonl")
    record_id = json.loads(Path(log).read_text().split("\n")[0])["id"]
    for args in (["audit", "list", "--log", log], ["audit", "show", record_id, "--log", log],
                 ["audit", "verify", "--log", log], ["audit", "report", "--log", log],
                 ["replay", "--log", log, "--policies", str(tmp_path / "policies")],
                 ["replay", "--log", log, "--policies", str(tmp_path / "policies"), "--json"]):
        result = invoke(*args)
        assert result.exit_code in (0, 1), (args, result.stderr)
        inert(result)


def test_a_tampered_record_id_is_shown_escaped_by_verify(tmp_path: Path) -> None:
    config = gate(tmp_path)
    invoke("check", "--config", str(config), "--at", QUICKSTART_AT)
    log = tmp_path / "audit.jsonl"
    record = json.loads(log.read_text().split("\n")[0])
    record["id"] = "x\x1b[2J\n::error::forged"
    log.write_text(json.dumps(record) + "\n")
    result = invoke("audit", "verify", "--log", str(log))
    assert result.exit_code != 0
    inert(result)
