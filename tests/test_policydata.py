"""Data files beside policies load as OPA's loader loads them; real OPA (its add_data merge) is the reference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opa_bindings import OpaEngine, OpaError

from relgate.errors import PolicyError
from relgate.policydata import load_policy_data


def put(root: Path, relative: str, document: Any, *, as_yaml: bool = False) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document) if as_yaml else json.dumps(document))
    return path


def test_document_lands_at_its_directory_path_not_its_file_name(tmp_path: Path) -> None:
    put(tmp_path, "teams/owners.json", {"checkout": {"owner": "dana"}})
    put(tmp_path, "teams/oncall.yaml", {"checkout": {"pager": "ops"}}, as_yaml=True)
    put(tmp_path, "data.json", {"regions": ["eu"]})
    put(tmp_path, "a/b/c/deep.yml", {"x": 1}, as_yaml=True)
    assert load_policy_data([tmp_path]) == {
        "teams": {"checkout": {"owner": "dana", "pager": "ops"}},
        "regions": ["eu"],
        "a": {"b": {"c": {"x": 1}}},
    }


def test_data_file_named_directly_merges_at_the_root(tmp_path: Path) -> None:
    path = put(tmp_path, "somewhere/limits.json", {"limits": {"max": 3}})
    assert load_policy_data([path]) == {"limits": {"max": 3}}


def test_other_files_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# policies\n")
    (tmp_path / "p.rego").write_text("package p\n")
    assert load_policy_data([tmp_path]) == {}


def test_conflicting_values_are_an_error_naming_file_and_path(tmp_path: Path) -> None:
    put(tmp_path, "a.json", {"teams": {"checkout": "dana"}})
    second = put(tmp_path, "b.yaml", {"teams": {"checkout": "lee"}}, as_yaml=True)
    with pytest.raises(PolicyError, match=rf"^{second}: data.teams.checkout is already defined"):
        load_policy_data([tmp_path])


def test_root_document_must_be_an_object(tmp_path: Path) -> None:
    path = put(tmp_path, "list.json", [1, 2])
    with pytest.raises(PolicyError, match=rf"^{path}: a data file at the root must hold an object, found list"):
        load_policy_data([tmp_path])


def test_nested_document_may_be_any_value(tmp_path: Path) -> None:
    put(tmp_path, "allowed/list.json", ["a", "b"])
    assert load_policy_data([tmp_path]) == {"allowed": ["a", "b"]}


def test_invalid_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "a": 1,\n  "b": \n}\n')
    with pytest.raises(PolicyError, match=rf"^{path}:4:1: invalid JSON: "):
        load_policy_data([tmp_path])


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: [2\n")
    with pytest.raises(PolicyError, match=rf"^{path}:3: invalid YAML: "):
        load_policy_data([tmp_path])


def test_yaml_timestamps_stay_text_and_non_json_yaml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("freeze: 2026-12-24T00:00:00Z\n")
    assert load_policy_data([tmp_path]) == {"freeze": "2026-12-24T00:00:00Z"}
    (tmp_path / "t.yaml").write_text("x: .nan\n")
    with pytest.raises(PolicyError, match="YAML that is not JSON data"):
        load_policy_data([tmp_path])


# Unique leaf values: a key two files both set is always a conflict (OPA's loader refuses
# any overlap that is not object with object; the bindings' add_data accepts equal values).
_counter = iter(range(10**9))
_segments = st.sampled_from(["a", "b", "teams", "x"])
_documents = st.recursive(
    st.builds(lambda: next(_counter)),
    lambda inner: st.dictionaries(_segments, inner, min_size=1, max_size=3),
    max_leaves=6,
)
_files = st.lists(
    st.tuples(st.lists(_segments, max_size=2), st.dictionaries(_segments, _documents, min_size=1, max_size=3),
              st.booleans()),
    min_size=1, max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=_files)
def test_loaded_data_is_what_opa_merges(tmp_path_factory: pytest.TempPathFactory, files: list[Any]) -> None:
    root = tmp_path_factory.mktemp("data")
    opa = OpaEngine()
    opa_failed = False
    for index, (directory, document, as_yaml) in enumerate(files):
        put(root, "/".join([*directory, f"f{index}.{'yaml' if as_yaml else 'json'}"]), document, as_yaml=as_yaml)
        try:
            opa.add_data(document, ".".join(directory))
        except OpaError:
            opa_failed = True
    # OPA also refuses a document under a path that another file holds as a non-object.
    try:
        loaded = load_policy_data([root])
    except PolicyError:
        assert opa_failed
        return
    assert not opa_failed
    assert loaded == opa.eval_document("")
