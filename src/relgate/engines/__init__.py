"""Policy engines behind one interface, chosen by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from relgate.engines.interface import Engine
from relgate.errors import ConfigError

ENGINE_NAMES = ("regorus", "opa", "opa-server", "opa-cli")
EMBEDDED_ENGINES = ("regorus", "opa")


def make_engine(name: str, settings: Mapping[str, Any] | None = None) -> Engine:
    """Build the named engine (`settings` is the config's `opa:` block); an unknown name is a config error."""
    if name == "regorus":
        from relgate.engines.regorus import RegorusEngine

        return RegorusEngine()
    if name == "opa":
        from relgate.engines.opa import OpaEngine

        return OpaEngine()
    if name == "opa-server":
        from relgate.engines.opa_server import OpaServerEngine

        return OpaServerEngine(settings or {})
    if name == "opa-cli":
        from relgate.engines.opa_cli import OpaCliEngine

        return OpaCliEngine(settings or {})
    raise ConfigError(f"unknown engine {name!r} (known: {', '.join(ENGINE_NAMES)})")
