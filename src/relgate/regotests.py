"""Find test rules the way `opa test` does, and make each one evaluable on its own.

OPA's tester runs every rule whose name (in the ground part of its head) starts
with `test_` in any module, skips `todo_test_` rules, renames the second and
later definitions of one test name to `test_x#01`, `test_x#02` … so each body
passes or fails by itself, and reports a test whose head has a variable key
(`test_x[note] if {…}`) case by case, including the cases whose body failed
after the key was bound. Rego cannot express "this case was attempted", so each
such test gets a generated helper rule holding the body up to where its key is
bound: its keys are the attempted cases, and an attempted case missing from the
test's value failed. The helpers live in modules of their own (same package and
imports), so a helper that does not compile can be dropped without touching the
user's module. Rules are read through regorus's parser (its spans are byte offsets).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from relgate.engines.interface import PolicyModule, PolicySet
from relgate.errors import PolicyError

TEST_PREFIX = "test_"
SKIP_PREFIX = "todo_test_"
HELPER_PREFIX = "_relgate_cases_"
HELPER_MODULE = "@relgate-cases-"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MENTIONS_TEST = re.compile(rf"\b(?:{SKIP_PREFIX}|{TEST_PREFIX})")


@dataclass(frozen=True)
class RegoTest:
    """One test as OPA reports it, and where to find it in the rewritten policies."""

    package: str  # "data.relgate.team_test"
    name: str  # "test_x", "test_x#01", "a.test_m", as OPA prints the rule's ref
    ref: tuple[str, ...]  # ("test_x#01",): the ref's parts, for the name `--run` matches
    query: str  # the rewritten rule's path: "data.relgate.team_test.test_x"
    file: str
    line: int
    skip: bool = False
    function: bool = False
    parametrised: bool = False
    cases_query: str | None = None  # generated helper whose keys are the attempted cases
    cases_module: str | None = None

    @property
    def full_name(self) -> str:
        """What `--run` matches, as OPA forms it: the package path extended by the ref (`data.p["test_x#01"]`)."""
        return self.package + "".join(_segment(part) for part in self.ref)

    @property
    def shown(self) -> str:
        return f"{self.package}.{self.name}"


@dataclass(frozen=True)
class _Part:
    name: str | None  # None: not ground (a variable or expression key)
    start: int
    end: int
    bracket: bool  # written as ["…"] (its span covers the text between the quotes)
    node: dict[str, Any] | None = None  # the key expression, when not ground


def prepare(policies: PolicySet) -> tuple[PolicySet, tuple[RegoTest, ...]]:
    """The policies with repeated test names split and case helpers added, and the tests in order."""
    counts: dict[str, int] = {}
    modules: list[PolicyModule] = []
    helpers: list[PolicyModule] = []
    tests: list[RegoTest] = []
    for module in sorted(policies.modules, key=lambda m: m.path):
        if not _MENTIONS_TEST.search(module.text):
            modules.append(module)
            continue
        source = module.text.encode("utf-8")
        ast = _parse(module)
        package_parts = _ref_parts(ast["package"]["refr"])
        package = "data" + "".join(_segment(p.name or "") for p in package_parts)
        preamble = _preamble(source, ast)
        renames: list[tuple[int, int, bytes]] = []
        for rule in ast.get("rules", []):
            found = _test_head(rule)
            if found is None:
                continue
            parts, index, head, spec = found
            ref = parts[: index + 1]
            test_name = str(ref[-1].name)
            names = [str(p.name) for p in ref]
            line = _line_of(rule)
            if test_name.startswith(SKIP_PREFIX):
                path = package + "".join(_segment(n) for n in names)
                tests.append(RegoTest(package, _ref_string(names), tuple(names), path, module.path, line, skip=True))
                continue
            key = package + "".join(_segment(n) for n in names)
            seen = counts.get(key, 0)
            counts[key] = seen + 1
            internal = names
            if seen:
                hidden = f"{test_name}__relgate_{seen:02d}"
                renames.append((ref[-1].start, ref[-1].end, hidden.encode()))
                names = [*names[:-1], f"{test_name}#{seen:02d}"]
                internal = [*internal[:-1], hidden]
            query = package + "".join(_segment(n) for n in internal)
            function = "Func" in head
            parametrised = not function and any(p.name is None for p in parts[index + 1 :])
            cases_query = cases_module = None
            if parametrised and spec is not None:
                helper = _cases_helper(source, head, parts, index, spec, len(helpers))
                if helper is not None:
                    cases_module = f"{module.path}{HELPER_MODULE}{len(helpers)}"
                    cases_query = f"{package}.{HELPER_PREFIX}{len(helpers)}"
                    helpers.append(PolicyModule(cases_module, preamble + helper))
            tests.append(RegoTest(package, _ref_string(names), tuple(names), query, module.path, line,
                                  function=function, parametrised=parametrised, cases_query=cases_query,
                                  cases_module=cases_module))
        for start, end, text in sorted(renames, reverse=True):
            source = source[:start] + text + source[end:]
        modules.append(PolicyModule(module.path, source.decode("utf-8")))
    return PolicySet((*modules, *helpers)), tuple(tests)


def is_helper(path: str) -> bool:
    """Whether a module is a generated case helper (never reported in coverage)."""
    return HELPER_MODULE in path


def _preamble(source: bytes, ast: dict[str, Any]) -> str:
    """The module's package and imports, for a helper module that must resolve names as it does."""
    package = ast["package"]
    start = _first_start(package["refr"])
    lines = ["package " + source[start : _node_end(source, package["span"]["end"])].decode("utf-8")]
    for item in ast.get("imports", []):
        span = item["span"]
        lines.append(source[span["start"] : _node_end(source, span["end"])].decode("utf-8"))
    return "\n".join(lines) + "\n\n"


def _first_start(node: dict[str, Any]) -> int:
    kind, body = next(iter(node.items()))
    if kind in ("RefDot", "RefBrack"):
        return _first_start(body["refr"])
    return int(body["span"]["start"])


def _parse(module: PolicyModule) -> dict[str, Any]:
    from relgate.engines.regorus import describe_error, new_engine

    engine = new_engine()
    try:
        engine.add_policy(module.path, module.text)
        doc = json.loads(engine.get_ast_as_json())
    except RuntimeError as exc:
        raise PolicyError(f"cannot read the rules of {describe_error(str(exc))}") from None
    return dict(doc[0]["ast"])


def _line_of(rule: dict[str, Any]) -> int:
    node = rule.get("Spec") or rule.get("Default") or {}
    return int(node.get("span", {}).get("line", 0))


def _test_head(
    rule: dict[str, Any],
) -> tuple[list[_Part], int, dict[str, Any], dict[str, Any] | None] | None:
    """The head's ref parts and the index of its test name, when the rule is a test."""
    if "Default" in rule:
        head: dict[str, Any] = {"Default": rule["Default"]}
        refr = rule["Default"]["refr"]
        spec = None
    else:
        spec = rule.get("Spec")
        if spec is None:
            return None
        head = spec["head"]
        refr = next(iter(head.values()))["refr"]
    parts = _ref_parts(refr)
    for index, part in enumerate(parts):
        if part.name is None:
            return None
        if part.name.startswith((TEST_PREFIX, SKIP_PREFIX)):
            return parts, index, head, spec
    return None


def _ref_parts(node: dict[str, Any]) -> list[_Part]:
    kind, body = next(iter(node.items()))
    if kind == "Var":
        return [_Part(body["value"], body["span"]["start"], body["span"]["end"], False)]
    if kind == "RefDot":
        span, name = body["field"]
        return [*_ref_parts(body["refr"]), _Part(name, span["start"], span["end"], False)]
    if kind == "RefBrack":
        index_kind, index = next(iter(body["index"].items()))
        if index_kind == "String":
            part = _Part(index["value"], index["span"]["start"], index["span"]["end"], True)
        else:
            part = _Part(None, index["span"]["start"], index["span"]["end"], True, body["index"])
        return [*_ref_parts(body["refr"]), part]
    return [_Part(None, 0, 0, False)]


def _cases_helper(
    source: bytes, head: dict[str, Any], parts: list[_Part], index: int, spec: dict[str, Any], number: int
) -> str | None:
    """`_relgate_cases_N[key] if { <the body up to where the key is bound> }`, as OPA injects its test case."""
    compr = head.get("Compr")
    bodies = spec.get("bodies") or []
    if compr is None or not bodies:
        return None
    end = compr["assign"]["span"]["start"] if compr.get("assign") else compr["span"]["end"]
    key_text = source[parts[index].end : end].decode("utf-8").rstrip()
    if parts[index].bracket:
        key_text = key_text[2:]  # the test name was written as ["test_x"]: skip its closing quote and bracket
    if not key_text.startswith(("[", ".")):
        return None
    key_vars = {v for p in parts[index + 1 :] if p.node is not None for v in _vars(p.node)} - {"_"}
    statements = bodies[0]["query"]["stmts"]
    bound = -1
    for var in key_vars:
        first = next((i for i, s in enumerate(statements) if var in set(_vars(s))), None)
        if first is not None:
            bound = max(bound, first)
    if bound < 0:
        prefix = "true"
    else:
        start = statements[0]["span"]["start"]
        prefix = source[start : _node_end(source, statements[bound]["span"]["end"])].decode("utf-8")
    return f"{HELPER_PREFIX}{number}{key_text} if {{\n{prefix}\n}}\n"


def _node_end(source: bytes, end: int) -> int:
    # regorus's span of a node ending in a string literal stops before the closing quote.
    while end < len(source) and source[end : end + 1] in (b'"', b"`"):
        end += 1
    return end


def _vars(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        var = node.get("Var")
        if isinstance(var, dict) and isinstance(var.get("value"), str):
            yield var["value"]
        for value in node.values():
            yield from _vars(value)
    elif isinstance(node, list):
        for value in node:
            yield from _vars(value)


def _segment(name: str) -> str:
    return f".{name}" if _IDENT.match(name) else f"[{json.dumps(name)}]"


def _ref_string(names: list[str]) -> str:
    """A rule ref as OPA prints it: `test_x`, `a.test_x`, `a["test_x#01"]`."""
    head, *rest = names
    return head + "".join(_segment(name) for name in rest)
