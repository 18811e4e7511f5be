"""A progress bar shows on a terminal, after a second of work, and never anywhere else."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import tty
from pathlib import Path

import pytest

from relgate.audit.store import open_store
from relgate.progress import Progress
from tests.audit.helpers import body

ENTRY = "import sys; from relgate.cli import main; sys.exit(main())"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_drawn_in_the_first_second() -> None:
    clock, screen = Clock(), Terminal()
    progress = Progress("verifying", total=1000, stream=screen, env={}, clock=clock)
    for count in range(1, 500):
        clock.now += 0.001
        progress.update(count, count)
    progress.close()
    assert screen.getvalue() == ""


def test_after_a_second_it_shows_rate_share_and_eta_then_erases_itself() -> None:
    clock, screen = Clock(), Terminal()
    with Progress("verifying", total=1000, stream=screen, env={}, clock=clock) as progress:
        clock.now += 2.0
        progress.update(250, 250)
        drawn = screen.getvalue()
    assert drawn.startswith("\rverifying") and "25%" in drawn and "250 records" in drawn
    assert "125/s" in drawn and "ETA 0:06" in drawn
    assert screen.getvalue().endswith("\r\x1b[K")  # erased, so the command's output starts clean


def test_redraws_at_most_ten_times_a_second() -> None:
    clock, screen = Clock(), Terminal()
    progress = Progress("replaying", stream=screen, env={}, clock=clock)
    clock.now += 1.5
    for count in range(1000):
        clock.now += 0.0001  # 0.1 s in all
        progress.update(count)
    assert screen.getvalue().count("\r") <= 2


def test_a_second_stage_has_its_own_label_share_and_rate() -> None:
    clock, screen = Clock(), Terminal()
    with Progress("reading", total=1000, stream=screen, env={}, clock=clock) as progress:
        clock.now += 2.0
        progress.update(1000, 1000)
        progress.stage("merging", 400)
        clock.now += 1.0
        progress.update(100, 100)
        drawn = screen.getvalue().split("\r")[-1]  # the last drawing
    assert drawn.startswith("merging") and "25%" in drawn and "100 records" in drawn and "100/s" in drawn
    assert "ETA 0:03" in drawn


def test_a_stage_within_the_first_second_draws_nothing() -> None:
    clock, screen = Clock(), Terminal()
    progress = Progress("reading", total=10, stream=screen, env={}, clock=clock)
    clock.now += 0.5
    progress.stage("merging", 10)
    clock.now += 0.2
    progress.update(5, 5)
    progress.close()
    assert screen.getvalue() == ""


@pytest.mark.parametrize(("env", "quiet", "stream"), [
    ({}, False, io.StringIO()),  # not a terminal
    ({"NO_COLOR": "1"}, False, Terminal()),
    ({"TERM": "dumb"}, False, Terminal()),
    ({}, True, Terminal()),
])
def test_nothing_when_no_person_watches_or_silence_was_asked(env: dict[str, str], quiet: bool,
                                                            stream: io.StringIO) -> None:
    clock = Clock()
    progress = Progress("verifying", total=10, quiet=quiet, stream=stream, env=env, clock=clock)
    clock.now += 5
    progress.update(5, 5)
    progress.close()
    assert stream.getvalue() == ""


def _log(tmp_path: Path) -> Path:
    store = open_store(f"jsonl:{tmp_path}/audit.jsonl")
    for _ in range(5):
        store.append(body(), "checkout/production")
    return tmp_path / "audit.jsonl"


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run relgate with stderr on a pseudo-terminal (stdout piped); what each received."""
    leader, follower = pty.openpty()
    tty.setraw(follower)  # no \n -> \r\n translation: a carriage return can only come from the bar
    process = subprocess.Popen([sys.executable, "-c", ENTRY, *args], stdout=subprocess.PIPE, stderr=follower,
                               stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    out = process.stdout.read() if process.stdout else b""
    code = process.wait(timeout=60)
    os.close(leader)
    return code, out.decode(), seen.decode(errors="replace")


BAR = re.compile(r"\r\w+ .*[\d,]+ records  [\d,]+/s")
COMMANDS = {
    "verify": ["audit", "verify", "--log", "{log}"],
    "report": ["audit", "report", "--log", "{log}"],
    "export": ["audit", "export", "--log", "{log}"],
    "replay": ["replay", "--log", "{log}", "--policies", "builtin"],
    "import": ["audit", "import", "{log}", "--store", "sqlite:{tmp}/copy.db"],
}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    return {**env, "RELGATE_PROGRESS_AFTER": "0", "TERM": "xterm", **extra}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_terminal_sees_the_bar_and_stdout_stays_clean(tmp_path: Path, command: str) -> None:
    log = _log(tmp_path)
    args = [a.format(log=log, tmp=tmp_path) for a in COMMANDS[command]]
    code, out, terminal = _on_a_terminal(args, _env())
    assert code == 0, terminal
    assert BAR.search(terminal) and "\x1b[K" in terminal, terminal
    assert "\r" not in out and "\x1b" not in out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_bar_through_a_pipe_or_with_no_color_or_quiet(tmp_path: Path, command: str) -> None:
    log = _log(tmp_path)
    args = [a.format(log=log, tmp=tmp_path) for a in COMMANDS[command]]
    piped = subprocess.run([sys.executable, "-c", ENTRY, *args], capture_output=True, text=True, env=_env())
    assert piped.returncode == 0, piped.stderr
    assert "\r" not in piped.stderr and "\x1b" not in piped.stderr
    (tmp_path / "copy.db").unlink(missing_ok=True)
    code, _, terminal = _on_a_terminal(args, _env(NO_COLOR="1"))
    assert code == 0 and "\r" not in terminal and "\x1b" not in terminal, terminal
    (tmp_path / "copy.db").unlink(missing_ok=True)
    code, _, terminal = _on_a_terminal([*args, "--quiet"], _env())
    assert code == 0 and "\r" not in terminal and "\x1b" not in terminal, terminal
