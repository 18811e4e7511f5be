"""relgate.yaml: read, expand `${VAR}`, validate against the shipped schema, resolve paths."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from relgate.errors import ConfigError
from relgate.filetext import FileRefused, read_text
from relgate.schema import SAFE_INTEGER, SchemaViolation, Validator, date_time_ns, describe, join
from relgate.schema import parse_duration as schema_duration
from relgate.settings import BUILTIN, check_data, scan_policies
from relgate.sources.interface import SourceSpec
from relgate.sources.options import check_entry
from relgate.timeutil import with_ns_twins
from relgate.yamltext import CONFIG_LIMITS, load_yaml

DEFAULT_AUDIT_LOG = ".relgate/audit.jsonl"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class Waiver:
    """An approved, expiring exception to one policy's rule or finding."""

    id: str
    policy: str
    match: str
    expires: str
    expires_ns: int
    approved_by: str
    reason: str
    ticket: str = ""
    service: str | None = None
    environment: str | None = None


@dataclass(frozen=True)
class Config:
    """A validated relgate.yaml with every path made absolute."""

    path: Path
    service: str
    environment: str
    policies: tuple[str, ...] = ("builtin",)
    rego_versions: Mapping[str, str] = field(default_factory=dict)
    packages: tuple[str, ...] = ()
    evaluation: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    sources: tuple[SourceSpec, ...] = ()
    enforcement: Mapping[str, str] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    mode: str = "enforce"
    engine: str = "regorus"
    opa: Mapping[str, Any] = field(default_factory=dict)
    audit_log: Path = Path(DEFAULT_AUDIT_LOG)
    audit_store: str | None = None
    sinks: tuple[Mapping[str, Any], ...] = ()
    spool_dir: Path = Path(".relgate/spool")
    audit_enabled: bool = True
    signing_key: str | None = None
    witness: Mapping[str, Any] | None = None
    serve: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def store_url(self) -> str:
        """`audit.store` when set, else the JSONL file named by `audit.log`."""
        return self.audit_store or f"jsonl:{self.audit_log}"


def load_config(path: str | Path, env: Mapping[str, str]) -> Config:
    """Read and validate a config file; every problem is a ConfigError naming file and field."""
    config_path = Path(path)
    where = str(config_path)
    try:
        text = read_text(config_path)
    except FileRefused as exc:
        raise ConfigError(f"{where}: cannot read config: {exc}") from None
    try:
        raw = load_yaml(text, CONFIG_LIMITS)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise ConfigError(f"{where}{line}: invalid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping at the top level, found {describe(raw)}")
    try:
        _refuse_non_json(raw, "")
    except SchemaViolation as exc:
        raise ConfigError(f"{where}:{exc.at or '(top level)'}: {exc.problem}") from None
    origins: dict[str, tuple[str, ...]] = {}
    expanded = _expand(raw, env, where, "", origins)
    validator = Validator(origins)
    document = _validate(expanded, validator, where)
    resolved = config_path.resolve()
    locations = [p if isinstance(p, str) else p["path"] for p in document.get("policies", [BUILTIN])]
    scan = scan_policies(locations, resolved.parent)
    data = check_data(document.get("data", {}), scan, validator, where)
    return _build(document, data, resolved, where)


def _refuse_non_json(value: Any, at: str) -> None:
    """Only JSON data reaches policies and records: no NaN, infinity, huge integers, bytes or sets."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise SchemaViolation(at, f"expected text keys, found the key {describe(key)} (quote it)")
            _refuse_non_json(item, join(at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_non_json(item, join(at, index))
    elif isinstance(value, float) and not math.isfinite(value):
        raise SchemaViolation(at, f"expected a finite number, found {value!r}")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > SAFE_INTEGER:
        raise SchemaViolation(at, f"expected a number of at most 2^53-1 in size, found {value}")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise SchemaViolation(at, f"expected JSON data, found {describe(value)}")


def _expand(value: Any, env: Mapping[str, str], where: str, at: str, origins: dict[str, tuple[str, ...]]) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v, env, where, join(at, k), origins) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, env, where, join(at, i), origins) for i, v in enumerate(value)]
    if isinstance(value, str):
        names: list[str] = []

        def substitute(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            names.append(name)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(f"{where}:{at}: expected environment variable {name} to be set "
                              f"(or a default: ${{{name}:-…}}), found it unset")

        expanded = _VAR.sub(substitute, value)
        if names:
            origins[at] = tuple(dict.fromkeys(names))
        return expanded
    return value


def _validate(document: dict[str, Any], validator: Validator, where: str) -> dict[str, Any]:
    """The whole document against config.schema.json, then each source entry against its options."""
    try:
        checked: dict[str, Any] = validator.check(document, _config_schema(), "")
        checked["sources"] = [
            check_entry(entry, join("sources", index), validator)
            for index, entry in enumerate(checked.get("sources", []))
        ]
    except SchemaViolation as exc:
        raise ConfigError(f"{where}:{exc.at or '(top level)'}: {exc.problem}") from None
    return checked


@lru_cache(maxsize=1)
def _config_schema() -> Mapping[str, Any]:
    schema: Mapping[str, Any] = json.loads(
        (Path(__file__).parent / "schemas" / "config.schema.json").read_text()
    )
    return schema


def parse_duration(value: Any, where: str) -> float:
    """Turn `10s`, `2m`, `500ms` or a number of seconds into seconds."""
    try:
        return schema_duration(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: expected {exc}, found {describe(value)}") from None


def _build(doc: dict[str, Any], data: dict[str, Any], path: Path, where: str) -> Config:
    base = path.parent
    specs: list[SourceSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(doc.get("sources", [])):
        at = f"{where}:sources[{index}]"
        kind = entry["type"]
        name = entry.get("name", kind)
        if name in seen:
            raise ConfigError(f"{at}.name: expected a name no other source has, found {name!r} again "
                              "(give each source a `name`)")
        seen.add(name)
        options = {k: v for k, v in entry.items() if k not in ("type", "name", "required", "timeout")}
        specs.append(
            SourceSpec(
                type=kind,
                name=name,
                required=entry.get("required", True),
                timeout_s=parse_duration(entry.get("timeout", "30s"), f"{at}.timeout"),
                options=options,
                base_dir=base,
            )
        )
    ids: set[str] = set()
    for index, waiver in enumerate(doc.get("waivers", [])):
        if waiver["id"] in ids:
            raise ConfigError(f"{where}:waivers[{index}].id: expected an id no other waiver has, "
                              f"found {waiver['id']!r} again")
        ids.add(waiver["id"])
    audit = doc.get("audit", {})
    key = audit.get("signing_key")
    return Config(
        path=path,
        service=doc.get("service", ""),
        environment=doc.get("environment", ""),
        policies=tuple(p if isinstance(p, str) else p["path"] for p in doc.get("policies", ["builtin"])),
        rego_versions={p["path"]: p["rego_version"] for p in doc.get("policies", []) if isinstance(p, dict)
                       and "rego_version" in p},
        packages=tuple(doc.get("packages", [])),
        evaluation=dict(doc.get("evaluation", {})),
        data=with_ns_twins(data),
        sources=tuple(specs),
        enforcement=dict(doc.get("enforcement", {})),
        waivers=tuple(_waiver(w, f"{where}:waivers[{i}]") for i, w in enumerate(doc.get("waivers", []))),
        mode=doc.get("mode", "enforce"),
        engine=doc.get("engine", "regorus"),
        opa=dict(doc.get("opa", {})),
        audit_log=base / audit.get("log", DEFAULT_AUDIT_LOG),
        audit_store=audit.get("store"),
        sinks=tuple(audit.get("sinks", [])),
        spool_dir=base / audit.get("spool", ".relgate/spool"),
        audit_enabled=audit.get("enabled", True),
        signing_key=str(base / key) if key else None,
        witness=audit.get("witness"),
        serve=dict(doc.get("serve", {})),
    )


def _waiver(entry: dict[str, Any], at: str) -> Waiver:
    scope = entry.get("scope", {})
    expires_ns = date_time_ns(entry["expires"])
    if expires_ns is None:
        raise ConfigError(f"{at}.expires: expected an RFC 3339 date-time, found {describe(entry['expires'])}")
    return Waiver(
        id=entry["id"],
        policy=entry["policy"],
        match=entry["match"],
        expires=entry["expires"],
        expires_ns=expires_ns,
        approved_by=entry["approved_by"],
        reason=entry["reason"],
        ticket=entry.get("ticket", ""),
        service=scope.get("service"),
        environment=scope.get("environment"),
    )
