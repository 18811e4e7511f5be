"""The terminal verdict: wrapped to a readable width, coloured only when wanted, never a runner command."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.cli import main
from relgate.decision import Decision, Verdict, Violation
from relgate.output import render
from relgate.output.text import WIDTH, use_colour
from tests.conftest import QUICKSTART_AT
from tests.output.hostile import HOSTILE, command_of, runner_lines


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_color_and_dumb_terminals_turn_colour_off_unless_forced() -> None:
    assert use_colour("auto", Terminal(), {}) is True
    assert use_colour("auto", Terminal(), {"NO_COLOR": "1"}) is False
    assert use_colour("auto", Terminal(), {"NO_COLOR": ""}) is True  # no-color.org: only a non-empty value counts
    assert use_colour("auto", Terminal(), {"TERM": "dumb"}) is False
    assert use_colour("auto", io.StringIO(), {}) is False
    assert use_colour("always", io.StringIO(), {"NO_COLOR": "1"}) is True
    assert use_colour("never", Terminal(), {}) is False


def test_color_flag_on_the_command_line(quickstart: Path) -> None:
    args = ["check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--no-audit"]
    forced = CliRunner().invoke(main, [*args, "--color", "always"], env={"NO_COLOR": "1"})
    assert forced.exit_code == 1 and "\x1b[31mDENY \x1b[0m" in forced.stdout
    plain = CliRunner().invoke(main, args)  # not a terminal
    assert plain.exit_code == 1 and "\x1b[" not in plain.stdout
    refused = CliRunner().invoke(main, [*args, "--color", "sometimes"])
    assert refused.exit_code == 2


def test_quickstart_lines_stay_within_the_width(quickstart: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--no-audit"])
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    assert lines[1].startswith("  DENY  [relgate.tests] tests.pass_rate: test pass rate 95.92% is below")
    details = next(line for line in lines if "min_pass_rate=0.98" in line)
    assert details.startswith(" " * 8)


WORDS = st.lists(st.one_of(HOSTILE, st.sampled_from(["word", "::error::x", ":", "##[", " "])), max_size=40).map(
    " ".join)


@settings(max_examples=200, deadline=None)
@given(msg=WORDS, policy=WORDS, details=st.dictionaries(HOSTILE, WORDS, max_size=3), error=WORDS)
def test_wrapping_never_makes_a_runner_command_or_a_long_line(msg: str, policy: str, details: dict[str, str],
                                                              error: str) -> None:
    decision = Decision(Verdict.DENY, violations=(Violation(policy, msg, "r", details),), errors=(error,))
    for colour in (False, True):
        text = render("text", decision, colour=colour)
        for line in runner_lines(text):
            assert command_of(line) is None, line
            plain = line.replace("\x1b[31m", "").replace("\x1b[0m", "").replace("\x1b[2m", "")
            assert "\x1b" not in plain
            words = plain.split(" ")
            assert len(plain) <= WIDTH or max(len(w) for w in words) > WIDTH // 2, plain


@pytest.mark.parametrize("text", ["x" * 500, "a " * 300])
def test_long_words_and_long_messages_are_broken(text: str) -> None:
    rendered = render("text", Decision(Verdict.DENY, violations=(Violation("p", text, "r"),)))
    assert max(len(line) for line in rendered.splitlines()) <= WIDTH
