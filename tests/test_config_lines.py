"""Config setting positions: every key and list item found where it was written, in any YAML style."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.config_lines import Span, candidates, config_location, place_in_config, setting_spans
from relgate.decision import Decision, Verdict, Violation

CONFIG = """\
version: 1
data:
  tests: {min_pass_rate: 0.98}
  vulnerabilities:
    max:
      critical: 0
      high: 5   # a comment after the value
  freeze_windows:
    - {start: "2026-12-24T00:00:00Z", end: "2026-12-27T00:00:00Z"}
    - start: 2027-01-01T00:00:00Z
      end: 2027-01-02T00:00:00Z
waivers:
  - id: WVR-1
    policy: relgate.vulnerabilities
"""


def test_spans_in_block_and_flow_style() -> None:
    spans = setting_spans(CONFIG)
    assert spans["data.tests.min_pass_rate"] == Span(3, 11, 3, 30)
    assert spans["data.vulnerabilities.max.high"] == Span(7, 7, 7, 14)  # the comment is not part of it
    assert spans["data.vulnerabilities"] == Span(4, 3, 4, 19)  # a key with a block value: the key and its colon
    assert spans["data.freeze_windows[0]"].line == 9
    assert spans["data.freeze_windows[1]"] == spans["data.freeze_windows[1].start"]  # placed at its first key
    assert spans["waivers[0].policy"].line == 14


def test_rule_settings_are_most_specific_first() -> None:
    max_exceeded = Violation("relgate.vulnerabilities", "m", "vulnerabilities.max_exceeded", {"severity": "high"})
    assert candidates(max_exceeded)[:3] == ["data.vulnerabilities.max.high", "data.vulnerabilities.max",
                                            "data.vulnerabilities"]
    window = Violation("relgate.freeze", "m", "freeze.malformed_window", {"index": 1})
    assert config_location(window, setting_spans(CONFIG), "r.yaml")["line"] == 10
    custom = Violation("team.rules", "m", "team.rules.no_friday", {"index": True})
    assert candidates(custom) == ["enforcement.team.rules", "policies"]
    assert config_location(custom, setting_spans(CONFIG), "r.yaml") == {
        "path": "r.yaml", "line": 1, "column": 1, "end_line": 1, "end_column": 1, "setting": ""}


def test_unreadable_yaml_gives_no_spans() -> None:
    assert setting_spans("a: [\n") == {} and setting_spans("") == {}


def test_placing_keeps_evidence_locations_and_makes_paths_workspace_relative(tmp_path: Path) -> None:
    config = tmp_path / "deploy" / "relgate.yaml"
    config.parent.mkdir()
    config.write_text(CONFIG)
    located = Violation("relgate.vulnerabilities", "m", "vulnerabilities.max_exceeded", {},
                        locations=({"path": "req.txt", "line": 2},))
    bare = Violation("relgate.tests", "m", "tests.pass_rate")
    placed = place_in_config(Decision(Verdict.DENY, violations=(located, bare)), config, tmp_path)
    assert placed.violations[0].locations == located.locations
    assert placed.violations[1].locations[0]["path"] == "deploy/relgate.yaml"
    assert placed.violations[1].locations[0]["setting"] == "data.tests.min_pass_rate"
    elsewhere = place_in_config(Decision(Verdict.DENY, warnings=(bare,)), config, tmp_path / "other")
    assert elsewhere.warnings[0].locations[0]["path"] == config.resolve().as_posix()


KEYS = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)
LEAVES = st.one_of(st.integers(-5, 5), st.booleans(), st.text("abc xyz", max_size=6), st.none())
TREES = st.recursive(LEAVES, lambda inner: st.one_of(st.dictionaries(KEYS, inner, min_size=1, max_size=4),
                                                      st.lists(inner, min_size=1, max_size=3)), max_leaves=12)


def _paths(value: Any, prefix: str = "") -> list[str]:
    out = []
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out += [path, *_paths(inner, path)]
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            out += [f"{prefix}[{i}]", *_paths(inner, f"{prefix}[{i}]")]
    return out


@settings(max_examples=200, deadline=None)
@given(document=st.dictionaries(KEYS, TREES, min_size=1, max_size=4), flow=st.sampled_from([None, True, False]))
def test_every_key_is_found_on_the_line_that_names_it(document: dict[str, Any], flow: bool | None) -> None:
    text = yaml.safe_dump(document, default_flow_style=flow, width=10_000)
    spans = setting_spans(text)
    lines = text.splitlines()
    assert set(_paths(document)) <= set(spans)
    for path, span in spans.items():
        assert 1 <= span.line <= span.end_line <= len(lines)
        assert span.end_line > span.line or span.end_column > span.column
        last = path.rpartition(".")[2]
        if not last.endswith("]"):
            assert lines[span.line - 1][span.column - 1:].lstrip("'\"").startswith(last), (path, text)
