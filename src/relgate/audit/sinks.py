"""Send each record to HTTP CloudEvents endpoints; what cannot be delivered waits in a local spool.

Delivery retries with backoff; a record that still fails is written to the
spool and re-sent by `relgate audit flush`. A record leaves the spool only once
an endpoint accepted it, and the event id lets the receiver drop a repeat.
Flushes of one sink take turns (a lock in its spool folder), and each file is
claimed by renaming it before it is sent, so two flushes never send one record twice.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from relgate.errors import AuditError
from relgate.outbound import CrossOriginRedirect, bound_session, checked_headers, network_reason
from relgate.portable import OPEN_FLAGS, lock_exclusive

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_CORE = ("specversion", "id", "source", "type", "subject", "time")


@dataclass(frozen=True)
class Sink:
    """One `audit.sinks` entry."""

    url: str
    name: str
    mode: str = "structured"
    timeout_s: float = 5.0
    retries: int = 3
    headers: Mapping[str, str] = field(default_factory=dict)


def sink_from(entry: Mapping[str, Any], index: int) -> Sink:
    url = str(entry["url"])
    return Sink(url=url, name=_SAFE.sub("_", str(entry.get("name") or f"sink{index}")),
                mode=str(entry.get("mode", "structured")), timeout_s=float(entry.get("timeout", 5)),
                retries=int(entry.get("retries", 3)),
                headers=checked_headers(entry.get("headers"), f"audit.sinks[{index}].headers"))


def header_value(value: object) -> str:
    """An attribute as a binary-mode header: CloudEvents' HTTP binding percent-encodes (UTF-8) every
    character outside printable ASCII, and space, double quote and percent."""
    return "".join(c if "!" <= c <= "~" and c not in '"%' else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
                   for c in str(value))


def _request(record: Mapping[str, Any], sink: Sink) -> tuple[dict[str, str], bytes]:
    if sink.mode == "binary":
        headers = {f"ce-{k}": header_value(record[k]) for k in _CORE if record.get(k) is not None}
        headers.update({f"ce-{k}": header_value(v) for k, v in record.items() if k.startswith("relgate")})
        headers["Content-Type"] = str(record.get("datacontenttype", "application/json"))
        return {**sink.headers, **headers}, json.dumps(record.get("data", {})).encode()
    headers = {**sink.headers, "Content-Type": "application/cloudevents+json; charset=utf-8"}
    return headers, json.dumps(record).encode()


def deliver(record: Mapping[str, Any], sink: Sink, sleep: Callable[[float], None] = time.sleep) -> str | None:
    """Send one record; None on success, else why it failed after the last retry."""
    try:
        headers, payload = _request(record, sink)
    except (ValueError, TypeError) as exc:
        return f"the record cannot be sent as a CloudEvent: {exc}"
    problem = ""
    for attempt in range(sink.retries + 1):
        if attempt:
            sleep(min(0.2 * 2 ** (attempt - 1), 5.0))
        try:
            response = bound_session(sink.url).post(sink.url, data=payload, headers=headers, timeout=sink.timeout_s)
        except CrossOriginRedirect as exc:
            return str(exc)  # the sink's headers go to its own origin only
        except requests.RequestException as exc:
            problem = network_reason(exc)
            continue
        except (ValueError, UnicodeError) as exc:  # a header the HTTP library will not send; retrying cannot help
            return f"request refused before sending ({type(exc).__name__}: a header is not Latin-1 text)"
        if response.status_code < 300:
            return None
        problem = f"HTTP {response.status_code}"
        if response.status_code < 500 and response.status_code not in (408, 429):
            break  # the endpoint refused this event; retrying now will not change that
    return problem


def spool(record: Mapping[str, Any], sink: Sink, directory: Path) -> Path:
    """Keep an undelivered record, written whole (rename) so a crash leaves no half file."""
    target = directory / sink.name
    name = f"{_SAFE.sub('_', str(record.get('time', '')))}_{_SAFE.sub('_', str(record.get('id', '')))}.json"
    path = target / name
    temporary = path.with_suffix(".tmp")
    try:
        target.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        raise AuditError(f"{target}: cannot spool record {record.get('id')}: {exc.strerror or exc}") from None
    return path


def publish(record: Mapping[str, Any], sinks: list[Sink], directory: Path) -> list[str]:
    """Deliver to every sink; spool what fails and say so (the record itself is already stored)."""
    notes = []
    for sink in sinks:
        problem = deliver(record, sink)
        if problem is None:
            continue
        try:
            path = spool(record, sink, directory)
        except AuditError as exc:
            notes.append(f"sink {sink.name}: {problem}; and NOT spooled: {exc}")
            continue
        notes.append(f"sink {sink.name}: {problem}; record {record.get('id')} spooled at {path}")
    return notes


def flush(sinks: list[Sink], directory: Path) -> tuple[int, list[str]]:
    """Re-send spooled records in order; return how many were delivered and what still fails."""
    delivered, failures = 0, []
    for sink in sinks:
        folder = directory / sink.name
        if not folder.is_dir():
            continue
        with _flush_lock(folder):
            try:
                sent, failure = _flush_one(sink, folder)
            except OSError as exc:
                raise AuditError(f"{folder}: cannot flush the spool: {exc.strerror or exc}") from None
        delivered += sent
        failures.extend([failure] if failure else [])
    return delivered, failures


@contextmanager
def _flush_lock(folder: Path) -> Iterator[None]:
    """One flush of a sink at a time; a second waits, then finds only what is left."""
    try:
        fd = os.open(folder / ".flush.lock", os.O_RDWR | os.O_CREAT | OPEN_FLAGS, 0o644)
    except OSError as exc:
        raise AuditError(f"{folder}: cannot lock the spool: {exc.strerror or exc}") from None
    try:
        lock_exclusive(fd)
        yield
    finally:
        os.close(fd)


def _flush_one(sink: Sink, folder: Path) -> tuple[int, str]:
    for claim in folder.glob("*.sending"):  # left by a flush that died mid-send: send again (the id dedupes)
        os.replace(claim, claim.with_suffix(".json"))
    delivered = 0
    for path in sorted(folder.glob("*.json")):
        claim = path.with_suffix(".sending")
        try:
            os.rename(path, claim)
        except FileNotFoundError:
            continue  # already taken
        try:
            record = json.loads(claim.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            os.replace(claim, path)
            return delivered, f"sink {sink.name}: {path.name} is not a readable record ({exc}); it stays spooled"
        problem = deliver(record, sink)
        if problem is not None:
            os.replace(claim, path)
            return delivered, f"sink {sink.name}: {problem}; {path.name} stays spooled"  # later records wait
        claim.unlink()
        delivered += 1
    return delivered, ""
