"""Facts a pipeline wrote itself (JSON or YAML), merged into the context as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from relgate.errors import SourceError
from relgate.sources.findings import read_json
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.sources.paths import matched_files
from relgate.timeutil import with_ns_twins


def read_document(path: Path) -> Any:
    """Parse by extension (.json, else YAML); errors name the file and line."""
    if path.suffix.lower() == ".json":
        return read_json(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise SourceError(f"{path}{line}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from None


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class FileSource(Source):
    type_name = "file"

    def collect(self, request: GatherRequest) -> Evidence:
        key = self.spec.option("key")
        documents = [(path, with_ns_twins(read_document(path))) for path in matched_files(self.spec)]
        if key is not None and len(documents) == 1:
            return {str(key): documents[0][1]}
        merged: dict[str, Any] = {}
        for path, document in documents:
            if not isinstance(document, dict):
                kind = type(document).__name__
                raise SourceError(f"{path}: expected a mapping at the top level to merge, got {kind}")
            merged = deep_merge(merged, document)
        return {str(key): merged} if key is not None else merged
