"""The second embedded engine: Microsoft rego-cpp through `regopy` (optional extra).

It is kept for the differential check: the library's tests run on both engines.
Strict built-in errors are always on, or a failing built-in would silently
leave a deny rule undefined.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from typing import Any

from relgate.engines.interface import Engine, PolicySet
from relgate.errors import EngineError, PolicyError

_ERROR = re.compile(r"\(error \d+:(?P<file>[^|]*)\|(?P<offset>\d+)\|\d+\s*\(errormsg \d+:(?P<msg>[^)]*)\)")


@contextlib.contextmanager
def _captured_stdout() -> Iterator[list[str]]:
    """rego-cpp prints diagnostics to file descriptor 1; keep them off our stdout."""
    lines: list[str] = []
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(1)
        os.dup2(sink.fileno(), 1)
        try:
            yield lines
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            sink.seek(0)
            lines.extend(sink.read().decode("utf-8", "replace").splitlines())


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text.encode("utf-8")[:offset].decode("utf-8", "replace")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


class RegoCppEngine(Engine):
    name = "rego-cpp"

    def __init__(self) -> None:
        try:
            import regopy
        except ImportError:
            raise EngineError(
                "engine rego-cpp needs the optional extra: pip install 'relgate[rego-cpp]'"
            ) from None
        self._regopy = regopy
        self._interpreter: Any = None

    def load(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        sources = {m.path: m.text for m in policies.modules}
        interpreter = self._regopy.Interpreter()
        interpreter.strict_built_in_errors = True
        with _captured_stdout():
            try:
                for module in policies.modules:
                    interpreter.add_module(module.path, module.text)
                interpreter.add_data_json(json.dumps(data))
            except self._regopy.RegoError as exc:
                match = _ERROR.search(str(exc))
                if not match:
                    raise PolicyError(f"rego-cpp: {exc}") from None
                path = match["file"]
                line, col = _line_col(sources.get(path, ""), int(match["offset"]))
                raise PolicyError(f"{path}:{line}:{col}: {match['msg'].strip()}") from None
        self._interpreter = interpreter

    def query(self, query: str, input_doc: Mapping[str, Any] | None) -> Any:
        with _captured_stdout() as printed:
            try:
                interpreter = self._interpreter
                interpreter.set_input_term(json.dumps(input_doc if input_doc is not None else {}))
                output = interpreter.query(query)
                ok = output.ok()
            except (self._regopy.RegoError, ValueError):
                ok = False
        if not ok:
            detail = " ".join(line.strip() for line in printed if line.strip())[:300]
            raise EngineError(f"rego-cpp could not evaluate {query}" + (f": {detail}" if detail else ""))
        if not output.results or not output.results[0].expressions:
            return None
        return output.results[0].expressions[0]
