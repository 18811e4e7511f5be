"""Policy engines behind one interface, chosen by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from relgate.engines.interface import DEFAULT_TIMEOUT_S, Engine, EngineOptions
from relgate.errors import ConfigError

ENGINE_NAMES = ("regorus", "opa", "opa-server", "opa-cli")
EMBEDDED_ENGINES = ("regorus", "opa")


def make_engine(
    name: str,
    settings: Mapping[str, Any] | None = None,
    options: EngineOptions | None = None,
    *,
    isolated: bool | None = None,
) -> Engine:
    """Build the named engine (`settings` is the config's `opa:` block); an unknown name is a config error.

    An embedded engine runs in a worker process under the options' deadline (unless `isolated=False`),
    so a crash or a runaway evaluation is an EngineError here. opa-server and opa-cli already run
    out of process, under their own timeouts.
    """
    options = options or EngineOptions()
    in_worker = name in EMBEDDED_ENGINES if isolated is None else isolated
    if not (in_worker and name == "regorus" and _installed("regorus")):
        engine = _construct(name, settings)  # a missing binary, package or bad setting fails here, at once
        if not in_worker:
            engine.options = options
            return engine
    # regorus needs no setting: when its package is there, only the worker loads it (start-up time).
    from relgate.engines.isolated import IsolatedEngine

    return IsolatedEngine(name, settings or {}, options)


def _installed(package: str) -> bool:
    from importlib.machinery import PathFinder

    return PathFinder.find_spec(package) is not None


def _construct(name: str, settings: Mapping[str, Any] | None) -> Engine:
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


def engine_options(evaluation: Mapping[str, Any], packages: tuple[str, ...] = (), where: str = "") -> EngineOptions:
    """The config's `evaluation:` block and `packages:` list as EngineOptions; a bad value is a ConfigError."""
    from relgate.config import parse_duration

    prefix = f"{where}: " if where else ""
    timeout = parse_duration(evaluation.get("timeout", DEFAULT_TIMEOUT_S), f"{prefix}evaluation.timeout")
    if not 0 < timeout <= 3600:
        raise ConfigError(f"{prefix}evaluation.timeout: expected more than 0s and at most 1h, got {timeout:g}s")
    allowed = [str(name) for name in evaluation.get("allow_builtins", [])]
    if allowed:  # OPA's built-in list is read only when there is something to look up
        from relgate.engines.capabilities import opa_builtins

        known = opa_builtins()
        for index, name in enumerate(allowed):
            if name not in known:
                raise ConfigError(
                    f"{prefix}evaluation.allow_builtins[{index}]: {name!r} is not a built-in of OPA v1.20.2")
    return EngineOptions(frozenset(allowed), tuple(packages), timeout)
