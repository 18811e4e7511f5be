"""Hostile config files: each is one line on stderr, exit 2, fast, and no audit record."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from relgate.action import run as action_run
from relgate.api import check
from relgate.config import load_config
from relgate.errors import ConfigError
from relgate.filetext import MAX_CONFIG_BYTES
from tests.conftest import QUICKSTART_AT
from tests.test_cli import assert_one_line_error, records
from tests.test_cli import check as cli_check
from tests.test_yamltext import ALIAS_BOMB


def replace(config: Path, old: str, new: str) -> None:
    text = config.read_text()
    assert old in text, old
    config.write_text(text.replace(old, new))


def assert_refused(config: Path, *fragments: str) -> None:
    started = time.perf_counter()
    result = cli_check(config)
    assert time.perf_counter() - started < 5
    assert_one_line_error(result, *fragments)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert records(config) == []


def test_non_utf8_config(quickstart: Path) -> None:
    quickstart.write_bytes(quickstart.read_bytes().replace(b"service: checkout", b"service: caf\xe9"))
    assert_refused(quickstart, "relgate.yaml: cannot read config: line 4: expected UTF-8 text, found byte 0xe9")


def test_a_utf8_byte_order_mark_is_fine(quickstart: Path) -> None:
    quickstart.write_bytes(b"\xef\xbb\xbf" + quickstart.read_bytes())
    assert cli_check(quickstart).exit_code == 1


def test_alias_bomb_config(quickstart: Path) -> None:
    quickstart.write_text(quickstart.read_text() + "x-bomb:\n" + "".join(f"  {line}\n" for line in
                                                                          ALIAS_BOMB.splitlines()))
    assert_refused(quickstart, "invalid YAML: expands to more than 100000 values")


def test_deeply_nested_config(quickstart: Path) -> None:
    replace(quickstart, "version: 1", "version: 1\nx: " + "[" * 3000 + "]" * 3000)
    assert_refused(quickstart, "relgate.yaml:4: invalid YAML: nested deeper than 64 levels")


def test_oversized_config(quickstart: Path) -> None:
    quickstart.write_text(quickstart.read_text() + "#" * MAX_CONFIG_BYTES)
    assert_refused(quickstart, f"cannot read config: expected at most {MAX_CONFIG_BYTES} bytes")


def test_directory_as_config(tmp_path: Path) -> None:
    result = cli_check(tmp_path)
    assert_one_line_error(result, "cannot read config: expected a regular file, found a directory")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_as_config_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "relgate.yaml"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-c", "from relgate.cli import main; main()", "check", "--config", str(fifo)],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"relgate: error: {fifo}: cannot read config: expected a regular file, found a FIFO (named pipe)"
    ]


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "1.0e+999"])
def test_non_finite_threshold(quickstart: Path, value: str) -> None:
    replace(quickstart, "min_pass_rate: 0.98", f"min_pass_rate: {value}")
    assert_refused(quickstart, "relgate.yaml:data.tests.min_pass_rate: expected a finite number, found")


def test_non_finite_number_anywhere(quickstart: Path) -> None:
    replace(quickstart, "audit: {log", "opa: {timeout: .inf}\naudit: {log")
    assert_refused(quickstart, "relgate.yaml:opa.timeout: expected a finite number, found inf")


def test_trailing_duplicate_mode_does_not_win(quickstart: Path) -> None:
    quickstart.write_text("mode: enforce\n" + quickstart.read_text() + "mode: warn\n")
    assert_refused(quickstart, "invalid YAML: duplicate key 'mode' (first given on line 1)")


def test_inverted_freeze_window(quickstart: Path) -> None:
    replace(quickstart, 'end: "2026-12-27T00:00:00Z"', 'end: "2026-12-24T00:00:00Z"')
    assert_refused(quickstart, "relgate.yaml:data.freeze_windows[0].end: expected a time after start")


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("{relgate.tests: soft-mandatory}", "{relgate.tests: Soft-Mandatory}",
         "enforcement.relgate.tests: expected one of advisory, soft-mandatory, hard-mandatory, "
         "found 'Soft-Mandatory' (did you mean 'soft-mandatory'?)"),
        ("{relgate.tests: soft-mandatory}", "{relgate.tests: soft}",
         "enforcement.relgate.tests: expected one of"),
        ("{relgate.tests: soft-mandatory}", "{tests: soft-mandatory}",
         "enforcement.tests: expected text matching"),
        ("audit: {log", "mode: Warn\naudit: {log",
         "mode: expected one of enforce, warn, found 'Warn' (did you mean 'warn'?)"),
        ("policy: relgate.vulnerabilities", "policy: vulnerabilities", "waivers[0].policy: expected text matching"),
        ('expires: "2027-01-31T00:00:00Z"', 'expires: "2027-01-31"', "waivers[0].expires: expected an RFC 3339"),
        ("reason: not reachable in our build", "reason: ''", "waivers[0].reason: expected a non-empty string"),
        ("approved_by: security-team", "approved_by: security-team\n    approved_on: today",
         "waivers[0].approved_on: unknown field 'approved_on'"),
    ],
)
def test_waiver_enforcement_and_mode_values_are_exact(quickstart: Path, old: str, new: str, fragment: str) -> None:
    replace(quickstart, old, new)
    assert_refused(quickstart, fragment)


def test_duplicate_waiver_ids(quickstart: Path) -> None:
    text = quickstart.read_text()
    waiver = text[text.index("  - id: WVR-1"):text.index("audit:")]
    replace(quickstart, "audit:", waiver + "audit:")
    assert_refused(quickstart, "waivers[1].id: expected an id no other waiver has, found 'WVR-1'")


def test_relgate_mode_from_the_action_environment(quickstart: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    env = {"RELGATE_CONFIG": str(quickstart), "RELGATE_MODE": "Warn", "GITHUB_STEP_SUMMARY": str(tmp_path / "s.md")}
    assert action_run(env) == 2
    out = capsys.readouterr().out
    assert "::error title=relgate error::RELGATE_MODE (input `mode`): expected one of enforce, warn" in out
    assert records(quickstart) == []


def test_api_mode_is_checked(quickstart: Path) -> None:
    with pytest.raises(ConfigError, match="mode: expected one of enforce, warn, found 'WARN'"):
        check(quickstart, at=QUICKSTART_AT, mode="WARN", audit=False)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("max_age_hours: 72", "max_age_hours: 072", "relgate.yaml:10: invalid YAML: a whole number with a leading zero"),
    ("high: 5}", "high: 1:30}", "relgate.yaml:8: invalid YAML: a number with colons"),
    ("min_pass_rate: 0.98", "min_pass_rate: 98e-2", "relgate.yaml:9: invalid YAML: YAML 1.2 reads this plain value"),
    ("high: 5}", "high: !!int 5x}", "relgate.yaml:8: invalid YAML: the value tagged !!int cannot be read as one"),
    ("service: checkout", "\ufeffservice: checkout", "relgate.yaml:4: invalid YAML: a byte order mark (U+FEFF)"),
])
def test_a_threshold_yaml_would_read_two_ways_or_cannot_read_is_refused(quickstart: Path, old: str, new: str,
                                                                       message: str) -> None:
    """`072` was silently 58 hours (YAML 1.1's octal; 72 in YAML 1.2 and to the person who wrote it)."""
    replace(quickstart, old, new)
    assert_refused(quickstart, message)


def test_numbers_both_yaml_versions_read_alike_still_load(quickstart: Path) -> None:
    replace(quickstart, "max_age_hours: 72", "max_age_hours: 07")
    replace(quickstart, "high: 5}", "high: 0x5}")
    config = load_config(str(quickstart), {})
    assert config.data["approvals"]["max_age_hours"] == 7
    assert config.data["vulnerabilities"]["max"]["high"] == 5
