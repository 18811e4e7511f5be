"""Hostile strings for escaping tests, and a small model of how a GitHub Actions runner reads a log line."""

from __future__ import annotations

import re

from hypothesis import strategies as st

# What an attacker puts in a ruleId, a package name or a PR title to reach a terminal, a runner or a renderer.
FRAGMENTS = [
    "::", "::error::X", "::set-output name=x::y", "##[", "##[error]x", "##[add-mask]v", "%", "%0A", "%25", "\n",
    "\r", "\r\n", "\x1b[31m", "\x1b]8;;https://evil.example\x07", "\x00", "\x07", "\x7f", "\x85", "\x9b",
    "\u2028", "\u2029", "\u202e", "\u2066", "\u200f", "\ufeff", "\t", " ", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "[x](https://evil.example)", "https://evil.example/a_b", "www.evil.example",
    "a@evil.example", "@octocat", "#1", "&lt;b&gt;", "&#8238;", "`", "```", "*", "_", "|", "\\", "'", '"',
    "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", ",", ":", "]", "-->", "<!--", "]]>", "\ud800", "\udfff",
]
HOSTILE = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.characters(max_codepoint=0x20FF),
              st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
    max_size=12,
).map("".join)

# The runner splits the log on CR and LF; .NET's TrimStart also drops these before looking for `::`.
RUNNER_WHITESPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
                    "\u2028\u2029\u202f\u205f\u3000"
_COMMAND = re.compile(r"^::([^ :]+)( [^:]*)?::(.*)$")


def runner_lines(text: str) -> list[str]:
    return [line for line in re.split(r"\r\n|\r|\n", text) if line]


def command_of(line: str) -> tuple[str, dict[str, str], str] | None:
    """What the runner would execute for this line (v2 `::cmd props::data`), or None."""
    trimmed = line.lstrip(RUNNER_WHITESPACE)
    if not trimmed.startswith("::"):
        return None
    end = trimmed.find("::", 2)
    if end < 0:
        return None
    info, data = trimmed[2:end], trimmed[end + 2:]
    name, _, props_text = info.partition(" ")
    props = {}
    for pair in props_text.strip().split(","):
        key, sep, value = pair.partition("=")
        if sep:
            props[key] = value
    return name, props, data


def starts_a_command(line: str) -> bool:
    """True when the runner would treat the line as a command: `::` first, or `##[` anywhere (legacy form)."""
    return line.lstrip(RUNNER_WHITESPACE).startswith("::") or "##[" in line


UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
