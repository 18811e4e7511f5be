"""Facts a pipeline wrote itself (JSON or YAML), placed into the context as they are.

The document becomes policy input, so it must be plain JSON data once loaded: YAML
timestamps stay text (their `*_ns` twins are added here), and values JSON cannot
carry (sets, bytes, NaN, non-string keys) are refused with the path to them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml

from relgate.errors import SourceError
from relgate.sources.evidence import MAX_DEPTH, DuplicateKey, check_data, json_path, read_bytes, unique_keys
from relgate.sources.findings import read_json
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.sources.paths import matched_files
from relgate.timeutil import with_ns_twins
from relgate.yamltext import load_yaml

# Keys the gate owns: a facts file must not move the evaluation clock or fake source statuses.
RESERVED_KEYS = frozenset({"evaluated_at", "evaluated_at_ns", "sources"})


class _Unparsable(Exception):
    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where, self.problem = where, problem


def _from_json(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        raise _Unparsable(f"{exc.lineno}:{exc.colno}", exc.msg) from None


def _from_yaml(text: str) -> Any:
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else "1"
        raise _Unparsable(where, str(getattr(exc, "problem", None) or exc)) from None


def read_document(path: Path) -> Any:
    """Parse by extension (.json; .yaml/.yml); any other name is tried as JSON, then YAML."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        document = read_json(path)
    else:
        try:
            text = read_bytes(path).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        if suffix in (".yaml", ".yml"):
            try:
                document = _from_yaml(text)
            except _Unparsable as exc:
                raise SourceError(f"{path}:{exc.where}: not valid YAML: {exc.problem}") from None
        else:
            try:
                document = _guess(path, text)
            except DuplicateKey as exc:  # JSON, but not one value: YAML would refuse it too
                raise SourceError(f"{path}: not valid JSON: {exc}") from None
    _check_json_data(document, path)
    return document


def _guess(path: Path, text: str) -> Any:
    try:
        return _from_json(text)
    except _Unparsable as as_json:
        try:
            return _from_yaml(text)
        except _Unparsable as as_yaml:
            raise SourceError(
                f"{path}: neither JSON ({as_json.where}: {as_json.problem}) "
                f"nor YAML ({as_yaml.where}: {as_yaml.problem})"
            ) from None


def _check_json_data(document: Any, path: Path, at: str = "") -> None:
    """Plain JSON data only: string keys, finite numbers, no YAML-only types; then the evidence limits.

    Iterative, so a deeply nested document is an error here, not a RecursionError.
    """
    pending: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while pending:
        value, parts = pending.pop()
        where = json_path(parts)
        if len(parts) > MAX_DEPTH:
            raise SourceError(f"{path}: {where}: nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise SourceError(f"{path}: {where}: key {key!r} is not a string (quote it)")
                pending.append((item, (*parts, key)))
        elif isinstance(value, list):
            pending.extend((item, (*parts, index)) for index, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            raise SourceError(f"{path}: {where}: {value!r} is not a JSON number")
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            raise SourceError(f"{path}: {where}: a {type(value).__name__} is not JSON data")
    check_data(document, path)


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key, later files winning; lists and scalars are replaced whole."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class FileSource(Source):
    """`type: file` — JSON/YAML documents under `key`, or merged at the top level without one."""

    type_name = "file"

    def collect(self, request: GatherRequest) -> Evidence:
        key = self.spec.option("key")
        if key is not None and (not isinstance(key, str) or not key):
            raise SourceError(
                f"source {self.spec.name!r}: key: expected a non-empty string, got {key!r}"
            )
        if key in RESERVED_KEYS:
            raise SourceError(f"source {self.spec.name!r}: key: {key!r} is set by the gate itself")
        documents = [(path, read_document(path)) for path in matched_files(self.spec)]
        if key is not None and len(documents) == 1:
            # Twins are added after merging, so a later file cannot leave a stale `*_ns` behind.
            return {key: with_ns_twins(documents[0][1])}
        merged: dict[str, Any] = {}
        for path, document in documents:
            if not isinstance(document, dict):
                kind = "null" if document is None else type(document).__name__
                raise SourceError(f"{path}: expected a mapping at the top level, got {kind}")
            if key is None:
                clash = sorted(RESERVED_KEYS.intersection(document))
                if clash:
                    names = ", ".join(clash)
                    raise SourceError(f"{path}: {names}: set by the gate itself, not by a file")
            merged = deep_merge(merged, document)
        merged = with_ns_twins(merged)
        return {key: merged} if key is not None else merged
