"""Each escaper, fed hostile strings, keeps its medium's invariant (property-based)."""

from __future__ import annotations

import csv
import html as htmllib
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.output.escape import (
    csv_cell,
    html,
    json_text,
    markdown,
    markdown_code,
    plain,
    terminal,
    visible,
    workflow_data,
    workflow_property,
)
from tests.output.hostile import HOSTILE, UNSAFE, command_of, runner_lines, starts_a_command

ZWSP = "\u200b"


def gfm(text: str) -> str:
    """GitHub's own Markdown renderer (cmark-gfm with its extensions), unsafe HTML allowed so any leaks show."""
    return cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_comment(self, data: str) -> None:
        self.tags.append("!--")

    def handle_data(self, data: str) -> None:
        self.text += data


def parsed(markup: str) -> Tags:
    parser = Tags()
    parser.feed(markup)
    parser.close()
    return parser


@given(HOSTILE)
@settings(max_examples=400)
def test_terminal_text_is_one_inert_line(text: str) -> None:
    out = terminal(text)
    assert not UNSAFE.search(out) and "\n" not in out and "\t" not in out
    assert not starts_a_command("  " + out)
    out.encode("utf-8")  # no lone surrogate left to crash a writer


@given(HOSTILE)
@settings(max_examples=400)
def test_workflow_command_stays_one_command_and_keeps_the_message(text: str) -> None:
    line = f"::error title={workflow_property(text)}::{workflow_data(text)}"
    assert runner_lines(line) == [line] and "\x85" not in line and "\u2028" not in line
    assert "##[" not in line
    command = command_of(line)
    assert command is not None
    name, props, data = command
    assert name == "error" and set(props) == {"title"}
    unescaped = data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    expected = "".join(ch if ch in "\r\n" else visible(ch) for ch in text)
    assert unescaped.replace(ZWSP, "") == expected.replace(ZWSP, "")


@given(HOSTILE)
@settings(max_examples=300)
def test_workflow_property_cannot_end_the_property_list(text: str) -> None:
    escaped = workflow_property(text)
    assert not set(escaped) & {",", ":", "\r", "\n"} and "##[" not in escaped


@given(HOSTILE)
@settings(max_examples=400)
def test_markdown_renders_as_the_literal_text_with_no_html_or_links(text: str) -> None:
    rendered = gfm(f"before {markdown(text)} after")
    page = parsed(rendered)
    assert page.tags == ["p"], rendered
    expected = "before " + visible(text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").strip()) + " after"
    assert page.text.replace(ZWSP, "").strip() == expected.replace(ZWSP, "").strip()


@given(st.lists(HOSTILE, min_size=1, max_size=4))
@settings(max_examples=200)
def test_markdown_table_cells_stay_in_their_column(cells: list[str]) -> None:
    header = "| " + " | ".join(f"h{i}" for i in range(len(cells))) + " |"
    rule = "| " + " | ".join("---" for _ in cells) + " |"
    row = "| " + " | ".join(markdown(c) for c in cells) + " |"
    page = parsed(gfm("\n".join([header, rule, row])))
    assert page.tags.count("td") == len(cells) and "a" not in page.tags and "img" not in page.tags


@given(HOSTILE)
@settings(max_examples=300)
def test_markdown_code_span_shows_the_text_verbatim(text: str) -> None:
    page = parsed(gfm(f"id {markdown_code(text)}."))
    assert page.tags == ["p", "code"]


@given(HOSTILE)
@settings(max_examples=300)
def test_html_text_and_attributes_cannot_open_markup(text: str) -> None:
    page = parsed(f'<p title="{html(text)}">{html(text)}</p>')
    assert page.tags == ["p"] and page.text == visible(text)
    assert htmllib.unescape(html(text)) == visible(text)


@given(HOSTILE)
@settings(max_examples=300)
def test_csv_cells_are_never_formulas_and_round_trip(text: str) -> None:
    cell = csv_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell, "next"])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [cell, "next"]
    assert "\n" not in cell and "\r" not in cell


NO_SURROGATES = HOSTILE.filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))


# Lone surrogates are left out here only because JSON itself cannot tell "\ud800\udc00" from U+10000.
@given(st.recursive(st.none() | st.booleans() | st.integers() | NO_SURROGATES,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NO_SURROGATES, inner, max_size=3),
                    max_leaves=10))
@settings(max_examples=300)
def test_json_decodes_to_the_same_document_and_is_inert(document: object) -> None:
    for indent in (2, None):
        text = json_text(document, indent=indent)
        assert json.loads(text) == document
        assert text.isascii() and "##[" not in text
        assert not any(starts_a_command(line) for line in text.splitlines())


@given(HOSTILE)
@settings(max_examples=200)
def test_plain_keeps_line_breaks_and_shows_everything_else(text: str) -> None:
    out = plain(text)
    assert not UNSAFE.search(out.replace("\t", ""))


def test_xml_attribute_and_text_survive_a_round_trip() -> None:
    from relgate.output.escape import xml

    for text in ["::error::x", "a\x00b\x1bc", "\ud800", "##[add-mask]x", "x\ny"]:
        element = ET.Element("case", name=xml(text))
        element.text = xml(text)
        back = ET.fromstring(ET.tostring(element, encoding="unicode"))
        assert back.get("name") == xml(text) and back.text == xml(text)
        assert not xml(text).startswith("::") and "##[" not in xml(text)
