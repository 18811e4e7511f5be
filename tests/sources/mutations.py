"""Hypothesis strategies that break a valid JSON document the ways real producers and attackers do.

Each mutation picks an element (biased toward the keys a reader relies on) and deletes it,
nulls it, changes its type, wraps it in a list, changes the case of a string, or empties
a container. The property tests then ask of the reader: refuse the result, or read it
exactly as an independent oracle does.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from typing import Any

from hypothesis import strategies as st

Path = tuple[str | int, ...]
OTHER_TYPES: tuple[Any, ...] = (None, 0, -1, 1.5, "", "x", "ERROR", True, False, [], {}, [None], {"x": 1})


def paths(document: Any) -> list[Path]:
    """Every element's path, the root excluded."""
    found: list[Path] = []
    pending: list[tuple[Any, Path]] = [(document, ())]
    while pending:
        value, at = pending.pop()
        if at:
            found.append(at)
        if isinstance(value, dict):
            pending.extend((item, (*at, key)) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend((item, (*at, index)) for index, item in enumerate(value))
    return sorted(found, key=repr)


def _parent(document: Any, at: Path) -> Any:
    node = document
    for part in at[:-1]:
        node = node[part]
    return node


def apply(document: Any, at: Path, operation: str, replacement: Any = None) -> Any:
    """A mutated deep copy; `operation` is delete | null | retype | wrap | case | empty."""
    out = copy.deepcopy(document)
    parent = _parent(out, at)
    key = at[-1]
    value = parent[key]
    if operation == "delete":
        del parent[key]
    elif operation == "null":
        parent[key] = None
    elif operation == "retype":
        parent[key] = replacement
    elif operation == "wrap":
        parent[key] = [value]
    elif operation == "case":
        if isinstance(value, str):
            parent[key] = value.upper() if value != value.upper() else value.lower()
        elif isinstance(parent, dict) and isinstance(key, str):
            parent[key.upper() if key != key.upper() else key.lower()] = parent.pop(key)
    elif operation == "empty":
        parent[key] = type(value)() if isinstance(value, (list, dict)) else ""
    return out


@st.composite
def mutated(draw: st.DrawFn, document: Any, keys: Collection[str] = (), most: int = 3) -> tuple[Any, list[str]]:
    """A document with 1..`most` mutations, and what was done (for the failure report)."""
    out = document
    done: list[str] = []
    for _ in range(draw(st.integers(1, most))):
        every = paths(out)
        if not every:
            break
        # Pick a favoured key name first, then one of its places: every key a reader relies on
        # gets the same chance, however often it occurs in the document.
        names = sorted({p[-1] for p in every if isinstance(p[-1], str) and p[-1] in keys})
        if names and draw(st.integers(0, 9)) < 8:
            name = draw(st.sampled_from(names))
            at = draw(st.sampled_from([p for p in every if p[-1] == name]))
        else:
            at = draw(st.sampled_from(every))
        operation = draw(st.sampled_from(("delete", "null", "retype", "wrap", "case", "empty")))
        replacement = draw(st.sampled_from(OTHER_TYPES)) if operation == "retype" else None
        out = apply(out, at, operation, replacement)
        done.append(f"{operation} {at!r}" + (f" -> {replacement!r}" if operation == "retype" else ""))
    return out, done
