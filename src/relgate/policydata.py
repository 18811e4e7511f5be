"""Data files beside policies (`.json`, `.yaml`, `.yml`), loaded as `opa test` and conftest load them.

OPA's loader puts a data file's document at the path of its directory relative
to the directory it was given (the file name is not part of the path), so
`policies/teams/owners.json` holding `{"checkout": …}` becomes
`data.teams.checkout`, and `policies/data.yaml` merges into `data` itself. A
data file named on the command line is merged at the root. Objects merge deeply;
two files giving the same key a non-object value is an error, as in OPA.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from relgate.errors import PolicyError
from relgate.yamltext import load_yaml

DATA_SUFFIXES = (".json", ".yaml", ".yml")


def is_data_file(path: str) -> bool:
    # `<section>.schema.json` beside a policy is the schema of its config section (relgate.settings), not data.
    return path.endswith(DATA_SUFFIXES) and not path.endswith(".schema.json")


def load_policy_data(locations: Iterable[Path]) -> dict[str, Any]:
    """Merge every data file under the given directories (or the given data files) into one document."""
    merged: dict[str, Any] = {}
    for location in locations:
        if location.is_file():
            if is_data_file(location.name):
                _merge(merged, _read(location), location, ())
            continue
        if not location.is_dir():
            continue
        for path in sorted(p for p in location.rglob("*") if p.is_file() and is_data_file(p.name)):
            prefix = path.parent.relative_to(location).parts
            _merge(merged, _read(path), path, prefix)
    return merged


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read data file: {exc}") from None
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    try:
        document = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PolicyError(f"{where}: invalid YAML: {problem}") from None
    try:  # what OPA would see: YAML converted to JSON (keys become strings; sets, NaN are not JSON)
        return json.loads(json.dumps(document, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise PolicyError(f"{path}: YAML that is not JSON data: {exc}") from None


def _merge(target: dict[str, Any], document: Any, path: Path, prefix: tuple[str, ...]) -> None:
    for key in reversed(prefix):
        document = {key: document}
    if not isinstance(document, dict):
        raise PolicyError(f"{path}: a data file at the root must hold an object, found {type(document).__name__}")
    _deep_merge(target, document, path, ())


def _deep_merge(target: dict[str, Any], source: Mapping[str, Any], path: Path, at: tuple[str, ...]) -> None:
    for key, value in source.items():
        if key not in target:
            target[key] = value
        elif isinstance(target[key], dict) and isinstance(value, dict):
            _deep_merge(target[key], value, path, (*at, key))
        else:
            where = ".".join(("data", *at, key))
            raise PolicyError(f"{path}: {where} is already defined by another data file (merge conflict)")
