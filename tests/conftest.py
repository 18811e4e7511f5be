"""Shared helpers: a project-root path and a small gate-config builder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from relgate.redact import forget_all

# Property tests assert what an input does, never how fast: on a busy two-core machine a first example that
# imports a module can pass hypothesis's default 200 ms deadline and fail as "flaky" for no fault of the code.
settings.register_profile("relgate", deadline=None)
settings.load_profile("relgate")

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart"
# The quickstart's approval was given at 09:14 on this day; pin the clock after it.
QUICKSTART_AT = "2026-11-23T12:00:00Z"


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """Secrets remembered by one test's run must not mask another test's output."""
    yield
    forget_all()


@pytest.fixture
def quickstart(tmp_path: Path) -> Path:
    """A private copy of the quickstart example, so runs never touch the repository."""
    target = tmp_path / "quickstart"
    shutil.copytree(QUICKSTART, target, ignore=shutil.ignore_patterns(".relgate"))
    return target / "relgate.yaml"


def write_config(directory: Path, **fields: Any) -> Path:
    """Write a relgate.yaml with sensible defaults overridden by `fields`."""
    doc: dict[str, Any] = {"version": 1, "service": "checkout", "environment": "production"}
    doc.update(fields)
    path = directory / "relgate.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path
