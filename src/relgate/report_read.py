"""One stored record into the report's fact tuple, reading only the fields the report uses.

`relgate audit report` reads every record of a log, so the generic way (parse, build a
`report.Gate`, build each row as a dict, serialise it) cost most of its time. Here only
the part of a record the report uses is parsed (msgspec; orjson when msgspec is not
installed), read field by field, and its table rows are written as JSON text directly,
with the C string escaper `json.dumps` itself uses, so each row is the same text
`json_text(row, indent=None)` gives. Only records holding the plain values a gate run
writes take this way; anything else (a number a fast parser may not read exactly, a
value of an unexpected type, a record it refuses) goes the generic way, so the report
is the same for every log whichever way a record took.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any, TypedDict

from relgate.audit.store import parse_record
from relgate.dora import seen_deployment
from relgate.output.escape import json_text
from relgate.report import blocked_row, gate_of, override_rows, waiver_rows
from relgate.timeutil import format_ns

DAY_NS = 86_400 * 10**9
_LAST_NS = 253_402_300_800 * 10**9  # 10000-01-01: beyond it no time is printable
_WIDE = 2.0**63  # orjson reads integers beyond 64 bits as floats: a float this large may have been one

# A fact: what one gate run contributes, in a tuple (small to hand over; sorts by time, then store order).
(AT, SEQ, SERVICE, ENV, DECISION, COMMIT, MODE, COMMITTED, WAIT, VIOLATIONS, WAIVER_IDS, DEPLOYS, BLOCKED, WAIVED,
 OVERRIDDEN) = range(15)
# WAIVED holds (row, waiver_id, policy, what, approved_by, reason, expires, at) per waiver use.
Filters = tuple[int | None, str | None, str | None]  # since (ns), service, environment

_fast_loads: Callable[[bytes | str], Any] | None
try:
    from orjson import loads as _fast_loads
except ImportError:  # the standard library's parser: the generic way for every record
    _fast_loads = None


class _Result(TypedDict, total=False):
    decision: Any
    service: Any
    environment: Any
    mode: Any
    violations: Any
    waived: Any
    overrides: Any
    errors: Any
    audit_id: Any


class _Context(TypedDict, total=False):
    evaluated_at_ns: Any
    change: Any
    change_facts: Any
    deployments: Any


class _Log(TypedDict, total=False):
    input: _Context
    result: _Result


class _Custom(TypedDict, total=False):
    decision_log: _Log
    value_stream: Any


class _Data(TypedDict, total=False):
    customData: _Custom


class _Record(TypedDict, total=False):
    """The part of a record the report reads (`direct`); a record whose part has other types goes the generic way."""

    id: Any
    data: _Data


def _slim_decoder() -> tuple[Callable[[bytes | str], Any], tuple[type[Exception], ...]] | None:
    """msgspec's decoder for `_Record`: it checks the whole text is JSON but makes objects only for that part (most
    of a record is other fields, so this reads a record in half orjson's time)."""
    try:
        import msgspec
    except ImportError:
        return None
    return msgspec.json.Decoder(_Record).decode, (msgspec.DecodeError, ValueError, RecursionError)


_SLIM = _slim_decoder()


@lru_cache(maxsize=4096)
def day_text(day: int) -> str:
    """The date of a day number (days since the epoch), as `format_ns` writes it."""
    return format_ns(day * DAY_NS)[:10]


def time_text(at: int) -> str:
    """`format_ns(at)` for a time in years 1970..9999, from the cached date and the time of day."""
    seconds, nanos = divmod(at, 1_000_000_000)
    day, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    stamp = f"{day_text(day)}T{hours:02d}:{minutes:02d}:{seconds:02d}"
    if nanos:
        stamp += "." + f"{nanos:09d}".rstrip("0")
    return stamp + "Z"


def deploys_seen(context: Any) -> tuple[tuple[str, str, int, str, int | None, int | None], ...]:
    """The GitHub deployments a record saw (id, sha, created, state, succeeded, failed), as
    `dora.seen_deployments` reads them."""
    block = context.get("deployments") if isinstance(context, dict) and context else None
    recent = block.get("recent") if isinstance(block, dict) else None
    found = []
    for entry in recent if isinstance(recent, list) else []:
        seen = seen_deployment(entry)
        if seen is not None:
            found.append(seen)
    return tuple(found)


_DIGITS = bytes(48 if chr(b).isdigit() and b < 128 else 45 if b == 45 else 32 for b in range(256))


def parse_exactly(text: bytes | str, where: str) -> dict[str, Any]:
    """`parse_record`, with orjson when it reads the text exactly as the standard library would (it turns
    integers beyond 64 bits into floats: those records, and anything it rejects, take the standard parser)."""
    if _fast_loads is not None and isinstance(text, bytes) and not _long_number(text):
        try:
            record = _fast_loads(text)
        except ValueError:
            pass
        else:
            if isinstance(record, dict):
                return record
    return parse_record(text, where)


def _long_number(text: bytes) -> bool:
    """Twenty digits in a row, or a minus and nineteen (cheap: one translation, two substring searches)."""
    shape = text.translate(_DIGITS)
    return b"0" * 20 in shape or b"-" + b"0" * 19 in shape


def _legacy(text: str) -> str:
    """`json_text`'s last step: `##[` never reaches a runner's log."""
    return text.replace("##[", "##\\u005b") if "##[" in text else text


def generic(record: dict[str, Any], seq: int, filters: Filters) -> tuple[Any, ...] | None:
    """The fact by the generic reader (`report.gate_of` and the row builders): None for another shape or
    a gate the filters leave out."""
    gate = gate_of(record)
    since, service, environment = filters
    if gate is None or (since is not None and gate.at_ns < since) or \
            (service is not None and gate.service != service) or \
            (environment is not None and gate.environment != environment):
        return None
    waived = tuple((json_text(row, indent=None), row["waiver_id"], row["policy"], row["what"], row["approved_by"],
                    row["reason"], row["expires"], row["at"]) for row in waiver_rows(gate))
    return (gate.at_ns, seq, gate.service, gate.environment, gate.decision, gate.commit, gate.mode,
            gate.committed_at_ns, gate.approval_wait_s, gate.violations, gate.waivers, deploys_seen(gate.deployments),
            json_text(blocked_row(gate), indent=None) if gate.decision != "allow" else None, waived,
            tuple(json_text(row, indent=None) for row in override_rows(gate)))


class Plain(Exception):
    """A value the direct reader does not take: the record goes the generic way."""


def _text(value: Any) -> str:
    """`str(value)` for a string or null (how the generic reader prints them); anything else is not plain."""
    if type(value) is str:
        return value
    if value is None:
        return "None"
    raise Plain


def _strings(values: Any) -> list[str]:
    if type(values) is not list:
        raise Plain
    for value in values:
        if type(value) is not str:
            raise Plain
    return values


def _json(value: Any) -> str:
    """A row's raw value as `json.dumps` writes it: strings and null only."""
    if type(value) is str:
        return _quoted(value)
    if value is None:
        return "null"
    raise Plain


def _deploys(block: Any) -> tuple[tuple[Any, ...], ...]:
    recent = block.get("recent") if type(block) is dict else None
    if type(recent) is list:
        for entry in recent:
            if type(entry) is dict:
                ident = entry.get("id")
                if not (type(ident) in (str, int) or ident is None) or type(entry.get("sha")) not in (str, type(None)) \
                        or type(entry.get("state")) not in (str, type(None)):
                    raise Plain
    return deploys_seen({"deployments": block})


def direct(record: dict[str, Any], seq: int, filters: Filters, names: dict[str, str]) -> tuple[Any, ...] | None:
    """The fact read field by field (the same tuple `generic` gives); raises `Plain` for a value it does not take.
    `names` interns the short strings many facts share (services, decisions), so they are marshalled once a frame."""
    try:  # the shape every gate record has; a record of another shape, or an odd one, goes the generic way
        custom = record["data"]["customData"]
        log = custom["decision_log"]
        result = log["result"]
    except (KeyError, TypeError):
        raise Plain from None
    stream = custom.get("value_stream", {})
    context = log.get("input") or {}
    if type(custom) is not dict or type(result) is not dict or type(stream) is not dict or type(context) is not dict:
        raise Plain
    at = context.get("evaluated_at_ns")
    if type(at) is not int or not 0 < at < _LAST_NS:
        raise Plain
    service = result.get("service") or stream.get("service") or ""
    environment = result.get("environment") or stream.get("environment") or ""
    change = context.get("change") or {}
    facts = context.get("change_facts") or {}
    if type(service) is not str or type(environment) is not str or type(change) is not dict or type(facts) is not dict:
        raise Plain
    committed = change.get("committed_at_ns") or facts.get("committed_at_ns")
    if type(committed) is not int:
        if type(committed) is bool or (type(committed) is float and abs(committed) >= _WIDE):
            raise Plain
        committed = None
    decision = result.get("decision", "error")
    commit = stream.get("commit") or change.get("commit") or ""
    mode = result.get("mode") or "enforce"
    audit_id = record.get("id") or result.get("audit_id") or ""
    wait = stream.get("approval_wait_seconds")
    if type(decision) is not str or type(commit) is not str or type(mode) is not str or type(audit_id) is not str \
            or not (wait is None or (type(wait) is float and abs(wait) < _WIDE) or type(wait) is int):
        raise Plain
    violations = result.get("violations", [])
    waived = result.get("waived", [])
    overrides = result.get("overrides", [])
    errors = result.get("errors", [])
    if type(violations) is not list or type(waived) is not list or type(overrides) is not list \
            or type(errors) is not list:
        raise Plain
    if errors:
        _strings(errors)
    for waiver in waived:
        if type(waiver) is not dict:
            raise Plain
    # Filtered out only now: a record the generic reader cannot read fails the report even when filtered out.
    since, only_service, only_environment = filters
    if (since is not None and at < since) or (only_service is not None and service != only_service) or \
            (only_environment is not None and environment != only_environment):
        return None
    service, environment = names.setdefault(service, service), names.setdefault(environment, environment)
    decision, mode = names.setdefault(decision, decision), names.setdefault(mode, mode)
    block = context.get("deployments")
    deploys = _deploys(block) if type(block) is dict else ()
    kinds: tuple[tuple[str, str], ...] = ()
    if decision == "allow" and not violations and not waived and not overrides:
        return (at, seq, service, environment, decision, commit, mode, committed, wait, kinds, (), deploys, None,
                (), ())
    at_text = time_text(at)
    where = (f'{{"at": {_quoted(at_text)}, "service": {_quoted(service)}, "environment": {_quoted(environment)}, '
             f'"commit": {_quoted(commit)}, "audit_id": {_quoted(audit_id)}')
    reasons = []
    for violation in violations:
        if type(violation) is dict:
            policy, ident = _text(violation.get("policy")), _text(violation.get("id"))
            kinds += ((policy, ident),)
            reasons.append(f'{{"policy": {_quoted(policy)}, "id": {_quoted(ident)}, '
                           f'"msg": {_quoted(_text(violation.get("msg")))}}}')
    blocked = None
    if decision != "allow":
        blocked = _legacy(f'{where}, "decision": {_quoted(decision)}, "mode": {_quoted(mode)}, '
                          f'"reasons": [{", ".join(reasons)}], "errors": [{", ".join(map(_quoted, errors))}]}}')
    uses: tuple[tuple[str, ...], ...] = ()
    for waiver in waived:
        findings = waiver.get("findings") or []
        what = ", ".join(_strings(findings)) or _text(waiver.get("id"))
        use = (_text(waiver.get("waiver_id")), _text(waiver.get("policy")), what, _text(waiver.get("approved_by")),
               _text(waiver.get("reason")), _text(waiver.get("expires")))
        row = (f'{where}, "waiver_id": {_quoted(use[0])}, "policy": {_quoted(use[1])}, "what": {_quoted(what)}, '
               f'"approved_by": {_quoted(use[3])}, "reason": {_quoted(use[4])}, "expires": {_quoted(use[5])}}}')
        uses += ((_legacy(row), *use, at_text),)
    rows: tuple[str, ...] = ()
    for override in overrides:
        if type(override) is dict:
            rows += (_legacy(
                f'{{"actor": {_json(override.get("actor"))}, "reason": {_json(override.get("reason"))}, '
                f'"policy": {_json(override.get("policy"))}, {where[1:]}, "id": {_json(override.get("id"))}, '
                f'"msg": {_json(override.get("msg"))}}}'),)
    return (at, seq, service, environment, decision, commit, mode, committed, wait, kinds,
            tuple(dict.fromkeys(use[1] for use in uses)) if uses else (), deploys, blocked, uses, rows)


def fact(text: bytes | str, seq: int, where: str, filters: Filters, names: dict[str, str]) -> tuple[Any, ...] | None:
    """The fact of one stored record (None: another shape, or filtered out); an unreadable record raises
    `parse_record`'s AuditError naming `where`."""
    record = None
    if _SLIM is not None:
        # msgspec reads skipped strings without checking their UTF-8 (the standard library refuses bad UTF-8)
        if isinstance(text, str) or text.isascii() or _utf8(text):
            try:
                record = _SLIM[0](text)
            except _SLIM[1]:
                pass
    elif _fast_loads is not None:
        with suppress(ValueError):
            record = _fast_loads(text)
    if type(record) is dict:
        try:
            return direct(record, seq, filters, names)
        except Plain:
            pass
    return generic(parse_exactly(text, where), seq, filters)


def _utf8(text: bytes) -> bool:
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
