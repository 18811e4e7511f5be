"""Evidence files are read within limits: each way past them is one line naming the file, never a hang or a crash."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def spelt(value: Any, twice: tuple[int, ...] | None, at: tuple[int, ...] = ()) -> str:
    """`value` as JSON text; the object at path `twice` (indices into its items) repeats its first key last, with
    another value."""
    if isinstance(value, dict):
        members = [f"{json.dumps(k)}: {spelt(v, twice, (*at, i))}" for i, (k, v) in enumerate(value.items())]
        if twice == at and value:
            members.append(f"{json.dumps(next(iter(value)))}: {json.dumps(['not', 'the', 'first'])}")
        return "{" + ", ".join(members) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(spelt(v, twice, (*at, i)) for i, v in enumerate(value)) + "]"
    return json.dumps(value)


def objects(value: Any, at: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    found = [at] if isinstance(value, dict) and value else []
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for i, child in enumerate(children):
        found += objects(child, (*at, i))
    return found


documents = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(document=documents, data=st.data())
def test_a_key_given_twice_anywhere_is_refused_and_nothing_else_changes(tmp_path_factory: pytest.TempPathFactory,
                                                                       document: Any, data: st.DataObject) -> None:
    """A report whose object names a key twice is refused, whichever object it is; without one, the document
    reads exactly as json.loads reads it."""
    path = tmp_path_factory.mktemp("dup") / "report.json"
    path.write_text(spelt(document, None))
    assert load_json(path) == json.loads(path.read_text())
    found = objects(document)
    if found:
        path.write_text(spelt(document, data.draw(st.sampled_from(found))))
        with pytest.raises(SourceError, match=r"report\.json: not valid JSON: the key .* is given twice"):
            load_json(path)


def test_a_sarif_run_with_its_results_given_twice_is_refused(tmp_path: Path) -> None:
    """Its findings, then `"results": []`: read as no findings before (the last wins); the source fails now."""
    report = tmp_path / "scan.sarif"
    report.write_text('{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": []}}, "results": '
                      '[{"ruleId": "CVE-2026-1", "level": "error", "message": {"text": "x"}}], "results": []}]}')
    with pytest.raises(SourceError, match=r"scan\.sarif: not valid JSON: the key 'results' is given twice"):
        load_json(report)
