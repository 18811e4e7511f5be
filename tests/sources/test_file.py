"""The file source: JSON or YAML facts, under a key or at the top level, with *_ns twins."""

from __future__ import annotations

from pathlib import Path

import pytest

from relgate.errors import SourceError
from relgate.sources.file import FileSource
from relgate.sources.interface import GatherRequest, SourceSpec


def collect(base: Path, **options: object) -> dict[str, object]:
    return FileSource(SourceSpec("file", "facts", options=options, base_dir=base)).collect(GatherRequest(0, "s", "e"))


def test_yaml_under_a_key_gains_nanosecond_twins(tmp_path: Path) -> None:
    (tmp_path / "change.yaml").write_text("approvals:\n  - {user: lee, submitted_at: '2026-11-23T09:14:00Z'}\n")
    facts = collect(tmp_path, path="change.yaml", key="change_facts")
    approval = facts["change_facts"]["approvals"][0]  # type: ignore[index]
    assert approval["submitted_at_ns"] == 1_795_425_240 * 10**9


def test_json_without_key_merges_at_top_level(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"deployments": {"last_success_at": "2026-11-20T10:00:00Z"}}')
    (tmp_path / "b.json").write_text('{"deployments": {"recent": []}, "artifact": "img"}')
    facts = collect(tmp_path, paths=["*.json"])
    assert facts["artifact"] == "img"
    assert facts["deployments"] == {"last_success_at": "2026-11-20T10:00:00Z",
                                    "last_success_at_ns": 1_795_168_800 * 10**9, "recent": []}


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{\n  "a": 1,\n  oops\n}')
    with pytest.raises(SourceError, match=r"x\.json:3:3: not valid JSON"):
        collect(tmp_path, path="x.json")


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("a: [1,\nb: 2\n")
    with pytest.raises(SourceError, match=r"x\.yaml:\d+: invalid YAML"):
        collect(tmp_path, path="x.yaml")


def test_list_document_cannot_merge_at_top_level(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(SourceError, match="expected a mapping"):
        collect(tmp_path, path="x.yaml")


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"'absent\.yaml' matched no file"):
        collect(tmp_path, path="absent.yaml")
