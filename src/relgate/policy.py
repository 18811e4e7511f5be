"""Find and read Rego: the bundled library and the user's directories."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from relgate.engines.interface import PolicyModule, PolicySet
from relgate.errors import PolicyError

BUILTIN = "builtin"
_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.MULTILINE)
_TEST_RULE = re.compile(r"^\s*(test_[A-Za-z0-9_]+)\b", re.MULTILINE)


def is_test_file(name: str) -> bool:
    return name.endswith("_test.rego")


def load_policies(
    locations: Iterable[str],
    base_dir: Path,
    *,
    include_tests: bool = False,
    rego_versions: Mapping[str, str] | None = None,
) -> PolicySet:
    """Read every `.rego` under the named locations; an empty set is an error, never a pass.

    `rego_versions` maps a location to the Rego version its files are written in (default v1).
    """
    modules: list[PolicyModule] = []
    for location in locations:
        found = (
            _builtin_modules() if location == BUILTIN else _path_modules(base_dir / location, location)
        )
        version = (rego_versions or {}).get(location, "v1")
        modules.extend(replace(m, rego_version=version) for m in found if include_tests or not is_test_file(m.path))
    if not any(not is_test_file(m.path) for m in modules) and not include_tests:
        raise PolicyError("no policy loaded: `policies` names no .rego file outside *_test.rego")
    if not modules:
        raise PolicyError("no policy loaded: no .rego file found")
    return PolicySet(tuple(modules))


def _builtin_modules() -> list[PolicyModule]:
    root = Path(__file__).parent / "policies"  # a plain path: importlib.resources costs start-up time
    names = sorted(entry.name for entry in root.iterdir() if entry.name.endswith(".rego"))
    return [PolicyModule(f"{BUILTIN}/{name}", root.joinpath(name).read_text()) for name in names]


def _path_modules(path: Path, shown: str) -> list[PolicyModule]:
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.rglob("*.rego") if p.is_file())
        if not files:
            raise PolicyError(f"{shown}: policy directory contains no .rego file")
    else:
        raise PolicyError(f"{shown}: no such policy file or directory")
    return [PolicyModule(_display(p), _read(p)) for p in files]


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


MAX_POLICY_BYTES = 16 * 1024 * 1024


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_POLICY_BYTES:
            raise PolicyError(f"{_display(path)}: policy file is larger than {MAX_POLICY_BYTES // 2**20} MiB")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{_display(path)}: cannot read policy: {exc}") from None


def package_of(module: PolicyModule) -> str | None:
    match = _PACKAGE.search(module.text)
    return match.group(1) if match else None


def test_rules(module: PolicyModule) -> list[str]:
    """Names of the `test_*` rules a module defines, in order, once each."""
    return list(dict.fromkeys(_TEST_RULE.findall(module.text)))
