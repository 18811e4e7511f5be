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
