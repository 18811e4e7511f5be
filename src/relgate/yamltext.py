"""YAML as people write it in relgate.yaml and facts files: safe, and timestamps kept as text.

`yaml.safe_load` turns an unquoted `2026-12-24T00:00:00Z` into a datetime, which
is not JSON and gets no `*_ns` twin; here it stays the string that was written.
"""

from __future__ import annotations

from typing import Any

import yaml


class TextTimestampLoader(yaml.SafeLoader):
    """yaml.SafeLoader, except that timestamps stay strings."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


TextTimestampLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def load_yaml(text: str) -> Any:
    """Parse YAML safely; raises yaml.YAMLError as yaml.safe_load does."""
    return yaml.load(text, Loader=TextTimestampLoader)
