"""A one-line progress bar on the terminal (stderr) for long audit commands: records, rate and ETA.

It appears only when a person is watching: stderr is a terminal, `--quiet` was not
given, NO_COLOR is not set and TERM is not `dumb`, and only once the work has taken
more than a second (RELGATE_PROGRESS_AFTER seconds, for tests) — a short command
prints nothing extra. It redraws at most ten times a second and erases itself when
the work ends, so the command's own output starts on a clean line. Nothing here
ever goes to stdout, so piped output is never touched.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TextIO

_REDRAW_S = 0.1
_WIDTH = 24


def wanted(stream: TextIO, quiet: bool, env: Mapping[str, str]) -> bool:
    """Whether a person is watching this stream and has not asked for silence."""
    if quiet or env.get("NO_COLOR") or env.get("TERM") == "dumb":  # NO_COLOR set and not empty (no-color.org)
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


def _span(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Counts work and, when shown, draws `label  [####....]  42%  12,345 records  8,100/s  ETA 0:07`."""

    def __init__(self, label: str, *, total: int | None = None, quiet: bool = False,
                 stream: TextIO | None = None, env: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        environ = os.environ if env is None else env
        self.stream = stream if stream is not None else sys.stderr
        self.shown = wanted(self.stream, quiet, environ)
        self.label = label
        self.total = total if total and total > 0 else None
        self.clock = clock
        self.started = clock()
        try:
            delay = float(environ.get("RELGATE_PROGRESS_AFTER", "1"))
        except ValueError:
            delay = 1.0
        self.next_draw = self.started + max(delay, 0.0)
        self.drawn = False
        self.count = 0

    def update(self, count: int, done: int | None = None) -> None:
        """`count` records so far; `done` units of `total` (bytes, rows) so far, when the total is known."""
        self.count = count
        if not self.shown:
            return
        now = self.clock()
        if now < self.next_draw:
            return
        self.next_draw = now + _REDRAW_S
        elapsed = max(now - self.started, 1e-9)
        parts = [self.label]
        if self.total is not None and done is not None:
            fraction = min(max(done / self.total, 0.0), 1.0)
            filled = int(fraction * _WIDTH)
            parts.append(f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {fraction * 100:3.0f}%")
            if 0 < fraction < 1:
                parts.append(f"ETA {_span(elapsed * (1 - fraction) / fraction)}")
        parts.append(f"{count:,} records")
        parts.append(f"{count / elapsed:,.0f}/s")
        self.stream.write("\r" + "  ".join(parts) + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def stage(self, label: str, total: int | None = None) -> None:
        """A new stage of the same command (the report's merge after its reading): its own label, total, count and
        rate from now on; the bar stays where it was (shown, or waiting out the command's first second)."""
        self.label = label
        self.total = total if total and total > 0 else None
        self.started = self.clock()
        self.count = 0

    def close(self) -> None:
        """Erase the bar, if one was drawn, so what follows starts on a clean line."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
