"""The result contract: which packages the gate reads, and what their `deny`/`warn` must be.

In a `relgate.*` package (or one the config opts in with `packages:`), `deny`
and `warn` must be sets of strings or of `{msg, id?, details?}` objects. A
boolean (`deny if {…}`), an object (a v1 `deny[msg] if {…}`), a string or an
array is an error naming the package and what was found: dropping it would
turn a deny into an allow.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from relgate.engines.interface import RuleOutcome
from relgate.engines.rego_ast import ModuleFacts
from relgate.errors import PolicyError

GATE_ROOT = "relgate"
RESULT_RULES = ("deny", "warn")


@dataclass(frozen=True)
class ResultRule:
    """One `deny` or `warn` the gate reads: its package (as path segments) and rule name."""

    package: tuple[str, ...]
    rule: str

    @property
    def package_name(self) -> str:
        return ".".join(self.package)


@dataclass(frozen=True)
class GatePackages:
    rules: tuple[ResultRule, ...]
    ignored: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.package_name for r in self.rules))


def in_gate(package: str) -> bool:
    return package == GATE_ROOT or package.startswith(GATE_ROOT + ".")


def gate_packages(facts: Iterable[ModuleFacts], opted_in: Sequence[str] = ()) -> GatePackages:
    """Find the deny/warn rules the gate reads; check their heads; name packages left out."""
    facts = tuple(facts)
    known = {m.package_name for m in facts}
    unknown = [p for p in opted_in if p not in known]
    if unknown:
        raise PolicyError(f"packages: {', '.join(unknown)}: no loaded policy declares such a package")
    problems: list[str] = []
    rules: dict[ResultRule, None] = {}
    ignored: dict[str, None] = {}
    for module in facts:
        name = module.package_name
        for head in module.rules:
            rule = head.name.split(".", 1)[0]
            if rule not in RESULT_RULES:
                continue
            if not (in_gate(name) or name in opted_in):
                ignored[name] = None
                continue
            problem = _head_problem(head.name, head.kind, head.valued)
            if problem:
                problems.append(f"{head.where}: package {name}: {problem}")
            rules[ResultRule(module.package, rule)] = None
    if problems:
        raise PolicyError("; ".join(problems))
    ordered = sorted(rules, key=lambda r: (r.package, r.rule))
    return GatePackages(tuple(ordered), tuple(sorted(ignored)))


def _head_problem(name: str, kind: str, valued: bool) -> str | None:
    rule = name.split(".", 1)[0]
    fix = f"write `{rule} contains msg if {{ … }}`"
    if name != rule or kind == "object":
        return f"{rule} is an object here (`{rule}[msg] if` in Rego v1 makes an object); {fix}"
    if kind == "function":
        return f"{rule} is a function; {fix}"
    if kind == "complete" and not valued:
        return f"{rule} is a boolean (`{rule} if {{ … }}`); {fix}"
    return None


def outcome_query(rules: Sequence[ResultRule]) -> str:
    """One query for every deny/warn, each with its type: `[[type, value]]`, or `[]` when undefined."""
    parts = []
    for rule in rules:
        ref = "data" + "".join(f"[{json.dumps(s)}]" for s in (*rule.package, rule.rule))
        parts.append(f"[[type_name(x), x] | x := {ref}]")
    return "[" + ", ".join(parts) + "]"


def read_outcomes(value: Any, rules: Sequence[ResultRule]) -> tuple[RuleOutcome, ...]:
    """Check the typed results of `outcome_query` against the contract and group them by package."""
    if not isinstance(value, list) or len(value) != len(rules):
        raise PolicyError(f"the engine answered the result query with {_show(value)}")
    found: dict[str, dict[str, tuple[Any, ...]]] = {}
    for rule, typed in zip(rules, value, strict=True):
        elements: tuple[Any, ...] = ()
        if typed:
            kind, content = typed[0]
            elements = check_elements(rule.package_name, rule.rule, kind, content)
        found.setdefault(rule.package_name, {})[rule.rule] = elements
    return tuple(RuleOutcome(package, rules_.get("deny", ()), rules_.get("warn", ()))
                 for package, rules_ in found.items())


def check_elements(package: str, rule: str, kind: str, content: Any) -> tuple[Any, ...]:
    """A set's elements, each a string or a `{msg, id?, details?}` object; anything else is a PolicyError."""
    if kind != "set" or not isinstance(content, list):
        article = "an" if kind[:1] in "aeiou" else "a"
        raise PolicyError(f"package {package}: {rule} must be a set of messages, found {article} {kind}: "
                          f"{_show(content)}")
    for element in content:
        problem = _element_problem(element)
        if problem:
            raise PolicyError(f"package {package}: {rule} contains {_show(element)}: {problem}")
    return tuple(content)


def _element_problem(element: Any) -> str | None:
    if isinstance(element, str):
        return None
    if not isinstance(element, dict):
        return "expected a string or an object {msg, id?, details?}"
    if not isinstance(element.get("msg"), str):
        return "an object needs a string `msg`"
    if "id" in element and not isinstance(element["id"], str):
        return "`id` must be a string"
    if "details" in element and not isinstance(element["details"], dict):
        return "`details` must be an object"
    return None


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."
