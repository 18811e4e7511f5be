"""relgate.yaml: the issue's example loads as written; every mistake names file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from relgate.config import load_config, parse_duration
from relgate.errors import ConfigError
from tests.conftest import QUICKSTART, write_config


def test_quickstart_config_loads_as_written() -> None:
    config = load_config(QUICKSTART / "relgate.yaml", {})
    assert config.service == "checkout"
    assert config.environment == "production"
    assert config.policies == ("builtin",)
    assert [s.name for s in config.sources] == ["scans", "tests", "change"]
    assert config.sources[2].required is False
    assert config.sources[0].base_dir == QUICKSTART.resolve()
    assert config.enforcement == {"relgate.tests": "soft-mandatory"}
    assert config.waivers[0].id == "WVR-1"
    assert config.waivers[0].expires_ns == 1_801_353_600 * 10**9
    assert config.audit_log == QUICKSTART.resolve() / ".relgate" / "audit.jsonl"


def test_freeze_window_times_gain_nanosecond_twins() -> None:
    config = load_config(QUICKSTART / "relgate.yaml", {})
    window = config.data["freeze_windows"][0]
    assert window["start_ns"] == 1_798_070_400 * 10**9
    assert window["end_ns"] - window["start_ns"] == 3 * 86_400 * 10**9


def test_environment_variables_expand(tmp_path: Path) -> None:
    path = write_config(tmp_path, service="${SERVICE}", environment="${ENV_NAME:-staging}")
    config = load_config(path, {"SERVICE": "search"})
    assert (config.service, config.environment) == ("search", "staging")


def test_unset_variable_names_the_field(tmp_path: Path) -> None:
    path = write_config(tmp_path, service="${NOPE}")
    with pytest.raises(ConfigError, match=r"yaml:service: expected environment variable NOPE to be set .*, found it"):
        load_config(path, {})


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "relgate.yaml"
    path.write_text("version: 1\nservice: [checkout\nenvironment: prod\n")
    with pytest.raises(ConfigError, match=r"relgate.yaml:\d+: invalid YAML"):
        load_config(path, {})


def test_unknown_source_type_lists_known_types(tmp_path: Path) -> None:
    path = write_config(tmp_path, sources=[{"type": "sarif", "paths": ["x"]}, {"type": "nessus"}])
    with pytest.raises(ConfigError, match=r"sources\[1\]\.type: unknown source type 'nessus' \(known: "):
        load_config(path, {})


def test_bad_enforcement_level_names_field_and_choices(tmp_path: Path) -> None:
    path = write_config(tmp_path, enforcement={"relgate.tests": "sometimes"})
    with pytest.raises(ConfigError, match=r"enforcement\.relgate\.tests: expected one of advisory"):
        load_config(path, {})


def test_waiver_without_expiry_is_rejected(tmp_path: Path) -> None:
    waiver = {"id": "W", "policy": "relgate.tests", "match": "x", "approved_by": "a", "reason": "r"}
    path = write_config(tmp_path, waivers=[waiver])
    with pytest.raises(ConfigError, match=r"yaml:waivers\[0\]\.expires: required field is missing"):
        load_config(path, {})


def test_waiver_with_unparseable_expiry_is_rejected(tmp_path: Path) -> None:
    waiver = {"id": "W", "policy": "relgate.tests", "match": "x", "approved_by": "a", "reason": "r",
              "expires": "next tuesday"}
    path = write_config(tmp_path, waivers=[waiver])
    with pytest.raises(ConfigError, match=r"waivers\[0\]\.expires"):
        load_config(path, {})


def test_unknown_top_level_field_is_named(tmp_path: Path) -> None:
    path = write_config(tmp_path, polices=["builtin"])
    with pytest.raises(ConfigError, match=r"yaml:polices: unknown field 'polices' \(did you mean 'policies'\?\)"):
        load_config(path, {})


def test_duplicate_source_names_are_rejected(tmp_path: Path) -> None:
    path = write_config(tmp_path, sources=[{"type": "sarif", "paths": ["a"]}, {"type": "sarif", "paths": ["b"]}])
    with pytest.raises(ConfigError, match=r"sources\[1\]\.name: expected a name no other source has, found 'sarif'"):
        load_config(path, {})


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "absent.yaml", {})


@pytest.mark.parametrize(("text", "seconds"), [("10s", 10.0), ("2m", 120.0), ("500ms", 0.5), (3, 3.0)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text, "x") == seconds


def test_bad_duration_names_field() -> None:
    with pytest.raises(ConfigError, match=r"sources\[0\]\.timeout: expected a duration"):
        parse_duration("soon", "sources[0].timeout")


def test_unquoted_timestamps_stay_text_and_gain_twins(tmp_path: Path) -> None:
    window = {"reason": "freeze"}
    path = write_config(tmp_path, data={"freeze_windows": [window]})
    window_text = "- {start: 2026-12-24T00:00:00Z, end: 2026-12-27T00:00:00Z, reason: freeze}"
    path.write_text(path.read_text().replace("- reason: freeze", window_text))
    config = load_config(path, {})
    assert config.data["freeze_windows"][0]["start"] == "2026-12-24T00:00:00Z"
    assert config.data["freeze_windows"][0]["start_ns"] == 1_798_070_400 * 10**9
