"""The full decision as JSON: the machine-readable contract, every value exactly as decided (ASCII-escaped)."""

from __future__ import annotations

from relgate.decision import Decision
from relgate.output.escape import json_text
from relgate.output.interface import Format


class JsonFormat(Format):
    name = "json"

    def render(self, decision: Decision, *, colour: bool = False) -> str:
        return json_text(decision.to_json()) + "\n"
