"""The full decision as JSON: the machine-readable contract."""

from __future__ import annotations

import json

from relgate.decision import Decision
from relgate.output.interface import Format


class JsonFormat(Format):
    name = "json"

    def render(self, decision: Decision, *, colour: bool = False) -> str:
        return json.dumps(decision.to_json(), indent=2, sort_keys=False) + "\n"
