"""A small, strict JSON Schema subset for relgate's own config schemas, with exact coercion.

Why not jsonschema: config errors must read `path: expected …, found …` with a
did-you-mean, strings from `${VAR}` must become numbers only when the whole string
is one, and loading a config should not pay for a general validator. The subset
(type, enum, const, properties, required, additionalProperties, propertyNames,
items, min/max(Items|Length), (exclusive)minimum/maximum, uniqueItems, pattern,
format date-time) is checked by `check_schema` so a user's schema that uses
anything else is refused instead of half-applied.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from relgate.timeutil import parse_ns

# Keywords that carry no constraint and are accepted anywhere in a schema.
_ANNOTATIONS = frozenset({
    "$schema", "$id", "$comment", "title", "description", "default", "examples",
    "x-what",  # what an object's keys are called in errors ("option of a sarif source")
    "x-type",  # how docs name the type
    "x-hint",  # appended to a type error at this field
})
_CONSTRAINTS = frozenset({
    "type", "enum", "const", "properties", "required", "additionalProperties", "propertyNames",
    "items", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "format",
})
_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+\Z")
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?\Z")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
MAX_DURATION_S = 86_400.0
_SECRET_WORDS = frozenset({
    "token", "secret", "password", "passwd", "passphrase", "pwd", "key", "apikey", "auth",
    "authorization", "cookie", "session", "credential", "credentials", "dsn", "bearer", "private", "signature",
})
# Largest integer every engine and the audit record's canonical form carry exactly.
SAFE_INTEGER = 2**53 - 1


class SchemaViolation(Exception):
    """A value does not fit its schema; `at` is the field path, `problem` says expected vs found."""

    def __init__(self, at: str, problem: str) -> None:
        super().__init__(f"{at or '(top level)'}: {problem}")
        self.at, self.problem = at, problem


def looks_secret(name: str) -> bool:
    """`GITHUB_TOKEN`, `db_password`, `Authorization`: names whose values errors must not echo."""
    return any(word in _SECRET_WORDS for word in re.split(r"[^a-z0-9]+", name.lower()))


def join(at: str, key: str | int) -> str:
    """`a.b[0].c`: the field path notation of every relgate config error."""
    if isinstance(key, int):
        return f"{at}[{key}]"
    return f"{at}.{key}" if at else key


def suggest(name: str, candidates: list[str]) -> str:
    """` (did you mean 'x'?)` for the nearest candidate, or nothing."""
    import difflib  # only on the error path

    lowered = {c.lower(): c for c in candidates}
    squashed = {re.sub(r"[_\-\s]", "", c.lower()): c for c in candidates}
    guess = lowered.get(name.lower()) or squashed.get(re.sub(r"[_\-\s]", "", name.lower()))
    if guess is None:
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        prefixed = [c for c in candidates if len(name) >= 3 and (c.startswith(name) or name.startswith(c))]
        guess = close[0] if close else (prefixed[0] if len(prefixed) == 1 else None)
    return f" (did you mean {guess!r}?)" if guess is not None else ""


def describe(value: Any) -> str:
    """How a found value reads in an error: short, quoted, never a whole document."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown) if value else "an empty string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__} (not JSON data)"


def _type_name(kind: str) -> str:
    return {
        "object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
        "number": "a number", "boolean": "true or false", "null": "null",
    }[kind]


class Validator:
    """Checks and coerces values; `origins` maps field paths to the `${VAR}`s their text came from."""

    def __init__(self, origins: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.origins = origins or {}

    def found(self, value: Any, at: str) -> str:
        """The value as an error shows it; never the value of a secret-looking field or variable."""
        names = self.origins.get(at, ())
        variables = ", ".join(f"${{{n}}}" for n in names)
        field = re.split(r"[.\[]", at)[-1] if at else ""
        if looks_secret(field) or any(looks_secret(n) for n in names):
            return f"a value from {variables} (not shown)" if names else "a value (not shown)"
        return f"{describe(value)} (from {variables})" if names else describe(value)

    def fail(self, at: str, expected: str, value: Any) -> SchemaViolation:
        return SchemaViolation(at, f"expected {expected}, found {self.found(value, at)}")

    def check(self, value: Any, schema: Mapping[str, Any], at: str) -> Any:
        """The value as the schema types it (numbers from whole-number strings), or SchemaViolation."""
        value = self._typed(value, schema, at)
        if "const" in schema and not _same(value, schema["const"]):
            raise self.fail(at, repr(schema["const"]), value)
        if "enum" in schema and not any(_same(value, choice) for choice in schema["enum"]):
            choices = [str(c) for c in schema["enum"]]
            hint = suggest(value, choices) if isinstance(value, str) else ""
            raise SchemaViolation(at, f"expected one of {', '.join(choices)}, found {self.found(value, at)}{hint}")
        if schema.get("format") == "duration":
            try:
                parse_duration(value)
            except ValueError as exc:
                raise self.fail(at, str(exc), value) from None
        if isinstance(value, dict):
            return self._object(value, schema, at)
        if isinstance(value, list):
            return self._array(value, schema, at)
        if isinstance(value, str):
            self._string(value, schema, at)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self._number(value, schema, at)
        return value

    def _typed(self, value: Any, schema: Mapping[str, Any], at: str) -> Any:
        kinds = schema.get("type")
        if kinds is None:
            return value
        allowed = [kinds] if isinstance(kinds, str) else list(kinds)
        for kind in allowed:
            if _is(value, kind):
                return int(value) if kind == "integer" and isinstance(value, float) else value
        if isinstance(value, str) and "string" not in allowed:
            for kind in allowed:
                converted = _from_text(value, kind)
                if converted is not None:
                    return converted
        expected = " or ".join(_type_name(k) for k in allowed)
        if isinstance(value, str) and any(k in ("integer", "number", "boolean") for k in allowed):
            expected += " (a string converts only when all of it is one)"
        hint = f" ({schema['x-hint']})" if "x-hint" in schema else ""
        raise SchemaViolation(at, f"expected {expected}, found {self.found(value, at)}{hint}")

    def _object(self, value: dict[Any, Any], schema: Mapping[str, Any], at: str) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise SchemaViolation(at, f"expected text keys, found the key {describe(key)} (quote it)")
            where = join(at, key)
            if names is not None:
                self.check(key, names, where)
            if key in properties:
                out[key] = self.check(item, properties[key], where)
            elif extra is False:
                known = sorted(properties)
                what = schema.get("x-what", "field")
                raise SchemaViolation(where, f"unknown {what} {key!r}{suggest(key, known)}; "
                                             f"expected one of {', '.join(known) or '(none)'}")
            elif isinstance(extra, Mapping):
                out[key] = self.check(item, extra, where)
            else:
                out[key] = item
        for name in schema.get("required", ()):
            if name not in value:
                about = properties.get(name, {}).get("description")
                hint = f" ({about})" if about else ""
                raise SchemaViolation(join(at, name), f"required field is missing{hint}")
        return out

    def _array(self, value: list[Any], schema: Mapping[str, Any], at: str) -> list[Any]:
        if len(value) < schema.get("minItems", 0):
            raise self.fail(at, f"a list of at least {schema['minItems']} item(s)", value)
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise SchemaViolation(at, f"expected at most {schema['maxItems']} item(s), found {len(value)}")
        items = schema.get("items")
        out = [self.check(v, items, join(at, i)) if items is not None else v for i, v in enumerate(value)]
        if schema.get("uniqueItems"):
            seen: set[str] = set()
            for index, item in enumerate(out):
                key = json.dumps(item, sort_keys=True, default=repr)
                if key in seen:
                    raise SchemaViolation(join(at, index), f"expected unique items, found {describe(item)} twice")
                seen.add(key)
        return out

    def _string(self, value: str, schema: Mapping[str, Any], at: str) -> None:
        if len(value) < schema.get("minLength", 0):
            raise self.fail(at, "a non-empty string" if schema["minLength"] == 1 else
                            f"at least {schema['minLength']} characters", value)
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise SchemaViolation(at, f"expected at most {schema['maxLength']} characters, found {len(value)}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise self.fail(at, f"text matching {schema['pattern']}", value)
        if schema.get("format") == "date-time" and date_time_ns(value) is None:
            raise self.fail(at, "an RFC 3339 date-time like 2026-12-24T00:00:00Z", value)

    def _number(self, value: float, schema: Mapping[str, Any], at: str) -> None:
        bounds: list[tuple[str, Callable[[float, float], bool], str]] = [
            ("minimum", lambda v, b: v >= b, "at least"),
            ("maximum", lambda v, b: v <= b, "at most"),
            ("exclusiveMinimum", lambda v, b: v > b, "more than"),
            ("exclusiveMaximum", lambda v, b: v < b, "less than"),
        ]
        for keyword, holds, words in bounds:
            if keyword in schema and not holds(value, schema[keyword]):
                raise self.fail(at, f"a number {words} {schema[keyword]}", value)


def parse_duration(value: Any) -> float:
    """Seconds in `10s`, `2m`, `500ms`, `1h` or a plain number of seconds; ValueError otherwise."""
    text = str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
    match = _DURATION.match(text)
    if not match:
        raise ValueError("a duration like 10s, 2m or 500ms")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not 0 < seconds <= MAX_DURATION_S:
        raise ValueError("a duration above 0 and at most 24h")
    return seconds


def date_time_ns(text: str) -> int | None:
    """Nanoseconds since the epoch of an RFC 3339 date-time, else None."""
    try:
        return parse_ns(text)
    except (ValueError, OverflowError):
        return None


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":
        if isinstance(value, float):
            return math.isfinite(value) and value.is_integer() and abs(value) <= SAFE_INTEGER
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"object": dict, "array": list, "string": str, "boolean": bool,
                              "null": type(None)}[kind])


def _from_text(text: str, kind: str) -> Any:
    """`"5"` → 5 for an integer, `"0.98"` → 0.98 for a number, `"true"` → True; else None."""
    if kind == "integer" and _INTEGER_TEXT.match(text):
        return int(text)
    if kind == "number" and _NUMBER_TEXT.match(text):
        number = float(text)
        if not math.isfinite(number):
            return None
        return int(text) if _INTEGER_TEXT.match(text) else number
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return None


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def check_schema(schema: Any, at: str = "") -> None:
    """Refuse a schema that uses a keyword this validator does not apply (it would be ignored)."""
    if not isinstance(schema, Mapping):
        raise SchemaViolation(at, f"expected a schema (a mapping), found {describe(schema)}")
    for keyword, value in schema.items():
        where = join(at, keyword)
        if keyword in _ANNOTATIONS:
            continue
        if keyword not in _CONSTRAINTS:
            supported = sorted(_CONSTRAINTS)
            raise SchemaViolation(where, f"unsupported schema keyword {keyword!r}{suggest(keyword, supported)}; "
                                         f"relgate applies {', '.join(supported)}")
        if keyword == "type":
            kinds = [value] if isinstance(value, str) else value
            if not isinstance(kinds, list) or not kinds or any(k not in _TYPES for k in kinds):
                raise SchemaViolation(where, f"expected one or more of {', '.join(sorted(_TYPES))}, "
                                             f"found {describe(value)}")
        elif keyword == "properties":
            if not isinstance(value, Mapping):
                raise SchemaViolation(where, f"expected a mapping of field schemas, found {describe(value)}")
            for name, sub in value.items():
                check_schema(sub, join(where, str(name)))
        elif keyword in ("items", "propertyNames") or (keyword == "additionalProperties"
                                                       and not isinstance(value, bool)):
            check_schema(value, where)
        elif keyword == "format" and value not in ("date-time", "duration"):
            raise SchemaViolation(where, f"expected the format date-time or duration, found {describe(value)}")
        elif keyword == "pattern":
            try:
                re.compile(value)
            except (re.error, TypeError):
                raise SchemaViolation(where, f"expected a regular expression, found {describe(value)}") from None
