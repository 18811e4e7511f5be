"""Send each record to HTTP CloudEvents endpoints; what cannot be delivered waits in a local spool.

Delivery retries with backoff; a record that still fails is written to the
spool and re-sent by `relgate audit flush`. A record leaves the spool only once
an endpoint accepted it, and the event id lets the receiver drop a repeat.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from relgate.outbound import CrossOriginRedirect, bound_session, checked_headers, network_reason

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


def _request(record: Mapping[str, Any], sink: Sink) -> tuple[dict[str, str], bytes]:
    if sink.mode == "binary":
        headers = {f"ce-{k}": str(record[k]) for k in _CORE if record.get(k) is not None}
        headers.update({f"ce-{k}": str(v) for k, v in record.items() if k.startswith("relgate")})
        headers["Content-Type"] = str(record.get("datacontenttype", "application/json"))
        return {**sink.headers, **headers}, json.dumps(record.get("data", {})).encode()
    headers = {**sink.headers, "Content-Type": "application/cloudevents+json; charset=utf-8"}
    return headers, json.dumps(record).encode()


def deliver(record: Mapping[str, Any], sink: Sink, sleep: Callable[[float], None] = time.sleep) -> str | None:
    """Send one record; None on success, else why it failed after the last retry."""
    headers, payload = _request(record, sink)
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
        if response.status_code < 300:
            return None
        problem = f"HTTP {response.status_code}"
        if response.status_code < 500 and response.status_code not in (408, 429):
            break  # the endpoint refused this event; retrying now will not change that
    return problem


def spool(record: Mapping[str, Any], sink: Sink, directory: Path) -> Path:
    """Keep an undelivered record, written whole (rename) so a crash leaves no half file."""
    target = directory / sink.name
    target.mkdir(parents=True, exist_ok=True)
    # `:` from the RFC 3339 time is refused by Windows and by actions/upload-artifact: spell it `-`.
    name = f"{_SAFE.sub('-', str(record.get('time', '')))}_{_SAFE.sub('_', str(record.get('id', '')))}.json"
    path = target / name
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record), encoding="utf-8")
    os.replace(temporary, path)
    return path


def publish(record: Mapping[str, Any], sinks: list[Sink], directory: Path) -> list[str]:
    """Deliver to every sink; spool what fails and say so (the record itself is already stored)."""
    notes = []
    for sink in sinks:
        problem = deliver(record, sink)
        if problem is not None:
            path = spool(record, sink, directory)
            notes.append(f"sink {sink.name}: {problem}; record {record.get('id')} spooled at {path}")
    return notes


def flush(sinks: list[Sink], directory: Path) -> tuple[int, list[str]]:
    """Re-send spooled records in order; return how many were delivered and what still fails."""
    delivered, failures = 0, []
    for sink in sinks:
        for path in sorted((directory / sink.name).glob("*.json")):
            problem = deliver(json.loads(path.read_text(encoding="utf-8")), sink)
            if problem is None:
                path.unlink()
                delivered += 1
            else:
                failures.append(f"sink {sink.name}: {problem}; {path.name} stays spooled")
                break  # keep order: later records wait behind the first that failed
    return delivered, failures
