"""Errors a user can fix. The CLI prints them as one line and exits 2."""

from __future__ import annotations


class RelgateError(Exception):
    """Base for every user-fixable problem; the message names the file, field or line."""


class ConfigError(RelgateError):
    """The relgate.yaml (or a flag) is malformed or inconsistent."""


class SourceError(RelgateError):
    """A source could not produce its evidence (unreadable, malformed, unreachable)."""


class PolicyError(RelgateError):
    """A policy does not compile, or no policy was loaded."""


class EngineError(RelgateError):
    """The policy engine could not finish an evaluation."""


class AuditError(RelgateError):
    """The audit log cannot be read or appended to safely."""


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, for an exception that is not a RelgateError.

    Operating-system and encoding failures are the user's to fix and say so;
    anything else is named as unexpected, with its message, never as a bare class.
    """
    if isinstance(exc, RelgateError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, UnicodeError):
        return f"text that is not valid Unicode or cannot be encoded ({exc})"
    if isinstance(exc, RecursionError):
        return "input nested too deeply to process"
    if isinstance(exc, MemoryError):
        return "out of memory"
    message = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"unexpected {type(exc).__name__}" + (f": {message}" if message else "")
