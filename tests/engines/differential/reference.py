"""Real OPA (opa-golib-python-bindings) behind relgate's Engine interface, for the differential runner."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError

from relgate.engines.interface import Engine, PolicySet
from relgate.errors import EngineError, PolicyError


class OpaReference(Engine):
    name = "opa"

    def __init__(self) -> None:
        self._opa = OpaEngine()

    def load(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        opa = OpaEngine()
        try:
            for module in policies.modules:
                opa.add_policy(module.path, module.text)
            opa.add_data(json.loads(json.dumps(dict(data))))
            opa.eval_query("true")
        except OpaError as exc:
            raise PolicyError(f"opa: {exc.message}") from None
        self._opa = opa

    def query(self, query: str, input_doc: Mapping[str, Any] | None) -> Any:
        path = query.removeprefix("data.")
        try:
            return self._opa.eval_document(path, dict(input_doc) if input_doc is not None else None)
        except OpaUndefinedError:
            return None
        except OpaError as exc:
            raise EngineError(f"opa: {exc.message}") from None
