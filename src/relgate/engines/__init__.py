"""Policy engines behind one interface, chosen by name."""

from __future__ import annotations

from relgate.engines.interface import Engine
from relgate.errors import ConfigError

ENGINE_NAMES = ("regorus", "rego-cpp")


def make_engine(name: str) -> Engine:
    """Build the named engine; an unknown name is a config error."""
    if name == "regorus":
        from relgate.engines.regorus import RegorusEngine

        return RegorusEngine()
    if name == "rego-cpp":
        from relgate.engines.rego_cpp import RegoCppEngine

        return RegoCppEngine()
    raise ConfigError(f"unknown engine {name!r} (known: {', '.join(ENGINE_NAMES)})")
