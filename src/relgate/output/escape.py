"""Make untrusted text (finding messages, PR titles, commit messages) inert for each medium."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def terminal(text: str) -> str:
    """Show control characters (ANSI escapes, carriage returns) as visible escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).replace("\n", "\\n")


def markdown(text: str) -> str:
    """Escape Markdown and HTML syntax and fold newlines, so text cannot add structure or links."""
    folded = terminal(text.replace("\r\n", "\n")).replace("\\n", " ")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", folded)
