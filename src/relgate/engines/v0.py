"""Rego v0 modules for engines that parse v1 only (the embedded OPA, opa-cli, opa-server).

OPA 1.x runs v0 policies with `--v0-compatible`; the embedded OPA has no such
switch, so a v0 module is rewritten to its v1 spelling, guided by regorus's v0
parse: `p[x] { … }` becomes `p contains x if { … }`, and every other body gains
`if`. Only text between tokens changes, so line numbers stay as written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from relgate.engines.interface import PolicyModule, PolicySet
from relgate.engines.rego_ast import module_text, parse_module_asts
from relgate.errors import PolicyError


def as_v1(policies: PolicySet) -> PolicySet:
    """The same policies with every v0 module rewritten as v1 (v1 modules are untouched)."""
    old = [m for m in policies.modules if m.rego_version == "v0"]
    if not old:
        return policies
    asts = {str(entry["source"]["file"]): entry["ast"] for entry in parse_module_asts(PolicySet(tuple(old)))}
    return PolicySet(tuple(
        PolicyModule(m.path, rewrite(m, asts[m.path]), "v1") if m.rego_version == "v0" else m
        for m in policies.modules
    ))


def rewrite(module: PolicyModule, ast: Mapping[str, Any]) -> str:
    """Apply the edits for one module, from the end backwards so earlier offsets stay valid."""
    data = module.text.encode("utf-8")
    for start, end, text in sorted(_edits(module, ast), reverse=True):
        data = data[:start] + text.encode("utf-8") + data[end:]
    return data.decode("utf-8")


def _edits(module: PolicyModule, ast: Mapping[str, Any]) -> Iterator[tuple[int, int, str]]:
    for rule in ast.get("rules", []):
        kind, body = next(iter(rule.items()))
        if kind != "Spec":
            continue
        head_kind, head = next(iter(body["head"].items()))
        if head_kind == "Set":
            start, end = int(head["span"]["start"]), int(head["span"]["end"])
            name_end = _extent(head["refr"])[1]
            key = module_text(module, name_end, end).strip()
            if not (key.startswith("[") and key.endswith("]")):
                raise PolicyError(f"{module.path}:{head['span'].get('line', '?')}: cannot rewrite this v0 "
                                  "partial set rule as v1")
            name = module_text(module, start, name_end)
            yield start, end, f"{name} contains {key[1:-1].strip()}"
        for index, rule_body in enumerate(body.get("bodies", [])):
            if index > 0 and not rule_body.get("is_else"):
                continue  # a second body of `p { a } { b }` follows the first `if`
            yield from _if_before_brace(module, rule_body)


def _if_before_brace(module: PolicyModule, rule_body: Mapping[str, Any]) -> Iterator[tuple[int, int, str]]:
    if rule_body.get("is_else") and not rule_body["query"].get("stmts"):
        return  # `else = value` without a body
    data = module.text.encode("utf-8")
    start, end = int(rule_body["span"]["start"]), int(rule_body["span"]["end"])
    if rule_body.get("assign"):  # `else = value { … }`: the body's brace follows the value
        start = max(start, _extent(rule_body["assign"])[1])
    brace = data.find(b"{", start, end)
    if brace < 0:
        line = rule_body["span"].get("line", "?")
        raise PolicyError(f"{module.path}:{line}: cannot rewrite this v0 rule body as v1 (no opening brace)")
    yield brace, brace, "if "


def _extent(node: Any) -> tuple[int, int]:
    """The byte range a term covers (a dotted ref's own span covers only its tail)."""
    low, high = 1 << 62, -1
    for span in _spans(node):
        low, high = min(low, int(span["start"])), max(high, int(span["end"]))
    return low, high


def _spans(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, dict):
        if "start" in node and "end" in node:
            yield node
        for value in node.values():
            yield from _spans(value)
    elif isinstance(node, list):
        for value in node:
            yield from _spans(value)
