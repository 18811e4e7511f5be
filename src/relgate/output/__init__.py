"""Output formats, one module each, looked up by name (`--output FORMAT=PATH`)."""

from __future__ import annotations

from relgate.output.github import GithubFormat
from relgate.output.interface import Format
from relgate.output.json import JsonFormat
from relgate.output.junit import JunitFormat
from relgate.output.markdown import MarkdownFormat
from relgate.output.sarif import SarifFormat
from relgate.output.text import TextFormat

FORMATS: dict[str, type[Format]] = {
    cls.name: cls for cls in (TextFormat, JsonFormat, MarkdownFormat, JunitFormat, SarifFormat, GithubFormat)
}
