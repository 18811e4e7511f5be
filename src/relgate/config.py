"""relgate.yaml: read, expand `${VAR}`, validate against the shipped schema, resolve paths."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from relgate.errors import ConfigError
from relgate.sources.interface import SourceSpec
from relgate.timeutil import parse_ns, with_ns_twins
from relgate.yamltext import load_yaml

DEFAULT_AUDIT_LOG = ".relgate/audit.jsonl"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


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
        text = config_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read config: {exc.strerror or exc}") from None
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise ConfigError(f"{where}{line}: invalid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping at the top level, got {_kind(raw)}")
    expanded = _expand(raw, env, where, "")
    _validate(expanded, where)
    return _build(expanded, config_path.resolve(), where)


def _expand(value: Any, env: Mapping[str, str], where: str, at: str) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v, env, where, f"{at}.{k}" if at else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, env, where, f"{at}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(f"{where}: {at}: environment variable {name} is not set")

        return _VAR.sub(substitute, value)
    return value


def _validate(document: dict[str, Any], where: str) -> None:
    schema = json.loads(resources.files("relgate").joinpath("schemas/config.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        field_path = _field_path(error.absolute_path) or "(top level)"
        raise ConfigError(f"{where}: {field_path}: {_explain(error)}")


def _field_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _explain(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum":
        choices: Any = error.validator_value
        allowed = ", ".join(str(v) for v in choices)
        return f"expected one of {allowed}, got {error.instance!r}"
    if error.validator == "const":
        return f"expected {error.validator_value!r}, got {error.instance!r}"
    if error.validator == "additionalProperties":
        return str(error.message).replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "type":
        return f"expected {error.validator_value}, got {_kind(error.instance)}"
    if error.validator == "format":
        return f"expected an RFC 3339 {error.validator_value}, got {error.instance!r}"
    return str(error.message)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def parse_duration(value: Any, where: str) -> float:
    """Turn `10s`, `2m`, `500ms` or a number of seconds into seconds."""
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ConfigError(f"{where}: expected a duration like 10s, 2m or 500ms, got {value!r}")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _build(doc: dict[str, Any], path: Path, where: str) -> Config:
    from relgate.sources import SOURCE_TYPES

    base = path.parent
    specs: list[SourceSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(doc.get("sources", [])):
        at = f"{where}: sources[{index}]"
        kind = entry["type"]
        if kind not in SOURCE_TYPES:
            known = ", ".join(sorted(SOURCE_TYPES))
            raise ConfigError(f"{at}.type: unknown source type {kind!r} (known: {known})")
        name = entry.get("name", kind)
        if name in seen:
            raise ConfigError(f"{at}.name: duplicate source name {name!r}; give each a `name`")
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
        data=with_ns_twins(doc.get("data", {})),
        sources=tuple(specs),
        enforcement=dict(doc.get("enforcement", {})),
        waivers=tuple(_waiver(w, f"{where}: waivers[{i}]") for i, w in enumerate(doc.get("waivers", []))),
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
    )


def _waiver(entry: dict[str, Any], at: str) -> Waiver:
    scope = entry.get("scope", {})
    try:
        expires_ns = parse_ns(entry["expires"])
    except ValueError:
        raise ConfigError(f"{at}.expires: expected an RFC 3339 date-time, got {entry['expires']!r}") from None
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
