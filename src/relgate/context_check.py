"""A fast checker for the JSON Schema keywords the context schema uses.

The general validator (jsonschema) spends ~200 µs on each finding; a report with 100,000
findings, checked once per source and once merged, would outlast a source's timeout. The
context schema uses a handful of keywords, and this walks them directly, with the same
verdicts and messages as jsonschema (a test holds the two to agreement).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SUPPORTED = frozenset({
    "$schema", "$id", "title", "description", "type", "required", "properties", "additionalProperties", "items",
    "enum", "minimum", "maximum", "minLength",
})


class SchemaViolation(Exception):
    """The first place a document breaks the schema, and jsonschema's wording for it."""

    def __init__(self, path: list[str | int], message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return kind == "number" and isinstance(value, (int, float))


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _repr_types(kinds: list[str]) -> str:
    return ", ".join(repr(k) for k in kinds)


def check(value: Any, schema: Mapping[str, Any], path: list[str | int] | None = None) -> None:
    """Raise SchemaViolation at the first violation; iterative over arrays, so long lists cost no stack."""
    at = path or []
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_type_ok(value, k) for k in kinds):
            raise SchemaViolation(at, f"{value!r} is not of type {_repr_types(kinds)}")
    if "enum" in schema and not any(_equal(value, option) for option in schema["enum"]):
        raise SchemaViolation(at, f"{value!r} is not one of {schema['enum']!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise SchemaViolation(at, f"{value!r} is less than the minimum of {schema['minimum']!r}")
        if "maximum" in schema and value > schema["maximum"]:
            raise SchemaViolation(at, f"{value!r} is greater than the maximum of {schema['maximum']!r}")
    if isinstance(value, str) and "minLength" in schema and len(value) < schema["minLength"]:
        raise SchemaViolation(at, f"{value!r} should be non-empty" if schema["minLength"] == 1
                              else f"{value!r} is too short")
    if isinstance(value, dict):
        _check_object(value, schema, at)
    elif isinstance(value, list) and "items" in schema:
        items = schema["items"]
        for index, item in enumerate(value):
            check(item, items, [*at, index])


def _check_object(value: dict[str, Any], schema: Mapping[str, Any], at: list[str | int]) -> None:
    for key in schema.get("required", ()):
        if key not in value:
            raise SchemaViolation(at, f"{key!r} is a required property")
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    unexpected = sorted((key for key in value if key not in properties), key=str)
    if extra is False and unexpected:
        listed = ", ".join(repr(key) for key in unexpected)
        verb = "was" if len(unexpected) == 1 else "were"
        raise SchemaViolation(at, f"Additional properties are not allowed ({listed} {verb} unexpected)")
    for key, item in value.items():
        if key in properties:
            check(item, properties[key], [*at, key])
        elif isinstance(extra, Mapping):
            check(item, extra, [*at, key])


def keywords(schema: Any) -> set[str]:
    """Every keyword a schema uses, to prove this checker understands all of them."""
    found: set[str] = set()
    pending = [schema]
    while pending:
        node = pending.pop()
        if not isinstance(node, Mapping):
            continue
        found.update(node)
        pending.extend(node.get("properties", {}).values())
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), Mapping):
                pending.append(node[key])
    return found
