"""The default embedded engine: Rust regorus through the gordon-to-regorus wheel."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import regorus

from relgate.engines.interface import Engine, LineCoverage, PolicySet
from relgate.errors import EngineError, PolicyError

# Real policies embed long JSON, certificates and base64 on one line; OPA has no line limit.
MAX_COLUMNS = 1_000_000
MAX_POLICY_BYTES = 16 * 1024 * 1024
MAX_LINES = 1_000_000
_LOCATION = re.compile(r"-->\s*(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)")
_MESSAGE = re.compile(r"^error:\s*(?P<msg>.+)$", re.MULTILINE)


def describe_error(raw: str) -> str:
    """Turn regorus's multi-line diagnostic into `file:line:col: message`."""
    text = raw.split("Stack backtrace:", 1)[0]
    location = _LOCATION.search(text)
    message = _MESSAGE.search(text)
    msg = message.group("msg").strip() if message else text.strip().splitlines()[-1:] or ["error"]
    if isinstance(msg, list):
        msg = msg[0] if msg else "unknown error"
    if location:
        return f"{location['file']}:{location['line']}:{location['col']}: {msg}"
    return str(msg)


def new_engine() -> Any:
    """A regorus engine with line limits fit for real policies (its default is 1,024 columns)."""
    engine = regorus.Engine()
    engine.set_policy_length_config(max_col=MAX_COLUMNS, max_file_bytes=MAX_POLICY_BYTES, max_lines=MAX_LINES)
    return engine


def is_panic(exc: BaseException) -> bool:
    """A Rust panic reaches Python as pyo3's PanicException, a BaseException."""
    return type(exc).__name__ == "PanicException"


class RegorusEngine(Engine):
    name = "regorus"

    def __init__(self) -> None:
        self._engine = new_engine()

    def compile(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
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
                raise PolicyError(f"{module.path}: regorus panicked parsing it: {str(exc)[:200]}") from None
        engine.add_data_json(json.dumps(data))
        _prepare(engine)
        self._engine = engine

    def query(self, query: str, input_doc: Mapping[str, Any] | None, now_ns: int | None = None) -> Any:
        return _value(self._run(self._engine.clone(), query, input_doc, now_ns))

    def query_with_prints(self, query: str, input_doc: Mapping[str, Any] | None) -> tuple[Any, tuple[str, ...]]:
        engine = self._engine.clone()
        engine.set_gather_prints(True)
        raw = self._run(engine, query, input_doc, None)
        return _value(raw), tuple(engine.take_prints())

    def query_with_coverage(self, query: str, input_doc: Mapping[str, Any] | None) -> tuple[Any, LineCoverage]:
        engine = self._engine.clone()
        engine.set_enable_coverage(True)
        engine.set_gather_prints(True)  # kept off the terminal; query_with_prints reports them
        raw = self._run(engine, query, input_doc, None)
        files = json.loads(engine.get_coverage_report_as_json()).get("files", [])
        return _value(raw), LineCoverage(
            {f["path"]: frozenset(f.get("covered", [])) for f in files},
            {f["path"]: frozenset(f.get("not_covered", [])) for f in files},
        )

    def _run(self, engine: Any, query: str, input_doc: Mapping[str, Any] | None, now_ns: int | None) -> str:
        if input_doc is not None:
            engine.set_input_json(json.dumps(input_doc))
        if now_ns is not None:
            query = f"{query} with time.now_ns as {int(now_ns)}"
        try:
            return str(engine.eval_query_as_json(query))
        except RuntimeError as exc:
            raise EngineError(f"regorus: {describe_error(str(exc))}") from None
        except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException (a BaseException)
            if not is_panic(exc):
                raise
            raise EngineError(f"regorus panicked evaluating {query}: {str(exc)[:200]}") from None


def _prepare(engine: Any) -> None:
    """Evaluate a trivial query once, so the compiled engine is prepared before it is cloned per evaluation.

    regorus prepares its modules on an engine's first evaluation; every clone of an
    unprepared engine prepares them again (a third of each evaluation's time, measured
    on the bundled library). A failure here is left for the real evaluation to report.
    """
    try:
        engine.eval_query_as_json("1")
    except RuntimeError:
        pass
    except BaseException as exc:
        if not is_panic(exc):
            raise


def _value(raw: str) -> Any:
    results = json.loads(raw).get("result", [])
    if not results:
        return None
    return results[0]["expressions"][0]["value"]
