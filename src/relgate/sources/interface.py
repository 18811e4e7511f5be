"""The one interface every evidence source implements.

A source knows nothing of policies: it turns one kind of evidence into a
fragment of the context document, or raises SourceError saying why not.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

Evidence = dict[str, Any]


@dataclass(frozen=True)
class SourceSpec:
    """One entry of `sources:` in relgate.yaml, with paths resolved against the config file."""

    type: str
    name: str
    required: bool = True
    timeout_s: float = 30.0
    options: Mapping[str, Any] = field(default_factory=dict)
    base_dir: Path = Path(".")

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass(frozen=True)
class GatherRequest:
    """What a source may know about the run it gathers for."""

    evaluated_at_ns: int
    service: str
    environment: str
    env: Mapping[str, str] = field(default_factory=dict)


class Source(ABC):
    """Collects one kind of evidence into a context fragment."""

    type_name: ClassVar[str]

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec

    @abstractmethod
    def collect(self, request: GatherRequest) -> Evidence:
        """Return the context keys this source fills; raise SourceError on failure."""
