"""Every output format is a view of one Decision; none re-evaluates anything."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from relgate.decision import Decision


class Format(ABC):
    name: ClassVar[str]

    @abstractmethod
    def render(self, decision: Decision, *, colour: bool = False) -> str:
        """The whole document for this format, ending with a newline."""
