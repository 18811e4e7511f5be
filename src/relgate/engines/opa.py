"""The real OPA (v1.20.2), embedded: the Go library from the PyPI wheel `opa-golib-python-bindings`.

It is the reference engine: its answers are OPA's answers. The wheel is a
single maintainer's alpha that wraps upstream OPA; it is pinned and installed
with `--no-deps --ignore-requires-python` (its metadata asks for Python 3.14,
the `py3-none` wheel runs on 3.10+).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from relgate.engines.interface import Engine, LineCoverage, PolicyModule, PolicySet
from relgate.engines.opa_ast import facts_from_opa_ast
from relgate.engines.rego_ast import ModuleFacts, module_facts
from relgate.engines.v0 import as_v1
from relgate.errors import EngineError, PolicyError

INSTALL = "python -m pip install --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4"
OPA_VERSION = "v1.20.2"
CLOCK = "relgate.clock_ns"
_RESULT = "relgate_result__"
_PREFIX = re.compile(r"^(?:bundle activation failed: )?(?:\d+ errors? occurred:\s*)?")


def describe_error(message: str) -> str:
    """OPA's `N errors occurred: file:row: rego_..._error: text` as one `file:row: text` line."""
    lines = [line for line in _PREFIX.sub("", message.strip()).splitlines() if line.strip()]
    first = lines[0].strip() if lines else "error"
    more = sum(1 for line in lines[1:] if re.match(r"^\S.*:\d+: ", line))
    return first + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")


class OpaEngine(Engine):
    name = "opa"

    def __init__(self) -> None:
        try:
            from opa_bindings import OpaEngine as Bindings
            from opa_bindings import OpaError
        except ImportError:
            raise EngineError(f"engine opa needs the OPA bindings: {INSTALL}") from None
        self._bindings = Bindings
        self._error = OpaError
        self._engine: Any = None
        self._now: int | None = None
        self.prints: list[str] = []

    def inspect(self, policies: PolicySet) -> tuple[ModuleFacts, ...]:
        """regorus's parse where it can; OPA's own for syntax only OPA reads (template strings)."""
        return module_facts(policies, fallback=self._opa_facts)

    def _opa_facts(self, module: PolicyModule) -> ModuleFacts:
        engine = self._bindings()
        try:
            rows = engine.eval_query("ast := rego.parse_module(input.path, input.text)",
                                     {"path": module.path, "text": module.text})
        except self._error as exc:  # OPA's own parse error, without the call that carried it
            raise PolicyError(describe_error(exc.message.rsplit("rego.parse_module: ", 1)[-1])) from None
        finally:
            engine.close()
        return facts_from_opa_ast(module.path, rows[0]["ast"])

    def compile(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        policies = as_v1(policies)
        engine = self._bindings()
        engine.print_handler = lambda message, location: self.prints.append(f"{location}: {message}")
        engine.register_function(CLOCK, self._clock, arity=0)
        try:
            for module in policies.modules:
                engine.add_policy(module.path, module.text)
            engine.add_data(dict(data))
            # Compilation happens when a query is first prepared: do it now, so a
            # policy that does not compile fails at load, naming file and line.
            engine.eval_query("true")
        except self._error as exc:
            raise PolicyError(describe_error(exc.message)) from None
        self._engine = engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def _clock(self) -> int:
        if self._now is None:
            raise EngineError("time.now_ns() is not pinned")
        return self._now

    def query(self, query: str, input_doc: Mapping[str, Any] | None, now_ns: int | None = None) -> Any:
        return self._eval(query, input_doc, now_ns, coverage=False)

    def query_with_prints(self, query: str, input_doc: Mapping[str, Any] | None) -> tuple[Any, tuple[str, ...]]:
        start = len(self.prints)
        value = self._eval(query, input_doc, None, coverage=False)
        return value, tuple(self.prints[start:])

    def query_with_coverage(self, query: str, input_doc: Mapping[str, Any] | None) -> tuple[Any, LineCoverage]:
        value = self._eval(query, input_doc, None, coverage=True)
        files = (self._engine.last_coverage or {}).get("files") or {}
        return value, LineCoverage(
            {path: _rows(report.get("covered")) for path, report in files.items()},
            {path: _rows(report.get("not_covered")) for path, report in files.items()},
        )

    def _eval(self, query: str, input_doc: Mapping[str, Any] | None, now_ns: int | None, *, coverage: bool) -> Any:
        if self._engine is None:
            raise EngineError("engine opa: query before load")
        text = f"{_RESULT} := ({query})"
        if now_ns is not None:
            text += f" with time.now_ns as {CLOCK}"
        self._now = now_ns
        try:
            rows = self._engine.eval_query(text, dict(input_doc) if input_doc is not None else None,
                                           coverage=coverage)
        except self._error as exc:
            raise EngineError(f"opa: {describe_error(exc.message)}") from None
        finally:
            self._now = None
        return rows[0].get(_RESULT) if rows else None


def _rows(ranges: Any) -> frozenset[int]:
    """OPA's coverage ranges ({start: {row}, end: {row}}) as the rows they span."""
    return frozenset(row for r in ranges or [] for row in range(r["start"]["row"], r["end"]["row"] + 1))
