"""YAML as people write it in relgate.yaml and facts files: safe, strict and bounded.

- Timestamps stay the text that was written: `yaml.safe_load` turns an unquoted
  `2026-12-24T00:00:00Z` into a datetime, which is not JSON and gets no `*_ns` twin.
- A key given twice in one mapping is an error naming both lines: with "last one
  wins", a trailing `mode: warn` would silently switch enforcement off.
- A plain value YAML 1.1 and YAML 1.2 read as different numbers, or as a number and text, is an error:
  PyYAML reads YAML 1.1, most other tools (and people) YAML 1.2, and a threshold must not silently change
  (`072` is octal 58 or 72; `1:30` is 90 or text; `5e1` is text or 50). Where YAML 1.1 reads a number
  YAML 1.2 leaves as text without colons (`1_000`, `0b101`), or reads `yes`/`off` as booleans, the
  meaning is plain and the value loads.
- Anchors and aliases are bounded (count, expanded size, no recursion) and so is
  nesting depth: a 500-byte alias bomb must fail at once, not expand to gigabytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.error import Mark, MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
# YAML 1.2's core schema: the plain scalars it reads as numbers.
_YAML_1_2_NUMBER = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)"
                              r"(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


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


class _Strict:
    """The strictness, mixed into a safe loader: bounded depth and aliases, duplicate keys refused."""

    limits: YamlLimits = CONFIG_LIMITS

    def __init__(self, stream: str) -> None:
        super().__init__(stream)  # type: ignore[call-arg]
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        loader: Any = super()
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            self._aliases += 1
            if self._aliases > self.limits.max_aliases:
                raise YamlStrictError(f"more than {self.limits.max_aliases} aliases (*name)", self._mark())
            node: Node | None = loader.compose_node(parent, index)
            return node
        self._depth += 1
        if self._depth > self.limits.max_depth:
            raise YamlStrictError(f"nested deeper than {self.limits.max_depth} levels", self._mark())
        try:
            node = loader.compose_node(parent, index)
        finally:
            self._depth -= 1
        return node

    def _mark(self) -> Mark | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        return getattr(event, "start_mark", None)

    def compose_scalar_node(self, anchor: Any) -> Node:
        event = self.peek_event()  # type: ignore[attr-defined]
        node: Node = super().compose_scalar_node(anchor)  # type: ignore[misc]
        if (event.tag is None and event.implicit[0] and node.tag == _STR_TAG
                and _YAML_1_2_NUMBER.fullmatch(node.value)):
            raise YamlStrictError("YAML 1.2 reads this plain value as a number and YAML 1.1, which relgate reads, as "
                                  "text (5e1, 08, 0o17): quote it if it is text, or write the number as both read it "
                                  "(50.0, 8, 15)", event.start_mark)
        return node

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)  # type: ignore[misc]
        except (LookupError, ValueError, ArithmeticError):  # PyYAML's constructors: `!!bool maybe`, `!!float ""`
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")  # the value is not shown: it may be a secret
            raise YamlStrictError(f"the value tagged {tag} cannot be read as one", node.start_mark) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            _refuse_duplicate_keys(self, node)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)  # type: ignore[misc]
        return mapping


def _timestamp_as_text(loader: SafeConstructor, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _base_60(text: str, node: yaml.Node) -> None:
    if ":" in text:
        raise YamlStrictError("a number with colons: YAML 1.1, which relgate reads, takes it in base 60 (1:30 is "
                              "90) and YAML 1.2 as text; quote it", node.start_mark)


def _integer_read_one_way(loader: SafeConstructor, node: yaml.Node) -> Any:
    """An integer, unless YAML 1.1 (PyYAML) and YAML 1.2 (most other tools) read its text as different values:
    `072` is octal 58 to the first and 72 to the second, so a threshold would silently change."""
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    _base_60(text, node)
    digits = text.lstrip("+-").replace("_", "")
    if digits[:1] == "0" and digits.isdigit() and int(digits, 8) != int(digits, 10):
        raise YamlStrictError("a whole number with a leading zero: YAML 1.1, which relgate reads, takes it as "
                              "octal (010 is 8) and YAML 1.2 as decimal; write it without the zero, or quote it "
                              "if it is text", node.start_mark)
    return loader.construct_yaml_int(node)  # type: ignore[arg-type]


def _float_read_one_way(loader: SafeConstructor, node: yaml.Node) -> Any:
    _base_60(str(loader.construct_scalar(node)), node)  # type: ignore[arg-type]
    return loader.construct_yaml_float(node)  # type: ignore[arg-type]


def _strict(base: type) -> type:
    loader: type = type(f"Strict{base.__name__}", (_Strict, base), {})
    loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)  # type: ignore[attr-defined]
    loader.add_constructor("tag:yaml.org,2002:int", _integer_read_one_way)  # type: ignore[attr-defined]
    loader.add_constructor("tag:yaml.org,2002:float", _float_read_one_way)  # type: ignore[attr-defined]
    return loader


def _libyaml_loader() -> type | None:
    """libyaml's scanner and parser (about 8x faster than PyYAML's own); composing stays in Python."""
    try:
        from yaml._yaml import CParser
    except ImportError:
        return None

    class LibyamlSafeLoader(Composer, CParser, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)

    return _strict(LibyamlSafeLoader)


PURE_PYTHON_LOADER = _strict(yaml.SafeLoader)
STRICT_LOADER = _libyaml_loader() or PURE_PYTHON_LOADER
StrictLoader = STRICT_LOADER  # for yaml.compose(text, Loader=StrictLoader), as config_lines parses


def _refuse_duplicate_keys(loader: Any, node: MappingNode) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
            continue  # merge keys follow YAML's override rules; complex keys are refused later
        key = loader.construct_object(key_node)
        if key in seen:
            raise YamlStrictError(f"duplicate key {key!r} (first given on line {seen[key]})", key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1


def _expanded_size(root: Node, limits: YamlLimits) -> None:
    """Measure the document as if every alias were copied out: values, depth, and no recursion."""
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (values, height)
    active: set[int] = set()

    def measure(node: Node, depth: int) -> tuple[int, int]:
        known = measured.get(id(node))
        if known is None:
            if id(node) in active:
                raise YamlStrictError("an alias refers to the node that contains it", node.start_mark)
            if depth > limits.max_depth:
                raise YamlStrictError(f"nested deeper than {limits.max_depth} levels once aliases are "
                                      "expanded", node.start_mark)
            active.add(id(node))
            children = [c for pair in node.value for c in pair] if isinstance(node, MappingNode) else (
                node.value if isinstance(node, SequenceNode) else [])
            total, height = 1, 1
            for child in children:
                count, child_height = measure(child, depth + 1)
                total, height = total + count, max(height, child_height + 1)
                if total > limits.max_nodes:
                    break
            active.discard(id(node))
            known = measured[id(node)] = (total, height)
        if known[0] > limits.max_nodes:
            raise YamlStrictError(f"expands to more than {limits.max_nodes} values (aliases included)",
                                  node.start_mark)
        if depth + known[1] - 1 > limits.max_depth:
            raise YamlStrictError(f"nested deeper than {limits.max_depth} levels once aliases are expanded",
                                  node.start_mark)
        return known

    measure(root, 1)


def _refuse_inner_bom(text: str) -> None:
    """A byte order mark after the first character: libyaml skips one at the start of a line and PyYAML's own
    parser keeps it in the key or value (`\ufeffservice`), so the same file would read two ways."""
    at = text.find("\ufeff", 1)
    if at >= 0:
        line = text.count("\n", 0, at)
        mark = Mark("<unicode string>", at, line, at - (text.rfind("\n", 0, at) + 1), None, 0)
        raise YamlStrictError("a byte order mark (U+FEFF) inside the document; write it as \"\\uFEFF\" in a "
                              "double-quoted string if it is meant", mark)


def load_yaml(text: str, limits: YamlLimits = FACTS_LIMITS, loader_class: type = STRICT_LOADER) -> Any:
    """Parse one YAML document strictly; every refusal is a yaml.YAMLError with a line."""
    _refuse_inner_bom(text)
    loader = loader_class(text)
    loader.limits = limits
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node, limits)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        # libyaml >= 0.2.5 scans ahead and may meet its own nesting limit before ours: same refusal.
        if "maximum nesting depth" in str(exc.problem):
            raise YamlStrictError(f"nested deeper than {limits.max_depth} levels", exc.problem_mark) from None
        raise
    except (ValueError, OverflowError):  # PyYAML's own scanner on an escape beyond U+10FFFF ("\U00110000")
        mark = loader.get_mark() if hasattr(loader, "get_mark") else None
        raise YamlStrictError("found an invalid Unicode character escape", mark) from None
    finally:
        loader.dispose()
