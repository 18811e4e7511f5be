"""Where audit records live, chosen by URL: `jsonl:PATH` (default), `sqlite:PATH`, `postgresql://…`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.errors import AuditError


class AuditStore(Protocol):
    """What every store does; the chain itself is built by `chain.link` (new) or `chain.follow` (imported)."""

    where: str

    def append(
        self, body: Mapping[str, Any], stream: str, key: Ed25519PrivateKey | None = None
    ) -> dict[str, Any]: ...

    def adopt(self, record: Mapping[str, Any]) -> dict[str, Any]: ...

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]: ...

    def get(self, wanted: str) -> dict[str, Any]: ...


def open_store(url: str | Path, base_dir: Path | None = None) -> AuditStore:
    """Open a store by URL; a bare path is a JSONL file. Relative paths are relative to `base_dir`."""
    text = str(url)
    base = base_dir or Path.cwd()
    if text.startswith(("postgresql://", "postgres://")):
        from relgate.audit.postgres import PostgresStore

        return PostgresStore(text)
    if text.startswith("sqlite:"):
        from relgate.audit.sqlite import SqliteStore

        return SqliteStore(base / text[len("sqlite:"):])
    if text.startswith("jsonl:"):
        text = text[len("jsonl:"):]
    elif ":" in text.split("/", 1)[0] and not Path(text).exists():
        raise AuditError(f"audit store {text!r}: expected jsonl:PATH, sqlite:PATH or postgresql://…")
    from relgate.audit.jsonl import JsonlStore

    return JsonlStore(base / text)
