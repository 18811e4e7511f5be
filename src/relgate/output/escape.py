"""Make untrusted text inert for each medium it lands in: one function per medium.

Every string that reaches an output may come from evidence (a SARIF ruleId, a
PR title, a package name), so each is passed through the function for its
medium. All of them first make invisible and line-breaking characters visible:
C0 and C1 controls (ANSI escapes start with ESC), DEL, NEL, the Unicode line and
paragraph separators, bidirectional overrides and isolates, the byte-order mark
and lone surrogates. Then each adds what its medium needs.

A GitHub Actions runner reads both stdout and stderr for workflow commands: a
line that starts with `::` (after leading whitespace) and, anywhere in a line,
the legacy `##[command]` form. No function here lets data start a line, and all
of them break `##[`.
"""

from __future__ import annotations

import json as _json
import re
from typing import Any

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]"
)
_NAMED = {"\n": "\\n"}
_ZWSP = "\u200b"
_LEGACY_COMMAND = "##["
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def _show(char: str) -> str:
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str) -> str:
    """Controls, separators, bidi overrides and surrogates as visible escapes (`\\x1b`, `\\u202e`)."""
    return _UNSAFE.sub(lambda m: _show(m.group()), text)


def plain(text: str) -> str:
    """Multi-line plain text for a UI (SARIF messages): line breaks and tabs kept, all else visible."""
    return "\n".join(visible(line).replace("\\x09", "\t") for line in text.replace("\r\n", "\n").split("\n"))


def _no_legacy_command(text: str) -> str:
    return text.replace(_LEGACY_COMMAND, "##" + _ZWSP + "[")


def _no_command_start(text: str) -> str:
    return re.sub(r"^(\s*):(?=:)", r"\1:" + _ZWSP, text)


def terminal(text: str) -> str:
    """One line for a terminal or a CI log: nothing that moves the cursor, colours, or runs a command."""
    return _no_command_start(_no_legacy_command(visible(text)))


def workflow_data(text: str) -> str:
    """A workflow command's message: %-escapes as the runner unescapes them, no `::`, no `##[`."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    escaped = re.sub(":(?=:)", ":" + _ZWSP, visible(escaped))
    return _no_legacy_command(escaped)


def workflow_property(text: str) -> str:
    """A workflow command property (file, title): also `:` and `,`, which end a property."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    escaped = escaped.replace(":", "%3A").replace(",", "%2C")
    return _no_legacy_command(visible(escaped))


def markdown(text: str) -> str:
    """Inline GitHub Markdown that renders as the literal text: no structure, HTML, links or mentions.

    Line breaks fold to spaces and outer whitespace is dropped (leading spaces would
    indent a list item into a code block); every ASCII punctuation character is backslash-escaped
    (so no emphasis, code, table cell, tag, entity or autolink can start); `@` and `#`
    get a zero-width space so no mention, e-mail link or issue reference forms.
    """
    folded = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").strip()
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", visible(folded))
    return escaped.replace("@", "@" + _ZWSP).replace("#", "#" + _ZWSP)


def markdown_code(text: str) -> str:
    """An inline code span holding the literal text (ids, digests), whatever backticks it contains."""
    shown = visible(text.replace("\r\n", " ").replace("\r", " ").replace("\n", " "))
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def html(text: str) -> str:
    """Text for an HTML element or attribute: markup and quotes escaped, invisible characters shown."""
    import html as _html  # only HTML output needs it (html.entities is large)

    return _html.escape(visible(text), quote=True)


def xml(text: str) -> str:
    """Text for an XML attribute or element (the serializer escapes markup): only characters XML 1.0
    allows, one line, nothing a runner reads as a command when the document is printed."""
    return _no_command_start(_no_legacy_command(visible(text)))


def csv_cell(text: str) -> str:
    """A spreadsheet cell that is never a formula (OWASP CSV injection) and stays on one row."""
    shown = visible(text)
    return "'" + shown if shown.startswith(_CSV_FORMULA) else shown


def json_text(document: Any, *, indent: int | None = 2) -> str:
    """JSON that decodes to exactly `document` and is inert on a terminal or a runner's log.

    ASCII only (every control, separator and bidi character is a `\\u` escape), and
    `##[` inside strings becomes `##\\u005b`, which decodes to the same text.
    """
    text = _json.dumps(document, indent=indent, ensure_ascii=True)
    return text.replace(_LEGACY_COMMAND, "##\\u005b")
