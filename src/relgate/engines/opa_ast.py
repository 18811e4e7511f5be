"""The same facts as rego_ast.py, read from OPA's own parse (`rego.parse_module`), for what regorus cannot parse.

OPA accepts a little syntax regorus does not (template strings `$"…{x}…"`). With
engine `opa` such a module must still be checked, so its package, rule heads and
calls come from OPA's JSON AST; that AST carries no line numbers, so refusals
name the file only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from relgate.engines.rego_ast import Call, ModuleFacts, RuleHead


def _segments(ref: Sequence[Mapping[str, Any]]) -> list[str]:
    """[var http, string send] as ["http", "send"]; a variable index ends the name."""
    out: list[str] = []
    for index, term in enumerate(ref):
        if (index == 0 and term.get("type") == "var") or (index > 0 and term.get("type") == "string"):
            out.append(str(term["value"]))
        else:
            break
    return out


def facts_from_opa_ast(path: str, ast: Mapping[str, Any]) -> ModuleFacts:
    package = tuple(_segments(ast["package"]["path"])[1:])  # OPA's package path starts with `data`
    aliases: set[str] = set()
    for imported in ast.get("imports", []):
        segments = _segments(imported["path"]["value"])
        if segments and segments[0] in ("data", "input"):
            aliases.add(str(imported.get("alias") or segments[-1]))
    rules = [_head(path, rule) for rule in ast.get("rules", [])]
    calls = [Call(name, path) for name in _calls(ast.get("rules", []))]
    return ModuleFacts(path, package, frozenset(aliases), tuple(rules), tuple(calls))


def _head(path: str, rule: Mapping[str, Any]) -> RuleHead:
    head = rule["head"]
    ref = head.get("ref") or [{"type": "var", "value": head.get("name", "")}]
    name = ".".join(_segments(ref))
    if rule.get("default"):
        return RuleHead(name, "default", True, path)
    if head.get("args"):
        return RuleHead(name, "function", True, path)
    if "key" in head and "value" not in head:
        return RuleHead(name, "set", False, path)
    if len(_segments(ref)) < len(ref):
        return RuleHead(name, "object", True, path)
    value = head.get("value") or {}
    return RuleHead(name, "complete", value.get("type") != "boolean", path)


def _calls(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "call" and isinstance(node.get("value"), list) and node["value"]:
            yield from _named(node["value"][0])
        terms = node.get("terms")
        if isinstance(terms, list) and terms:
            yield from _named(terms[0])
        for value in node.values():
            yield from _calls(value)
    elif isinstance(node, list):
        for value in node:
            yield from _calls(value)


def _named(operator: Any) -> Iterator[str]:
    if isinstance(operator, dict) and operator.get("type") == "ref":
        name = ".".join(_segments(operator["value"]))
        if name:
            yield name
