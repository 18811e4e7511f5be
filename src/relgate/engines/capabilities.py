"""Which built-ins a gate policy may call, checked when policies are loaded (as OPA's capabilities.json).

A gate policy may call the built-ins of OPA v1.20.2 (builtins.json), except:
- those that reach the network or give a different answer each run (OPA's own
  `nondeterministic` flag: http.send, net.lookup_ip_addr, rand.intn,
  uuid.rfc4122, opa.runtime, io.jwt.encode_sign…), unless the config allows
  them knowingly (`evaluation: {allow_builtins: [...]}`);
- `time.now_ns()` on an engine that cannot pin it to the gate's evaluation time;
- deprecated built-ins, which OPA v1 itself refuses;
- what the chosen engine lacks or evaluates differently from OPA (gaps.json).
Each refusal names the built-in and where it is called, before anything runs.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from relgate.engines.rego_ast import ModuleFacts
from relgate.errors import PolicyError

CLOCK = "time.now_ns"
_WHY_REFUSED = {
    "http.send": "it makes network requests",
    "net.lookup_ip_addr": "it makes DNS requests",
    "opa.runtime": "it describes the process running the gate, not the change",
    "rand.intn": "it is random",
    "uuid.rfc4122": "it is random",
    "io.jwt.decode_verify": "it checks expiry against the wall clock unless given a time",
    "io.jwt.encode_sign": "its signatures are randomised",
    "io.jwt.encode_sign_raw": "its signatures are randomised",
}


class CapabilityError(PolicyError):
    """Policies call built-ins the gate refuses; `problems` lists each one as `file:line:col: why`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__("; ".join(problems[:3]) + more)


@dataclass(frozen=True)
class BuiltinUse:
    """A built-in a policy calls, and every place it is called."""

    name: str
    places: tuple[str, ...]


@cache
def opa_builtins() -> Mapping[str, Mapping[str, Any]]:
    data: dict[str, Any] = json.loads((Path(__file__).parent / "builtins.json").read_text())
    builtins: Mapping[str, Mapping[str, Any]] = data["builtins"]
    return builtins


@cache
def engine_gaps() -> Mapping[str, Mapping[str, str]]:
    data: dict[str, Any] = json.loads((Path(__file__).parent / "gaps.json").read_text())
    return {engine: dict(gaps) for engine, gaps in data.items() if isinstance(gaps, dict)}


def gap(engine: str, builtin: str) -> str | None:
    """What is wrong with `builtin` on `engine`, or None when it runs as OPA runs it."""
    for pattern, why in engine_gaps().get(engine, {}).items():
        if _matches(builtin, pattern):
            return why
    return None


def _matches(name: str, pattern: str) -> bool:
    """fnmatch's answer, without compiling a regular expression for each plain name and `prefix.*` of gaps.json."""
    head = pattern[:-1] if pattern.endswith("*") else pattern
    if any(c in head for c in "*?["):
        return fnmatch.fnmatchcase(name, pattern)
    return name.startswith(head) if head != pattern else name == pattern


def refused_by_default() -> frozenset[str]:
    """Built-ins a gate may not call unless the config allows them (the clock when an engine cannot pin it)."""
    return frozenset(n for n, b in opa_builtins().items() if b.get("nondeterministic") and n != CLOCK)


def builtin_uses(facts: Iterable[ModuleFacts]) -> tuple[BuiltinUse, ...]:
    """The OPA built-ins the modules call; a name a package defines itself, or reaches by import, is its own."""
    facts = tuple(facts)
    local: dict[tuple[str, ...], set[str]] = {}
    for module in facts:
        local.setdefault(module.package, set()).update(rule.name for rule in module.rules)
    known = opa_builtins()
    places: dict[str, list[str]] = {}
    for module in facts:
        own = local[module.package]
        for call in module.calls:
            first = call.name.split(".", 1)[0]
            if call.name in own or first in ("data", "input") or first in module.aliases or call.name not in known:
                continue
            if "infix" in known[call.name] or first == "internal":
                continue  # an operator (`>`, `in`, `:=`), spelled as a call in OPA's own AST
            places.setdefault(call.name, []).append(call.where)
    return tuple(BuiltinUse(name, tuple(where)) for name, where in sorted(places.items()))


def check_builtins(uses: Iterable[BuiltinUse], engine: str, *, pins_time: bool,
                   allowed: Iterable[str] = ()) -> None:
    """Raise CapabilityError listing every refused call; return quietly when all may run."""
    allowed = frozenset(allowed)
    refused = refused_by_default()
    known = opa_builtins()
    problems: list[tuple[str, str]] = []
    for use in uses:
        why = _refusal(use.name, engine, pins_time, allowed, refused, known)
        if why:
            problems.extend((where, why) for where in use.places)
    if problems:
        raise CapabilityError([f"{where}: {why}" for where, why in sorted(problems, key=_place)])


def _place(problem: tuple[str, str]) -> tuple[str, int, int]:
    """`file:line:col` sorts by position; a bare `file` (OPA's AST has no lines) sorts first in its file."""
    parts = problem[0].rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    return problem[0], 0, 0


def _refusal(name: str, engine: str, pins_time: bool, allowed: frozenset[str], refused: frozenset[str],
             known: Mapping[str, Mapping[str, Any]]) -> str | None:
    entry = known.get(name, {})
    if entry.get("deprecated"):
        hint = f"; use {entry['use']}" if entry.get("use") else ""
        return f"{name} is deprecated and OPA v1 does not run it{hint}"
    missing = gap(engine, name)
    if missing:
        return f"{name} cannot run on engine {engine}: {missing}; use `engine: opa` (the real OPA)"
    if name == CLOCK and not pins_time and name not in allowed:
        return (f"time.now_ns() cannot be pinned to the gate's evaluation time on engine {engine}; "
                "use input.evaluated_at_ns (or allow it knowingly: evaluation.allow_builtins)")
    if name in refused and name not in allowed:
        why = _WHY_REFUSED.get(name, "its answer can change from run to run")
        return (f"{name} is not allowed in a gate policy: {why}, so a decision could not be replayed "
                f"(allow it knowingly with `evaluation: {{allow_builtins: [{name}]}}`)")
    return None
