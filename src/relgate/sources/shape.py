"""Typed access to a parsed report that fails with the path to the element it did not expect.

A reader walks the report through `Node`s: every step checks the element's type (and,
for enumerations, its exact value), so what a reader uses is exactly what the format
says, and anything else is one line: `file:runs[0].results: expected an array, found an object`.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from relgate.errors import SourceError
from relgate.sources.evidence import json_path

_SHOWN = 60


def describe(value: Any) -> str:
    """How a found value reads in an error: `an object`, `null`, `the string "Error"`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {quoted(value)}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def quoted(text: str) -> str:
    """Untrusted text in an error: shortened, in JSON quotes, control and non-ASCII characters escaped."""
    return json.dumps(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


def choices(values: Collection[str]) -> str:
    return " | ".join(json.dumps(v) for v in values)


class Node(NamedTuple):
    """One element of a parsed document and where it sits.

    Immutable like a frozen dataclass, but a NamedTuple: readers make one for every
    element they touch, and a tuple is several times cheaper to create.
    """

    value: Any
    file: Path
    at: tuple[str | int, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.file}:{json_path(self.at)}"

    def error(self, problem: str) -> NoReturn:
        raise SourceError(f"{self.where}: {problem}")

    def expected(self, what: str) -> NoReturn:
        self.error(f"expected {what}, found {describe(self.value)}")

    def is_object(self) -> bool:
        return isinstance(self.value, dict)

    def is_array(self) -> bool:
        return isinstance(self.value, list)

    def as_object(self) -> Node:
        if not isinstance(self.value, dict):
            self.expected("an object")
        return self

    def as_array(self) -> list[Node]:
        if not isinstance(self.value, list):
            self.expected("an array")
        return [Node(item, self.file, (*self.at, index)) for index, item in enumerate(self.value)]

    def as_string(self) -> str:
        if not isinstance(self.value, str):
            self.expected("a string")
        return self.value

    def keys(self) -> list[str]:
        return list(self.as_object().value)

    def child(self, key: str) -> Node | None:
        """The member `key` of this object, or None when absent."""
        mapping = self.as_object().value
        return Node(mapping[key], self.file, (*self.at, key)) if key in mapping else None

    def need(self, key: str) -> Node:
        found = self.child(key)
        if found is None:
            self.error(f"{json.dumps(key)} is required")
        return found

    def obj(self, key: str, required: bool = False) -> Node | None:
        found = self.need(key) if required else self.child(key)
        return None if found is None else found.as_object()

    def array(self, key: str, required: bool = False) -> list[Node] | None:
        found = self.need(key) if required else self.child(key)
        return None if found is None else found.as_array()

    def objects(self, key: str, required: bool = False) -> list[Node]:
        """An array member whose elements must all be objects; absent means empty."""
        items = self.array(key, required)
        return [item.as_object() for item in items or []]

    def string(self, key: str, required: bool = False) -> str | None:
        found = self.need(key) if required else self.child(key)
        return None if found is None else found.as_string()

    def strings(self, key: str) -> list[str]:
        return [item.as_string() for item in self.array(key) or []]

    def enum(self, key: str, values: Collection[str], required: bool = False) -> str | None:
        """A string that must be one of `values`, exactly (case included)."""
        found = self.need(key) if required else self.child(key)
        if found is None:
            return None
        if not isinstance(found.value, str) or found.value not in values:
            found.expected(f"one of {choices(values)}")
        return found.value

    def integer(self, key: str, minimum: int | None = None, required: bool = False) -> int | None:
        found = self.need(key) if required else self.child(key)
        if found is None:
            return None
        value = found.value
        if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
            found.expected("an integer" if minimum is None else f"an integer >= {minimum}")
        return value

    def boolean(self, key: str, required: bool = False) -> bool | None:
        found = self.need(key) if required else self.child(key)
        if found is None:
            return None
        if not isinstance(found.value, bool):
            found.expected("true or false")
        return found.value
