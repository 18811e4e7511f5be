"""Output formats, one module each, looked up by name (`--output FORMAT=PATH`).

A format's module is imported when it is first used, so a plain `relgate check`
(text only) loads neither the SARIF nor the JUnit writer.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from relgate.decision import Decision
from relgate.output.interface import Format
from relgate.redact import scrub_value

_MODULES = {
    "text": "relgate.output.text:TextFormat",
    "json": "relgate.output.json:JsonFormat",
    "markdown": "relgate.output.markdown:MarkdownFormat",
    "junit": "relgate.output.junit:JunitFormat",
    "sarif": "relgate.output.sarif:SarifFormat",
    "github": "relgate.output.github:GithubFormat",
}


class _Formats(Mapping[str, type[Format]]):
    """Format name to class, importing a format's module on first lookup."""

    def __getitem__(self, name: str) -> type[Format]:
        module, _, cls = _MODULES[name].partition(":")
        found: type[Format] = getattr(importlib.import_module(module), cls)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)

    def __contains__(self, name: object) -> bool:
        return name in _MODULES


FORMATS: Mapping[str, type[Format]] = _Formats()


def render(name: str, decision: Decision, *, colour: bool = False) -> str:
    """Render one format from the decision with every secret masked: the one door to every output."""
    return FORMATS[name]().render(scrub_value(decision), colour=colour)
