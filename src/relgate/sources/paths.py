"""Glob expansion shared by the file-reading sources."""

from __future__ import annotations

import glob
from pathlib import Path

from relgate.errors import SourceError
from relgate.sources.evidence import file_kind
from relgate.sources.interface import SourceSpec


def matched_files(spec: SourceSpec) -> list[Path]:
    """Expand the spec's `paths` (or single `path`) relative to the config file.

    A pattern that matches nothing is an error: a report that silently went
    missing must not look like a clean one.
    """
    patterns = spec.option("paths")
    if patterns is None:
        single = spec.option("path")
        patterns = [single] if single else []
    if not patterns:
        raise SourceError(f"source {spec.name!r}: no `paths` given")
    found: list[Path] = []
    for pattern in patterns:
        full = str(spec.base_dir / pattern)
        hits = sorted(Path(p) for p in glob.glob(full, recursive=True))
        files = [p for p in hits if p.is_file()]
        for hit in hits:
            # A wildcard may sweep up directories; anything else that is not a regular file
            # (a FIFO, a socket, a dangling link) or a directory named outright is refused.
            if not hit.is_file() and not (hit.is_dir() and glob.has_magic(pattern)):
                raise SourceError(f"source {spec.name!r}: {hit}: expected a regular file, found {file_kind(hit)}")
        if not files:
            others = f", only {hits[0]} ({file_kind(hits[0])}), not a regular file" if hits else ""
            raise SourceError(f"source {spec.name!r}: {pattern!r} matched no file{others} (looked in {spec.base_dir})")
        found.extend(p for p in files if p not in found)
    return found
