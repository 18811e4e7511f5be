"""Where audit records live, chosen by URL: `jsonl:PATH` (default), `sqlite:PATH`, `postgresql://…`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.chain import STREAM, follow, link
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


class LinkingStore(ABC):
    """Append and import for a store that only knows how to write one record under its stream lock."""

    def append(self, body: Mapping[str, Any], stream: str, key: Ed25519PrivateKey | None = None) -> dict[str, Any]:
        """Chain, sign and store one new record."""
        return self._write(stream, lambda seq, prev: link(body, stream, seq, prev, key))

    def adopt(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Store an already-chained record (an import), keeping its hash and signature."""
        return self._write(str(record.get(STREAM, "")), lambda seq, prev: follow(record, seq, prev))

    @abstractmethod
    def _write(self, stream: str, make: Callable[[int, str], dict[str, Any]]) -> dict[str, Any]:
        """Holding the stream's lock, build the record from the head (seq, hash) and store it."""


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
