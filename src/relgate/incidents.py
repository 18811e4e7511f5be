"""Production incidents for the DORA keys, from a facts file or from CDEvents `incident.*` events.

A facts file (YAML or JSON) is a list of incidents, or a mapping with an
`incidents:` list; each has `id`, `started_at` and, once over, `resolved_at`
(RFC 3339), and may name `service`, `environment` and the `commit` that caused it.
A CDEvents file holds `dev.cdevents.incident.detected|reported|resolved` events
(one object, an array, or one per line; bare or inside a CloudEvent's `data`):
an incident starts at its first detected/reported event and ends at its
resolved event; its environment and service are the subject's `environment.id`
and `service.id`. Anything else is an error naming the file and the entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from relgate.errors import SourceError
from relgate.timeutil import parse_ns
from relgate.yamltext import load_yaml

_INCIDENT_TYPE = re.compile(r"^dev\.cdevents\.incident\.(detected|reported|resolved)\.0\.\d+\.\d+(-draft)?$")
_FACT_KEYS = {"id", "started_at", "resolved_at", "service", "environment", "commit", "description", "url"}
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Incident:
    """One production incident: when it started and (if it has) when service was restored."""

    id: str
    started_ns: int
    resolved_ns: int | None = None
    service: str = ""
    environment: str = ""
    commit: str = ""
    description: str = ""


def read_incidents(path: Path) -> list[Incident]:
    """Every incident in one file, whichever of the two formats it is."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SourceError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not UTF-8 text") from None
    events = _cdevents(text)
    if events is not None:
        return _from_cdevents(path, events)
    try:
        document = load_yaml(text)
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: not YAML or JSON: {str(exc).splitlines()[0]}") from None
    return _from_facts(path, document)


def _cdevents(text: str) -> list[Any] | None:
    """The events when the file is CDEvents JSON (one, an array, or JSON lines); None for a facts file."""
    stripped = text.strip()
    try:
        whole = json.loads(stripped)
    except ValueError:
        lines = [line for line in stripped.splitlines() if line.strip()]
        try:
            whole = [json.loads(line) for line in lines]
        except ValueError:
            return None
    items = whole if isinstance(whole, list) else [whole]
    if items and all(isinstance(i, dict) and ("context" in i or "specversion" in i) for i in items):
        return items
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _time(path: Path, where: str, value: Any) -> int:
    try:
        return parse_ns(value) if isinstance(value, str) else parse_ns(repr(value))
    except ValueError:
        raise SourceError(f"{path}:{where}: expected an RFC 3339 time, found {value!r}") from None


def _from_facts(path: Path, document: Any) -> list[Incident]:
    entries = document.get("incidents") if isinstance(document, dict) else document
    where = "incidents" if isinstance(document, dict) else ""
    if not isinstance(entries, list):
        raise SourceError(f"{path}:{where or '(top)'}: expected a list of incidents, found {type(entries).__name__}")
    incidents = []
    for i, entry in enumerate(entries):
        at = f"{where}[{i}]"
        if not isinstance(entry, dict):
            raise SourceError(f"{path}:{at}: expected an incident mapping, found {type(entry).__name__}")
        unknown = sorted(set(map(str, entry)) - _FACT_KEYS)
        if unknown:
            raise SourceError(f"{path}:{at}.{unknown[0]}: unknown field (known: {', '.join(sorted(_FACT_KEYS))})")
        ident = entry.get("id")
        if not isinstance(ident, str | int) or isinstance(ident, bool) or not str(ident).strip():
            raise SourceError(f"{path}:{at}.id: expected an incident id, found {ident!r}")
        started = _time(path, f"{at}.started_at", entry.get("started_at"))
        resolved = None if entry.get("resolved_at") is None else _time(path, f"{at}.resolved_at",
                                                                        entry["resolved_at"])
        if resolved is not None and resolved < started:
            raise SourceError(f"{path}:{at}.resolved_at: before started_at")
        for key in ("service", "environment", "commit"):
            if key in entry and not isinstance(entry[key], str):
                raise SourceError(f"{path}:{at}.{key}: expected a string, found {entry[key]!r}")
        incidents.append(Incident(str(ident), started, resolved, _text(entry.get("service")),
                                  _text(entry.get("environment")), _text(entry.get("commit")),
                                  _text(entry.get("description"))))
    return incidents


def _event(path: Path, index: int, item: Mapping[str, Any]) -> tuple[str, str, int, Mapping[str, Any]]:
    """(kind, incident id, time, subject content) of one CDEvent, unwrapped from a CloudEvent if need be."""
    event = item.get("data") if "specversion" in item and "context" not in item else item
    at = f"[{index}]"
    if not isinstance(event, dict) or not isinstance(event.get("context"), dict):
        raise SourceError(f"{path}:{at}: expected a CDEvent (an object with context and subject)")
    kind = _INCIDENT_TYPE.match(_text(event["context"].get("type")))
    if not kind:
        raise SourceError(f"{path}:{at}.context.type: expected dev.cdevents.incident.detected|reported|resolved, "
                          f"found {event['context'].get('type')!r}")
    subject = event.get("subject")
    if not isinstance(subject, dict) or not _text(subject.get("id")):
        raise SourceError(f"{path}:{at}.subject.id: expected the incident id")
    content = subject.get("content")
    when = _time(path, f"{at}.context.timestamp", event["context"].get("timestamp"))
    return (kind.group(1), f"{_text(subject.get('source'))}#{subject['id']}", when,
            content if isinstance(content, dict) else {})


def _from_cdevents(path: Path, items: list[Any]) -> list[Incident]:
    started: dict[str, int] = {}
    resolved: dict[str, int] = {}
    about: dict[str, Mapping[str, Any]] = {}
    names: dict[str, str] = {}
    for index, item in enumerate(items):
        kind, key, when, content = _event(path, index, item)
        names[key] = key.rpartition("#")[2]
        if kind == "resolved":
            resolved[key] = min(when, resolved.get(key, when))
        else:
            started[key] = min(when, started.get(key, when))
            about.setdefault(key, content)
        about.setdefault(key, content)
    orphans = sorted(set(resolved) - set(started))
    if orphans:
        raise SourceError(f"{path}: incident {names[orphans[0]]!r} is resolved but never detected or reported "
                          "(include its detected/reported event)")
    incidents = []
    for key, start in sorted(started.items(), key=lambda kv: kv[1]):
        content = about[key]
        end = resolved.get(key)
        environment, service = content.get("environment"), content.get("service")
        incidents.append(Incident(
            names[key], start, end if end is not None and end >= start else None,
            _text(service.get("id")) if isinstance(service, dict) else "",
            _text(environment.get("id")) if isinstance(environment, dict) else "",
            description=_text(content.get("description")),
        ))
    return incidents
