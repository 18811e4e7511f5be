"""`relgate policy check` reports the capabilities check: every refused call on its own line, or what is used."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from relgate.cli import main

POLICY = """package relgate.tokens
import rego.v1

deny contains "bad token" if {
  [_, claims, _] := io.jwt.decode(input.token)
  claims.iss != "ci"
}

deny contains "revoked" if {
  http.send({"method": "get", "url": "https://revocations.internal"}).body[input.token]
}
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["policy", "check", *args], catch_exceptions=False)


def test_each_refused_call_is_one_line_naming_file_line_and_builtin(tmp_path: Path) -> None:
    (tmp_path / "tokens.rego").write_text(POLICY)
    result = invoke(str(tmp_path), "--engine", "regorus")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("io.jwt.decode cannot run on engine regorus: not implemented; use `engine: opa` "
                             "(the real OPA)") and "tokens.rego:5:" in lines[0]
    assert "tokens.rego:10:" in lines[1] and "http.send is not allowed in a gate policy" in lines[1]


def test_what_may_run_is_reported(tmp_path: Path) -> None:
    (tmp_path / "tokens.rego").write_text(POLICY)
    result = invoke(str(tmp_path), "--engine", "opa", "--allow-builtin", "http.send")
    assert result.exit_code == 0, result.output
    assert "built-ins called: http.send, io.jwt.decode" in result.stdout
    assert "gate packages: relgate.tokens" in result.stdout


def test_v0_policies_are_checked_with_v0_compatible(tmp_path: Path) -> None:
    (tmp_path / "old.rego").write_text('package relgate.old\n\ndeny[msg] { msg := "v0" }\n')
    assert invoke(str(tmp_path)).exit_code == 2
    result = invoke(str(tmp_path), "--v0-compatible", "--engine", "opa")
    assert result.exit_code == 0, result.output


def test_a_package_outside_relgate_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "main.rego").write_text('package main\nimport rego.v1\ndeny contains "x" if true\n')
    result = invoke(str(tmp_path))
    assert result.exit_code == 0
    assert "package main defines deny/warn but is not evaluated" in result.stderr
