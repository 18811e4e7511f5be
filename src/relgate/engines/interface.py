"""The one interface every policy engine implements: load once, evaluate many."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from relgate.errors import EngineError

GATE_ROOT = "relgate"


@dataclass(frozen=True)
class PolicyModule:
    """One Rego file: the path shown to users and its text."""

    path: str
    text: str


@dataclass(frozen=True)
class PolicySet:
    """The modules a gate evaluates; the digest pins exactly which text decided."""

    modules: tuple[PolicyModule, ...]

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for module in sorted(self.modules, key=lambda m: m.path):
            h.update(module.path.encode() + b"\0" + module.text.encode() + b"\0")
        return "sha256:" + h.hexdigest()


@dataclass(frozen=True)
class RuleOutcome:
    """The raw `deny` and `warn` elements one package produced."""

    package: str
    deny: tuple[Any, ...]
    warn: tuple[Any, ...]


@dataclass(frozen=True)
class LineCoverage:
    """Per file, the lines an evaluation ran and the coverable lines it did not (1-based rows)."""

    covered: Mapping[str, frozenset[int]]
    not_covered: Mapping[str, frozenset[int]]


class Engine(ABC):
    """A Rego evaluator. Errors it cannot recover from raise PolicyError or EngineError."""

    name: ClassVar[str]

    @abstractmethod
    def load(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        """Compile the policies and data once; PolicyError names `file:line` on failure."""

    @abstractmethod
    def query(self, query: str, input_doc: Mapping[str, Any] | None, now_ns: int | None = None) -> Any:
        """Evaluate a query (input undefined when None); its value, or None when undefined.

        With `now_ns`, `time.now_ns()` returns it instead of the wall clock.
        """

    def query_with_coverage(self, query: str, input_doc: Mapping[str, Any] | None) -> tuple[Any, LineCoverage]:
        """Evaluate as `query` does and report the policy lines it ran (`relgate policy test --coverage`)."""
        raise EngineError(f"engine {self.name} does not report coverage (regorus and opa do)")

    def query_with_prints(self, query: str, input_doc: Mapping[str, Any] | None) -> tuple[Any, tuple[str, ...]]:
        """Evaluate as `query` does, and return what its print() calls wrote (`file:row: message`)."""
        return self.query(query, input_doc), ()

    def provenance(self) -> str | None:
        """What decided, when it was not the policy files relgate loaded (e.g. an OPA's bundles)."""
        return None

    def evaluate(self, input_doc: Mapping[str, Any]) -> tuple[RuleOutcome, ...]:
        """Evaluate every `relgate.*` package's deny and warn sets against the input."""
        tree = self.query(f"data.{GATE_ROOT}", input_doc)
        return tuple(collect_outcomes(tree if isinstance(tree, dict) else {}, GATE_ROOT))


def collect_outcomes(tree: Mapping[str, Any], prefix: str) -> list[RuleOutcome]:
    """Walk the package tree under `data.relgate` and keep packages with deny/warn."""
    outcomes: list[RuleOutcome] = []
    deny = tree.get("deny")
    warn = tree.get("warn")
    if isinstance(deny, list) or isinstance(warn, list):
        outcomes.append(
            RuleOutcome(
                package=prefix,
                deny=tuple(deny) if isinstance(deny, list) else (),
                warn=tuple(warn) if isinstance(warn, list) else (),
            )
        )
    for key, value in sorted(tree.items()):
        if isinstance(value, dict) and key not in ("deny", "warn"):
            outcomes.extend(collect_outcomes(value, f"{prefix}.{key}"))
    return outcomes
