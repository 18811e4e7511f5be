"""What each policy module defines and calls, read from a real parse (regorus's AST), not from regexes.

The gate needs three facts before it runs a policy: its package, the heads of
its rules (is `deny` a set?), and every function call with its location
(`some x in …`, comprehensions, `every` and `with` bodies included). regorus
parses Rego v0 and v1 and reports spans, so one parser serves every engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from relgate.engines.interface import PolicyModule, PolicySet
from relgate.errors import PolicyError


@dataclass(frozen=True)
class Call:
    """A function call as written (`time.now_ns`, `u.f`, `f`), where it is."""

    name: str
    where: str


@dataclass(frozen=True)
class RuleHead:
    """One rule head: its name below the package and what kind of document it makes.

    kind: `set` (`contains`, v0 `p[x] {…}`), `object` (`p[k] …`, a v1 `deny[msg] if`),
    `complete` (`p := v`, `p if …`), `function`, or `default`.
    """

    name: str
    kind: str
    valued: bool
    where: str


@dataclass(frozen=True)
class ModuleFacts:
    path: str
    package: tuple[str, ...]
    aliases: frozenset[str]
    rules: tuple[RuleHead, ...]
    calls: tuple[Call, ...]

    @property
    def package_name(self) -> str:
        return ".".join(self.package)


def parse_module_asts(policies: PolicySet) -> list[dict[str, Any]]:
    """regorus's AST of every module (v0 modules parsed as v0); a parse error names file and line."""
    from relgate.engines.regorus import describe_error, is_panic, new_engine

    engine = new_engine()
    for module in policies.modules:
        engine.set_rego_v0(module.rego_version == "v0")
        try:
            engine.add_policy(module.path, module.text)
        except RuntimeError as exc:
            raise PolicyError(describe_error(str(exc))) from None
        except BaseException as exc:
            if not is_panic(exc):
                raise
            raise PolicyError(f"{module.path}: the parser panicked: {str(exc)[:200]}") from None
    asts: list[dict[str, Any]] = json.loads(engine.get_ast_as_json())
    return asts


def module_facts(
    policies: PolicySet, fallback: Callable[[PolicyModule], ModuleFacts] | None = None
) -> tuple[ModuleFacts, ...]:
    """Each module's facts: the bundled library's from the table shipped with it, any other module's parsed.

    With `fallback`, a module regorus cannot parse is read by it instead.
    """
    from relgate.engines.library_facts import shipped_facts

    known = [shipped_facts(m) for m in policies.modules]
    missing = [m for m, facts in zip(policies.modules, known, strict=True) if facts is None]
    if not missing:
        return tuple(f for f in known if f is not None)
    parsed = {f.path: f for f in _parsed_or_fallback(PolicySet(tuple(missing)), fallback)}
    return tuple(found for m, f in zip(policies.modules, known, strict=True)
                 if (found := f if f is not None else parsed.get(m.path)) is not None)


def _parsed_or_fallback(
    policies: PolicySet, fallback: Callable[[PolicyModule], ModuleFacts] | None
) -> tuple[ModuleFacts, ...]:
    try:
        return parsed_facts(policies)
    except PolicyError:
        if fallback is None:
            raise
    facts: list[ModuleFacts] = []
    for module in policies.modules:
        try:
            facts.extend(parsed_facts(PolicySet((module,))))
        except PolicyError:
            facts.append(fallback(module))
    return tuple(facts)


def parsed_facts(policies: PolicySet) -> tuple[ModuleFacts, ...]:
    """Each module's facts from a fresh parse of them all."""
    by_path = {m.path: m for m in policies.modules}
    return tuple(_facts(by_path[str(entry["source"]["file"])], entry["ast"])
                 for entry in parse_module_asts(policies) if str(entry["source"]["file"]) in by_path)


def _facts(module: PolicyModule, ast: Mapping[str, Any]) -> ModuleFacts:
    path = module.path
    package = tuple(ref_segments(ast["package"]["refr"]))
    aliases: set[str] = set()
    for imported in ast.get("imports", []):
        segments = ref_segments(imported["refr"])
        if segments and segments[0] in ("data", "input"):
            alias = imported.get("as")  # regorus keeps only the alias's span
            aliases.add(module_text(module, alias["start"], alias["end"]) if alias else segments[-1])
    rules = [head for rule in ast.get("rules", []) for head in _heads(path, rule)]
    calls = [Call(name, f"{path}:{line}:{col}") for name, line, col in _calls(ast.get("rules", []))]
    return ModuleFacts(path, package, frozenset(aliases), tuple(rules), tuple(calls))


def ref_segments(node: Mapping[str, Any]) -> list[str]:
    """`a.b["c"]` as ["a", "b", "c"]; a variable or computed index ends the name."""
    kind, body = next(iter(node.items()))
    if kind == "Var":
        return [str(body["value"])]
    if kind == "RefDot":
        return [*ref_segments(body["refr"]), str(body["field"][1])]
    if kind == "RefBrack":
        index_kind, index = next(iter(body["index"].items()))
        base = ref_segments(body["refr"])
        return [*base, str(index["value"])] if index_kind == "String" else base
    return []


def _start(node: Mapping[str, Any]) -> tuple[int, int]:
    """Line and column where a reference starts (regorus places a dotted ref's span at its last dot)."""
    kind, body = next(iter(node.items()))
    if kind in ("RefDot", "RefBrack"):
        return _start(body["refr"])
    span = body.get("span", {}) if isinstance(body, dict) else {}
    return int(span.get("line", 0)), int(span.get("col", 0))


def _heads(path: str, rule: Mapping[str, Any]) -> Iterator[RuleHead]:
    kind, body = next(iter(rule.items()))
    if kind == "Default":
        line, col = _start(body["refr"])
        yield RuleHead(".".join(ref_segments(body["refr"])), "default", True, f"{path}:{line}:{col}")
        return
    if kind != "Spec":
        return
    head_kind, head = next(iter(body["head"].items()))
    refr = head["refr"]
    line, col = _start(refr)
    where = f"{path}:{line}:{col}"
    name = ".".join(ref_segments(refr))
    if head_kind == "Set":
        yield RuleHead(name, "set", False, where)
    elif head_kind == "Func":
        yield RuleHead(name, "function", head.get("assign") is not None, where)
    elif head_kind == "Compr":
        keyed = next(iter(refr)) == "RefBrack" and next(iter(refr["RefBrack"]["index"])) != "String"
        yield RuleHead(name, "object" if keyed else "complete", head.get("assign") is not None, where)


def _calls(node: Any) -> Iterator[tuple[str, int, int]]:
    if isinstance(node, dict):
        call = node.get("Call")
        if isinstance(call, dict) and "fcn" in call:
            name = ".".join(ref_segments(call["fcn"]))
            if name:
                yield (name, *_start(call["fcn"]))
        for value in node.values():
            yield from _calls(value)
    elif isinstance(node, list):
        for value in node:
            yield from _calls(value)


def module_text(module: PolicyModule, start: int, end: int) -> str:
    """The source text of a span (regorus spans are byte offsets into the UTF-8 text)."""
    return module.text.encode("utf-8")[start:end].decode("utf-8")
