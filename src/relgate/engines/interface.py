"""The one interface every policy engine implements: load once, evaluate many.

Loading is the same for every engine: a real parse of the policies (their
packages, rule heads and every built-in they call), the capabilities check and
the result contract, then the engine's own compile. Evaluation pins
`time.now_ns()` to the context's `evaluated_at_ns` and reads each gate
package's `deny`/`warn` with its type, so a result that is not a set is an
error rather than a silent allow.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from relgate.engines.rego_ast import ModuleFacts
    from relgate.engines.results import ResultRule

from relgate.errors import EngineError, RelgateError

GATE_ROOT = "relgate"
REGO_VERSIONS = ("v0", "v1")
DEFAULT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class PolicyModule:
    """One Rego file: the path shown to users, its text, and the Rego version it is written in."""

    path: str
    text: str
    rego_version: str = "v1"


@dataclass(frozen=True)
class PolicySet:
    """The modules a gate evaluates; the digest pins exactly which text decided."""

    modules: tuple[PolicyModule, ...]

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for module in sorted(self.modules, key=lambda m: m.path):
            h.update(module.path.encode() + b"\0" + module.text.encode() + b"\0")
            if module.rego_version != "v1":  # v0 changes what the text means; v1 digests stay as they were
                h.update(module.rego_version.encode() + b"\0")
        return "sha256:" + h.hexdigest()


@dataclass(frozen=True)
class EngineOptions:
    """What the config lets policies do: built-ins allowed knowingly, packages opted in, the deadline."""

    allow_builtins: frozenset[str] = frozenset()
    packages: tuple[str, ...] = ()
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class LoadReport:
    """What loading found: the built-ins called, the packages the gate reads, and warnings."""

    builtins: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleOutcome:
    """The raw `deny` and `warn` elements one package produced."""

    package: str
    deny: tuple[Any, ...]
    warn: tuple[Any, ...]


@dataclass(frozen=True)
class Evaluation:
    """One input's answer within `evaluate_many`: its outcomes, or the error that stopped it."""

    outcomes: tuple[RuleOutcome, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class LineCoverage:
    """Per file, the lines an evaluation ran and the coverable lines it did not (1-based rows)."""

    covered: Mapping[str, frozenset[int]]
    not_covered: Mapping[str, frozenset[int]]


class Engine(ABC):
    """A Rego evaluator. Errors it cannot recover from raise PolicyError or EngineError."""

    name: ClassVar[str]
    pins_time: ClassVar[bool] = True
    options: EngineOptions = EngineOptions()
    _rules: tuple[ResultRule, ...] | None = None

    def begin_load(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        """Start loading ahead of load() with the same arguments; an engine in a worker overlaps it with gathering."""
        return None

    def load(self, policies: PolicySet, data: Mapping[str, Any]) -> LoadReport:
        """Check the policies (built-ins, result shapes) and compile them with the data, once.

        A refused built-in, a `deny` that is not a set, or a policy that does not
        compile raises PolicyError naming `file:line`.
        """
        from relgate.engines.capabilities import builtin_uses, check_builtins
        from relgate.engines.results import gate_packages

        facts = self.inspect(policies)
        uses = builtin_uses(facts)
        check_builtins(uses, self.name, pins_time=self.pins_time, allowed=self.options.allow_builtins)
        found = gate_packages(facts, self.options.packages)
        self.compile(policies, data)
        self._rules = found.rules
        warnings = tuple(
            f"package {name} defines deny/warn but is not evaluated: only relgate.* packages take part "
            f"(or list it under `packages:` in the config)" for name in found.ignored
        )
        return LoadReport(tuple(u.name for u in uses), found.names, warnings)

    def inspect(self, policies: PolicySet) -> tuple[ModuleFacts, ...]:
        """Each module's package, rule heads and calls, from a real parse (regorus's, v0 or v1)."""
        from relgate.engines.rego_ast import module_facts

        return module_facts(policies)

    @abstractmethod
    def compile(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        """The engine's own compile; PolicyError names `file:line` on failure."""

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

    def close(self) -> None:  # noqa: B027 - most engines hold nothing to release
        """Release what the engine holds (a worker process, a native engine); it cannot be used after."""

    def provenance(self) -> str | None:
        """What decided, when it was not the policy files relgate loaded (e.g. an OPA's bundles)."""
        return None

    def evaluate(self, input_doc: Mapping[str, Any]) -> tuple[RuleOutcome, ...]:
        """Every gate package's deny and warn sets, with `time.now_ns()` at the context's evaluation time."""
        from relgate.engines.results import outcome_query, read_outcomes

        if self._rules is None:
            from relgate.errors import EngineError

            raise EngineError(f"engine {self.name}: evaluate before load")
        if not self._rules:
            return ()
        at = input_doc.get("evaluated_at_ns")
        now_ns = at if isinstance(at, int) and not isinstance(at, bool) else None
        return read_outcomes(self.query(outcome_query(self._rules), input_doc, now_ns), self._rules)

    def evaluate_many(self, input_docs: Sequence[Mapping[str, Any]]) -> tuple[Evaluation, ...]:
        """`evaluate` for each input in turn; one input's error is its own answer, not the batch's.

        An engine in a worker answers a whole batch for one round trip (a replay's inputs).
        """
        answers: list[Evaluation] = []
        for input_doc in input_docs:
            try:
                answers.append(Evaluation(self.evaluate(input_doc)))
            except RelgateError as exc:
                answers.append(Evaluation(error=str(exc)))
        return tuple(answers)
