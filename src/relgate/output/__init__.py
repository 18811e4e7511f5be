"""Output formats, one module each, looked up by name (`--output FORMAT=PATH`)."""

from __future__ import annotations

from relgate.decision import Decision
from relgate.output.github import GithubFormat
from relgate.output.interface import Format
from relgate.output.json import JsonFormat
from relgate.output.junit import JunitFormat
from relgate.output.markdown import MarkdownFormat
from relgate.output.sarif import SarifFormat
from relgate.output.text import TextFormat
from relgate.redact import scrub_value

FORMATS: dict[str, type[Format]] = {
    cls.name: cls for cls in (TextFormat, JsonFormat, MarkdownFormat, JunitFormat, SarifFormat, GithubFormat)
}


def render(name: str, decision: Decision, *, colour: bool = False) -> str:
    """Render one format from the decision with every secret masked: the one door to every output."""
    return FORMATS[name]().render(scrub_value(decision), colour=colour)
