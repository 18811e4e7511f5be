"""The one YAML loader: duplicate keys, alias bombs, recursion and depth are refused with a line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relgate.errors import SourceError
from relgate.sources.file import read_document
from relgate.yamltext import (
    CONFIG_LIMITS,
    PURE_PYTHON_LOADER,
    STRICT_LOADER,
    YamlLimits,
    YamlStrictError,
    load_yaml,
)

# About 340 bytes that name 9**9 (387 million) strings once every alias is copied out.
ALIAS_BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
).join(["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n", ""])


def refusal(text: str, limits: YamlLimits = CONFIG_LIMITS) -> YamlStrictError:
    with pytest.raises(YamlStrictError) as caught:
        load_yaml(text, limits)
    return caught.value


def test_a_key_given_twice_names_both_lines() -> None:
    error = refusal("version: 1\nmode: enforce\nservice: checkout\nmode: warn\n")
    assert error.problem == "duplicate key 'mode' (first given on line 2)"
    assert error.problem_mark is not None and error.problem_mark.line + 1 == 4


def test_duplicate_keys_are_found_in_nested_and_flow_mappings() -> None:
    assert "duplicate key 'critical'" in str(refusal("data:\n  vulnerabilities: {max: {critical: 0, critical: 9}}\n"))
    assert "duplicate key 'a'" in str(refusal("- {a: 1}\n- a: 1\n  b: 2\n  a: 3\n"))


def test_keys_equal_as_values_are_duplicates() -> None:
    # Both are the integer 8; the second would silently win.
    assert "duplicate key 8" in str(refusal("0x8: a\n8: b\n"))
    assert "leading zero" in str(refusal("010: a\n8: b\n"))  # 8 to YAML 1.1, 10 to YAML 1.2: refused first


def test_merge_keys_keep_yaml_override_rules() -> None:
    document = load_yaml("base: &b {x: 1, y: 2}\nuse: {<<: *b, x: 3}\n", CONFIG_LIMITS)
    assert document["use"] == {"x": 3, "y": 2}


def test_the_alias_bomb_fails_at_once() -> None:
    assert len(ALIAS_BOMB.encode()) < 500
    started = time.perf_counter()
    error = refusal(ALIAS_BOMB)
    assert "expands to more than 100000 values" in str(error)
    assert time.perf_counter() - started < 2.0


def test_a_few_aliases_are_fine() -> None:
    document = load_yaml("a: &x [1, 2]\nb: *x\nc: *x\n", CONFIG_LIMITS)
    assert document == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}


def test_too_many_aliases_are_refused() -> None:
    text = "a: &x 1\nb: [" + ", ".join(["*x"] * 101) + "]\n"
    assert "more than 100 aliases" in str(refusal(text))


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    assert "refers to the node that contains it" in str(refusal("a: &loop [1, *loop]\n"))


def test_deep_nesting_is_refused_before_python_recursion_fails() -> None:
    assert "nested deeper than 64 levels" in str(refusal("[" * 5000 + "]" * 5000))
    assert load_yaml("[" * 60 + "]" * 60, CONFIG_LIMITS) is not None


def test_timestamps_stay_text() -> None:
    assert load_yaml("start: 2026-12-24T00:00:00Z\n") == {"start": "2026-12-24T00:00:00Z"}


def test_errors_are_yaml_errors_for_every_caller() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("a: 1\na: 2\n")


def test_a_facts_file_with_a_duplicate_key_names_file_and_line(tmp_path: Path) -> None:
    facts = tmp_path / "change.yaml"
    facts.write_text("approvals: []\nowner: lee\napprovals:\n  - {user: lee, state: APPROVED}\n")
    with pytest.raises(SourceError, match=r"change\.yaml:3:1: not valid YAML: duplicate key 'approvals'"):
        read_document(facts)


def test_the_pure_python_parser_refuses_the_same_documents() -> None:
    """Without libyaml the loader falls back to PyYAML's own parser, with the same rules."""
    assert not any(base.__name__ == "CParser" for base in PURE_PYTHON_LOADER.__mro__)
    for text, problem in [("a: 1\na: 2\n", "duplicate key 'a'"), (ALIAS_BOMB, "expands to more than"),
                          ("[" * 100 + "]" * 100, "nested deeper than 64 levels"), ("a: &l [*l]", "refers to")]:
        with pytest.raises(YamlStrictError, match=problem):
            load_yaml(text, CONFIG_LIMITS, PURE_PYTHON_LOADER)
    assert load_yaml("t: 2026-01-01T00:00:00Z\n", loader_class=PURE_PYTHON_LOADER) == {"t": "2026-01-01T00:00:00Z"}


def test_aliases_cannot_stack_nesting_beyond_the_limit() -> None:
    """Each anchor nests 60 levels and holds the previous one: fine alone, 6,000 levels expanded."""
    lines = ["a0: &a0 1"]
    for index in range(1, 100):
        lines.append(f"a{index}: &a{index} " + "[" * 60 + f"*a{index - 1}" + "]" * 60)
    assert "nested deeper than 64 levels once aliases are expanded" in str(refusal("\n".join(lines)))


@pytest.mark.parametrize("escape", ["\\U00110000", "\\Ua0013A28", "\\UFFFFFFFF"])
def test_an_escape_beyond_unicode_is_a_yaml_error_with_a_line_for_both_parsers(escape: str) -> None:
    """PyYAML's own scanner raised OverflowError or ValueError here (an internal error); libyaml names the line."""
    text = f'version: 1\nservice: "{escape}"\n'
    for loader in (STRICT_LOADER, PURE_PYTHON_LOADER):
        with pytest.raises(yaml.MarkedYAMLError) as caught:
            load_yaml(text, CONFIG_LIMITS, loader)
        assert "Unicode character escape" in str(caught.value)
        assert caught.value.problem_mark is not None and caught.value.problem_mark.line == 1


def loaded(text: str, loader: type) -> tuple[str, Any]:
    try:
        return "loaded", repr(load_yaml(text, CONFIG_LIMITS, loader))  # repr tells 1, 1.0 and True apart
    except yaml.YAMLError:
        return "refused", None


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8), st.sampled_from(
    ["yes", "off", "0x1f", "0o17", "1_000", "1e3", ".5", "2026-12-24T00:00:00Z", "~", "- a", "a: b", "#x", "'", '"',
     "\t", "\u2028", "\x85", "\ufeff", "\\U00110000"]))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=5), inner, max_size=4), max_leaves=12)
edits = st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["put", "insert", "drop"]),
                           st.sampled_from(list(" \t\n\r:-#'\"[]{},&*!|>%@`?\\\u2028\x85\ufeff\x00éU0."))),
                 max_size=3)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=documents, flow=st.sampled_from([None, True, False]), quotes=st.sampled_from([None, '"', "'"]),
       unicode=st.booleans(), changes=edits)
def test_both_parsers_load_a_mutated_document_alike_or_refuse_it(value: Any, flow: bool | None, quotes: str | None,
                                                                unicode: bool,
                                                                changes: list[tuple[int, str, str]]) -> None:
    """With or without libyaml, a document loads to the same value or is a YAML error (never another exception).
    The two may differ on whether a document is YAML at all (libyaml reads `- a\\tb`, PyYAML refuses it); neither
    reads one document as two different values."""
    characters = list(yaml.safe_dump({"data": value}, default_flow_style=flow, default_style=quotes,
                                     allow_unicode=unicode))
    for at, change, character in changes:
        if not characters:
            break
        at %= len(characters)
        if change == "put":
            characters[at] = character
        elif change == "insert":
            characters.insert(at, character)
        else:
            del characters[at]
    text = "".join(characters)
    fast, plain = loaded(text, STRICT_LOADER), loaded(text, PURE_PYTHON_LOADER)
    if fast[0] == plain[0] == "loaded":
        assert fast == plain


@pytest.mark.parametrize("text", ["a: !!bool maybe", "a:\n  b: !!int 5x", "a: !!float abc", "a: [1, !!int 0x]",
                                  "a: !!float ''", "? !!bool ghp_notshown\n: 1"])
def test_a_value_its_explicit_tag_cannot_read_is_a_yaml_error_with_a_line(text: str) -> None:
    """PyYAML's constructors raise KeyError or ValueError there (an internal error before); the value is not
    repeated, as it may be a secret."""
    for loader in (STRICT_LOADER, PURE_PYTHON_LOADER):
        with pytest.raises(YamlStrictError, match=r"value tagged !!(bool|int|float) cannot be read as one") as caught:
            load_yaml(text, CONFIG_LIMITS, loader)
        assert caught.value.problem_mark is not None
        assert caught.value.problem_mark.line == text.count("\n", 0, text.index("!!"))
        assert "ghp_" not in (caught.value.problem or "")
    assert load_yaml("a: !!int 1_000\nb: !!float '1.5'\nc: !!bool yes\n") == {"a": 1000, "b": 1.5, "c": True}


@pytest.mark.parametrize("text", ["x: 1\n\ufeffservice: checkout\n", "x: 1\n  \ufeffa: 1\n", "x: 1\ny: [\ufeffa]\n"])
def test_a_byte_order_mark_inside_the_document_is_refused_with_its_line(text: str) -> None:
    """libyaml skips one at the start of a line, PyYAML's own parser keeps it (`\\ufeffservice`): refused, so a
    file never reads two ways. One at the very start is a byte order mark, skipped by both; an escape is text."""
    for loader in (STRICT_LOADER, PURE_PYTHON_LOADER):
        with pytest.raises(YamlStrictError, match=r"byte order mark \(U\+FEFF\) inside the document") as caught:
            load_yaml(text, CONFIG_LIMITS, loader)
        assert caught.value.problem_mark is not None and caught.value.problem_mark.line == 1
        assert load_yaml("\ufeffa: 1\n", CONFIG_LIMITS, loader) == {"a": 1}
        assert load_yaml('a: "\\uFEFFb"\n', CONFIG_LIMITS, loader) == {"a": "\ufeffb"}


@pytest.mark.parametrize(("text", "expected"), [
    ("a: 072", "leading zero"), ("a: -010", "leading zero"), ("010: x", "leading zero"),
    ("a: !!int 072", "leading zero"), ("commit: 0123456", "leading zero"), ("a: 1:30", "colons"),
    ("a: 12:30:00", "colons"), ("a: 1:30.5", "colons"),
    ("a: 07", {"a": 7}), ("a: 00", {"a": 0}), ("a: 0x1F", {"a": 31}), ("a: '072'", {"a": "072"}),
    ("a: 010.5", {"a": 10.5}), ("a: 1_000", {"a": 1000}), ("a: 0b101", {"a": 5}), ("a: yes", {"a": True}),
    ("a: 5e1", "YAML 1.2 reads this plain value as a number"), ("a: 08", "as a number"), ("a: 0o17", "as a number"),
    ("a: [1E3]", "as a number"), ("5e1: x", "as a number"), ("commit: 0123459", "as a number"),
    ("a: '5e1'", {"a": "5e1"}), ("a: !!str 5e1", {"a": "5e1"}), ("a: 9.8e-1", {"a": 0.98}), ("a: 1.", {"a": 1.0}),
    ("a: |\n  5e1\n", {"a": "5e1\n"}),
    ("a: 2026-12-24T00:00:00Z", {"a": "2026-12-24T00:00:00Z"}),
])
def test_numbers_yaml_1_1_and_1_2_read_differently_are_refused(text: str, expected: Any) -> None:
    """PyYAML reads YAML 1.1 (`072` is octal 58, `1:30` is 90, `5e1` is text); YAML 1.2 and most other tools read
    72, text and 50. Where the two differ the value is refused with its line; where they agree, or YAML 1.1's
    number or boolean is plainly meant (`1_000`, `yes`), it loads, with either parser."""
    for loader in (STRICT_LOADER, PURE_PYTHON_LOADER):
        if isinstance(expected, str):
            with pytest.raises(YamlStrictError, match=expected) as caught:
                load_yaml(text, CONFIG_LIMITS, loader)
            assert caught.value.problem_mark is not None and caught.value.problem_mark.line == 0
        else:
            assert load_yaml(text, CONFIG_LIMITS, loader) == expected
