"""The file source: JSON or YAML facts, under a key or at the top level, with *_ns twins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from relgate.errors import SourceError
from relgate.sources.file import FileSource
from relgate.sources.interface import GatherRequest, SourceSpec

# 2026-11-23T09:14:00Z and 2026-11-20T10:00:00Z as integer nanoseconds.
APPROVED_NS = 1_795_425_240 * 10**9
DEPLOYED_NS = 1_795_168_800 * 10**9


def collect(base: Path, **options: object) -> dict[str, Any]:
    spec = SourceSpec("file", "facts", options=options, base_dir=base)
    return FileSource(spec).collect(GatherRequest(0, "checkout", "production"))


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_under_a_key_gains_nanosecond_twins(tmp_path: Path) -> None:
    write(
        tmp_path,
        "change.yaml",
        "approvals:\n  - {user: lee, submitted_at: '2026-11-23T09:14:00Z'}\n",
    )
    facts = collect(tmp_path, path="change.yaml", key="change_facts")
    assert facts == {
        "change_facts": {
            "approvals": [
                {
                    "user": "lee",
                    "submitted_at": "2026-11-23T09:14:00Z",
                    "submitted_at_ns": APPROVED_NS,
                }
            ]
        }
    }


def test_unquoted_yaml_timestamps_stay_text(tmp_path: Path) -> None:
    # yaml.safe_load would make these datetime/date objects: no twin, and not JSON.
    write(tmp_path, "f.yml", "freeze:\n  starts_at: 2026-11-23T09:14:00Z\n  day: 2026-11-23\n")
    freeze = collect(tmp_path, path="f.yml")["freeze"]
    assert freeze == {
        "starts_at": "2026-11-23T09:14:00Z",
        "starts_at_ns": APPROVED_NS,
        "day": "2026-11-23",
    }
    json.dumps(freeze)


def test_json_without_key_merges_at_top_level(tmp_path: Path) -> None:
    write(tmp_path, "a.json", '{"deployments": {"last_success_at": "2026-11-20T10:00:00Z"}}')
    write(tmp_path, "b.json", '{"deployments": {"recent": []}, "artifact": "img"}')
    facts = collect(tmp_path, paths=["*.json"])
    assert facts == {
        "artifact": "img",
        "deployments": {
            "last_success_at": "2026-11-20T10:00:00Z",
            "last_success_at_ns": DEPLOYED_NS,
            "recent": [],
        },
    }


def test_later_files_win_and_leave_no_stale_twin(tmp_path: Path) -> None:
    write(tmp_path, "1.yaml", "release:\n  at: '2026-11-20T10:00:00Z'\n  tags: [a, b]\n")
    write(tmp_path, "2.yaml", "release:\n  at: unknown\n  tags: [c]\n")
    facts = collect(tmp_path, paths=["1.yaml", "2.yaml"], key="facts")
    assert facts == {"facts": {"release": {"at": "unknown", "tags": ["c"]}}}


def test_several_files_under_a_key_are_merged(tmp_path: Path) -> None:
    write(tmp_path, "a.json", '{"a": {"x": 1}}')
    write(tmp_path, "b.yaml", "a: {y: 2}\nb: true\n")
    assert collect(tmp_path, paths=["a.json", "b.yaml"], key="k") == {
        "k": {"a": {"x": 1, "y": 2}, "b": True}
    }


def test_a_list_is_fine_under_a_key(tmp_path: Path) -> None:
    write(tmp_path, "l.json", '[{"at": "2026-11-20T10:00:00Z"}]')
    assert collect(tmp_path, path="l.json", key="recent") == {
        "recent": [{"at": "2026-11-20T10:00:00Z", "at_ns": DEPLOYED_NS}]
    }


@pytest.mark.parametrize(
    ("name", "text"), [("facts.txt", '{"a": 1}'), ("facts", "a: 1\n"), ("facts.cfg", "a: 1")]
)
def test_other_extensions_are_tried_as_json_then_yaml(tmp_path: Path, name: str, text: str) -> None:
    write(tmp_path, name, text)
    assert collect(tmp_path, path=name) == {"a": 1}


def test_other_extension_that_is_neither_reports_both(tmp_path: Path) -> None:
    write(tmp_path, "facts.txt", "a: [1,\nb")
    with pytest.raises(
        SourceError, match=r"facts\.txt: neither JSON \(1:1: .*\) nor YAML \(\d+:\d+: .*\)"
    ):
        collect(tmp_path, path="facts.txt")


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "x.json", '{\n  "a": 1,\n  oops\n}')
    with pytest.raises(SourceError, match=r"x\.json:3:3: not valid JSON"):
        collect(tmp_path, path="x.json")


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "x.yaml", "a: 1\nb: [1,\nc: 2\n")
    with pytest.raises(SourceError, match=r"x\.yaml:4:1: not valid YAML"):
        collect(tmp_path, path="x.yaml")


def test_list_document_cannot_merge_at_top_level(tmp_path: Path) -> None:
    write(tmp_path, "x.yaml", "- 1\n- 2\n")
    with pytest.raises(
        SourceError, match=r"x\.yaml: expected a mapping at the top level, got list"
    ):
        collect(tmp_path, path="x.yaml")


def test_empty_yaml_cannot_merge_at_top_level(tmp_path: Path) -> None:
    write(tmp_path, "x.yaml", "")
    with pytest.raises(SourceError, match="got null"):
        collect(tmp_path, path="x.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("on: push\n", r"\(top level\): key True is not a string"),
        ("a:\n  1: x\n", r"a: key 1 is not a string"),
        ("a: [1, .nan]\n", r"a\[1\]: nan is not a JSON number"),
        ("a: !!set {x}\n", r"a: a set is not JSON data"),
        ("a: !!binary aGk=\n", r"a: a bytes is not JSON data"),
    ],
)
def test_values_json_cannot_carry_are_refused(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "x.yaml", text)
    with pytest.raises(SourceError, match=r"x\.yaml: " + message):
        collect(tmp_path, path="x.yaml")


def test_a_file_cannot_set_the_evaluation_time(tmp_path: Path) -> None:
    write(tmp_path, "x.json", '{"evaluated_at_ns": 0, "sources": {}}')
    with pytest.raises(
        SourceError, match=r"x\.json: evaluated_at_ns, sources: set by the gate itself"
    ):
        collect(tmp_path, path="x.json")
    with pytest.raises(
        SourceError, match=r"source 'facts': key: 'evaluated_at' is set by the gate"
    ):
        collect(tmp_path, path="x.json", key="evaluated_at")


def test_key_must_be_a_non_empty_string(tmp_path: Path) -> None:
    write(tmp_path, "x.json", "{}")
    with pytest.raises(
        SourceError, match=r"source 'facts': key: expected a non-empty string, got 3"
    ):
        collect(tmp_path, path="x.json", key=3)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"'absent\.yaml' matched no file"):
        collect(tmp_path, path="absent.yaml")


@pytest.mark.parametrize("name", ["facts.json", "facts.txt", "facts.yaml"])
def test_a_key_given_twice_is_refused_in_json_and_yaml_alike(tmp_path: Path, name: str) -> None:
    """`{"approved": false, "approved": true}` would be read as true (the last wins in Python and jq)."""
    write(tmp_path, name, '{"approved": false, "approved": true}')
    with pytest.raises(SourceError, match=r"facts\.\w+:.*(given twice|duplicate key)"):
        collect(tmp_path, path=name)
