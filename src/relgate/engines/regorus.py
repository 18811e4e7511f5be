"""The default embedded engine: Rust regorus through the gordon-to-regorus wheel."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import regorus

from relgate.engines.interface import Engine, PolicySet
from relgate.errors import EngineError, PolicyError

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


class RegorusEngine(Engine):
    name = "regorus"

    def __init__(self) -> None:
        self._engine = regorus.Engine()

    def load(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        engine = regorus.Engine()
        for module in policies.modules:
            try:
                engine.add_policy(module.path, module.text)
            except RuntimeError as exc:
                raise PolicyError(describe_error(str(exc))) from None
        engine.add_data_json(json.dumps(data))
        self._engine = engine

    def query(self, query: str, input_doc: Mapping[str, Any] | None) -> Any:
        engine = self._engine.clone()
        engine.set_input_json(json.dumps(input_doc if input_doc is not None else {}))
        try:
            raw = engine.eval_query_as_json(query)
        except RuntimeError as exc:
            raise EngineError(f"regorus: {describe_error(str(exc))}") from None
        results = json.loads(raw).get("result", [])
        if not results:
            return None
        return results[0]["expressions"][0]["value"]
