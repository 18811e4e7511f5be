"""Evidence files are read within limits: each way past them is one line naming the file, never a hang or a crash."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from relgate.errors import SourceError
from relgate.sources import evidence
from relgate.sources.evidence import MAX_DEPTH, json_path, load_json, read_bytes


def test_nesting_past_the_limit_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"a": ' + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "}")
    expected = rf"deep\.json:a(\[0\])+: nested too deeply \(more than {MAX_DEPTH} levels\)$"
    with pytest.raises(SourceError, match=expected):
        load_json(path)


def test_nesting_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert load_json(path) is not None


@pytest.mark.parametrize("depth", [130, 100_000])
def test_nesting_far_past_python_limits_is_one_error(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "bomb.json"
    path.write_text("[" * depth + "]" * depth)
    with pytest.raises(SourceError, match=r"bomb\.json.*nested too deeply \(more than 64 levels\)"):
        load_json(path)


@pytest.mark.parametrize("text", ['{"runs": ["\\ud800"]}', '{"\\udfff": 1}'])
def test_lone_surrogates_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(SourceError, match=r"s\.json:.*lone UTF-16 surrogate is not valid Unicode"):
        load_json(path)


def test_a_surrogate_pair_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "pair.json"
    path.write_text('["\\ud83d\\ude00"]')
    assert load_json(path) == ["\U0001f600"]


@pytest.mark.parametrize("text", ["[NaN]", '{"x": Infinity}', "-Infinity"])
def test_non_finite_numbers_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "n.json"
    path.write_text(text)
    with pytest.raises(SourceError, match=r"n\.json: not valid JSON: .* is not a JSON number"):
        load_json(path)


def test_oversize_file_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence, "MAX_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text("[" + ",".join(["1"] * 600) + "]")
    with pytest.raises(SourceError, match=r"big\.json: 1201 bytes is over the evidence limit of 1000 bytes"):
        load_json(path)


def test_a_directory_is_not_a_report(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"expected a regular file, found a directory"):
        read_bytes(tmp_path)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []
    reader = threading.Thread(target=lambda: _capture(outcome, fifo), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert len(outcome) == 1 and "expected a regular file, found a FIFO (named pipe)" in str(outcome[0])


def _capture(outcome: list[BaseException], path: Path) -> None:
    try:
        read_bytes(path)
    except SourceError as exc:
        outcome.append(exc)


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"gone\.json: cannot read: No such file or directory"):
        read_bytes(tmp_path / "gone.json")


def test_json_path_quotes_keys_that_are_not_names() -> None:
    assert json_path(["runs", 0, "results"]) == "runs[0].results"
    assert json_path(["properties", "security-severity"]) == "properties.security-severity"
    assert json_path(["a", "x.y", "two words"]) == 'a["x.y"]["two words"]'
    assert json_path([]) == "(top level)"
