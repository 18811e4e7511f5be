"""YAML as people write it in relgate.yaml and facts files: safe, strict and bounded.

- Timestamps stay the text that was written: `yaml.safe_load` turns an unquoted
  `2026-12-24T00:00:00Z` into a datetime, which is not JSON and gets no `*_ns` twin.
- A key given twice in one mapping is an error naming both lines: with "last one
  wins", a trailing `mode: warn` would silently switch enforcement off.
- Anchors and aliases are bounded (count, expanded size, no recursion) and so is
  nesting depth: a 500-byte alias bomb must fail at once, not expand to gigabytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.error import Mark, MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class YamlLimits:
    """How much structure one document may have once its aliases are expanded."""

    max_depth: int = 64
    max_aliases: int = 100
    max_nodes: int = 100_000


CONFIG_LIMITS = YamlLimits()
FACTS_LIMITS = YamlLimits(max_depth=100, max_aliases=1_000, max_nodes=1_000_000)


class YamlStrictError(MarkedYAMLError):
    """A document PyYAML would accept but relgate refuses (duplicate key, limits); has a line."""

    def __init__(self, problem: str, mark: Mark | None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class StrictLoader(yaml.SafeLoader):
    """yaml.SafeLoader with text timestamps, duplicate-key errors and bounded depth and aliases."""

    limits: YamlLimits = CONFIG_LIMITS

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.limits.max_aliases:
                raise YamlStrictError(f"more than {self.limits.max_aliases} aliases (*name)", self._mark())
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > self.limits.max_depth:
            raise YamlStrictError(f"nested deeper than {self.limits.max_depth} levels", self._mark())
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _mark(self) -> Mark | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        return getattr(event, "start_mark", None)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            _refuse_duplicate_keys(self, node)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def _refuse_duplicate_keys(loader: StrictLoader, node: MappingNode) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
            continue  # merge keys follow YAML's override rules; complex keys are refused later
        key = loader.construct_object(key_node)
        if key in seen:
            raise YamlStrictError(f"duplicate key {key!r} (first given on line {seen[key]})", key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1


def _expanded_size(root: Node, limits: YamlLimits) -> None:
    """Count nodes as if every alias were copied out; refuse recursion and oversize documents."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in active:
            raise YamlStrictError("an alias refers to the node that contains it", node.start_mark)
        active.add(id(node))
        total = 1
        if isinstance(node, SequenceNode):
            for child in node.value:
                total += size(child)
                if total > limits.max_nodes:
                    break
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                total += size(key) + size(value)
                if total > limits.max_nodes:
                    break
        active.discard(id(node))
        if total > limits.max_nodes:
            raise YamlStrictError(
                f"expands to more than {limits.max_nodes} values (aliases included)", node.start_mark
            )
        sizes[id(node)] = total
        return total

    size(root)


def load_yaml(text: str, limits: YamlLimits = FACTS_LIMITS) -> Any:
    """Parse one YAML document strictly; every refusal is a yaml.YAMLError with a line."""
    loader = StrictLoader(text)
    loader.limits = limits
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node, limits)
        return loader.construct_document(node)
    finally:
        loader.dispose()
