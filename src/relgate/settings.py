"""The `data:` block: each section checked against the schema of the policy that reads it.

The library ships `<section>.schema.json` beside its .rego files; a user's policy
directory may do the same, or declare an inline schema for `data.config.<section>`
in an OPA METADATA `schemas` annotation. A section that no schema describes and no
loaded policy mentions is refused (with a did-you-mean): a misspelt section name
would otherwise switch a rule off without a word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from relgate.errors import ConfigError
from relgate.schema import SchemaViolation, Validator, check_schema, date_time_ns, join, suggest
from relgate.yamltext import CONFIG_LIMITS, load_yaml

BUILTIN = "builtin"
_SCHEMA_SUFFIX = ".schema.json"
_METADATA = re.compile(r"^[ \t]*#[ \t]*METADATA[ \t]*\n((?:[ \t]*#.*\n?)*)", re.MULTILINE)
_SECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MAX_POLICY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class SectionSchema:
    """The schema of one `data:` section and the file it came from."""

    section: str
    schema: Mapping[str, Any]
    origin: str


@lru_cache(maxsize=1)
def library_schemas() -> Mapping[str, SectionSchema]:
    """The bundled library's section schemas, by section name."""
    root = Path(__file__).parent / "policies"  # a plain path: importlib.resources costs start-up time
    found: dict[str, SectionSchema] = {}
    for entry in root.iterdir():
        if entry.name.endswith(_SCHEMA_SUFFIX):
            section = entry.name[: -len(_SCHEMA_SUFFIX)]
            found[section] = SectionSchema(section, json.loads(entry.read_text()), f"builtin/{entry.name}")
    return found


@dataclass(frozen=True)
class PolicyScan:
    """What the config loader needs to know about the user's policy files."""

    schemas: Mapping[str, SectionSchema]
    texts: tuple[str, ...]
    complete: bool = True  # False: a location is missing or unreadable; the policy loader will say so


def scan_policies(locations: Iterable[str], base_dir: Path) -> PolicyScan:
    """Section schemas and policy texts from the user's policy locations (unreadable ones are skipped:
    the policy loader reports those)."""
    schemas: dict[str, SectionSchema] = {}
    texts: list[str] = []
    builtin = False
    complete = True
    for location in locations:
        if location == BUILTIN:
            builtin = True
            continue
        path = base_dir / location
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        complete = complete and any(f.suffix == ".rego" and f.is_file() for f in files)
        for file in files:
            if file.name.endswith(_SCHEMA_SUFFIX) and file.is_file():
                _add(schemas, _schema_file(file, location, path))
            elif file.suffix == ".rego" and not file.name.endswith("_test.rego") and file.is_file():
                text = _read(file)
                complete = complete and text is not None
                if text is not None:
                    texts.append(text)
                    for found in _metadata_schemas(text, _shown(file, location, path)):
                        _add(schemas, found)
    if builtin:
        for section, own in schemas.items():
            if section in library_schemas():
                raise ConfigError(f"{own.origin}: a schema for the library's section {section!r}; "
                                  "the library's own schema applies (rename the section)")
        schemas = {**library_schemas(), **schemas}
    return PolicyScan(schemas, tuple(texts), complete)


def _shown(file: Path, location: str, root: Path) -> str:
    return str(Path(location) / file.relative_to(root)) if file != root else location


def _add(schemas: dict[str, SectionSchema], found: SectionSchema) -> None:
    earlier = schemas.get(found.section)
    if earlier is not None:
        raise ConfigError(f"{found.origin}: a second schema for data section {found.section!r} "
                          f"(the first is {earlier.origin})")
    schemas[found.section] = found


def _read(file: Path) -> str | None:
    try:
        if file.stat().st_size > _MAX_POLICY_BYTES:
            return None
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _schema_file(file: Path, location: str, root: Path) -> SectionSchema:
    shown = _shown(file, location, root)
    section = file.name[: -len(_SCHEMA_SUFFIX)]
    if not _SECTION_NAME.match(section):
        raise ConfigError(f"{shown}: expected a file named <section>.schema.json with a plain section name")
    try:
        schema = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot read schema: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    return _checked(SectionSchema(section, schema, shown))


def _checked(found: SectionSchema) -> SectionSchema:
    try:
        check_schema(found.schema)
    except SchemaViolation as exc:
        raise ConfigError(f"{found.origin}:{exc.at or '(top level)'}: {exc.problem}") from None
    return found


def _metadata_schemas(text: str, shown: str) -> list[SectionSchema]:
    """Inline schemas in OPA METADATA: `schemas: [{data.config.<section>: {…schema…}}]`."""
    found: list[SectionSchema] = []
    for block in _METADATA.finditer(text):
        line = text[: block.start()].count("\n") + 1
        body = "\n".join(re.sub(r"^[ \t]*# ?", "", row) for row in block.group(1).splitlines())
        try:
            annotation = load_yaml(body, CONFIG_LIMITS)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{shown}:{line}: METADATA is not valid YAML: {getattr(exc, 'problem', exc)}") from None
        entries = annotation.get("schemas") if isinstance(annotation, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            for ref, schema in (entry.items() if isinstance(entry, dict) else ()):
                if not isinstance(ref, str) or not ref.startswith("data.config."):
                    continue  # input and other data schemas are the engine's business
                section = ref[len("data.config."):]
                if not _SECTION_NAME.match(section):
                    raise ConfigError(f"{shown}:{line}: METADATA schema for {ref}: relgate applies schemas "
                                      "to whole sections only (data.config.<section>)")
                if not isinstance(schema, dict):
                    raise ConfigError(f"{shown}:{line}: METADATA schema for {ref}: expected an inline schema "
                                      f"(a mapping), found a reference; inline it or ship {section}.schema.json")
                found.append(_checked(SectionSchema(section, schema, f"{shown}:{line}")))
    return found


def check_data(data: Mapping[str, Any], scan: PolicyScan, validator: Validator, where: str) -> dict[str, Any]:
    """The `data:` block with every described section checked and typed."""
    out: dict[str, Any] = {}
    for section, value in data.items():
        at = join("data", section)
        described = scan.schemas.get(section)
        if described is not None:
            try:
                out[section] = validator.check(value, described.schema, at)
            except SchemaViolation as exc:
                raise ConfigError(f"{where}:{exc.at}: {exc.problem}") from None
        elif not scan.complete or _mentioned(section, scan.texts):
            out[section] = value
        else:
            known = sorted(scan.schemas)
            raise ConfigError(f"{where}:{at}: unknown data section {section!r}{suggest(section, known)}: "
                              f"no loaded policy mentions it (sections with a schema: {', '.join(known) or 'none'})")
    if scan.schemas.get("freeze_windows") is library_schemas().get("freeze_windows"):
        _check_freeze_windows(out.get("freeze_windows"), where)
    return out


_WHOLE_CONFIG = re.compile(r"\bdata\.config\b(?!\s*[.\[])")


def _mentioned(section: str, texts: tuple[str, ...]) -> bool:
    """A policy names the section, or takes `data.config` whole (and may read any section)."""
    word = re.compile(rf"(?<![\w]){re.escape(section)}(?![\w])")
    return any(word.search(text) or _WHOLE_CONFIG.search(text) for text in texts)


def _check_freeze_windows(windows: Any, where: str) -> None:
    """A window that ends before it starts would never be in force: refuse it rather than ignore it."""
    if not isinstance(windows, list):
        return
    for index, window in enumerate(windows):
        if not isinstance(window, dict):
            continue
        start, end = window.get("start"), window.get("end")
        start_ns = date_time_ns(start) if isinstance(start, str) else None
        end_ns = date_time_ns(end) if isinstance(end, str) else None
        if start_ns is not None and end_ns is not None and start_ns >= end_ns:
            raise ConfigError(f"{where}:data.freeze_windows[{index}].end: expected a time after start "
                              f"({start}), found {end}")


def reference() -> str:
    """The Settings tables of docs/policies.md, generated from the library's section schemas."""
    lines: list[str] = []
    for section in ("vulnerabilities", "tests", "approvals", "checks", "freeze_windows", "slo"):
        schema = library_schemas()[section].schema
        title = schema.get("title", "")
        lines += [f"### `{section}`", "", f"`src/relgate/policies/{section}.schema.json`: {title}.", ""]
        fields = schema["items"] if schema.get("type") == "array" else schema
        if schema.get("type") == "array":
            lines += ["A list; each entry:", ""]
        lines += ["| setting | type | allowed | default | meaning |", "| --- | --- | --- | --- | --- |"]
        required = set(fields.get("required", ()))
        for name, field in fields["properties"].items():
            default = "required" if name in required else (
                json.dumps(field["default"]) if "default" in field else "—")
            meaning = field.get("description", "")
            lines.append(f"| `{name}` | {_type(field)} | {_allowed(field)} | {default} | {meaning} |")
        lines.append("")
    return "\n".join(lines)


def _type(field: Mapping[str, Any]) -> str:
    kind = field.get("type")
    if kind == "array":
        items = field.get("items", {})
        return f"list of {_type(items)}s" if "type" in items else "list of names"
    if kind == "object":
        return "mapping"
    return str(kind or "text")


def _allowed(field: Mapping[str, Any]) -> str:
    if "enum" in field:
        return ", ".join(f"`{v}`" for v in field["enum"])
    if field.get("type") == "array":
        inner = _allowed(field.get("items", {}))
        return inner if inner != "—" else ("unique" if field.get("uniqueItems") else "—")
    if field.get("type") == "object" and "properties" in field:
        inner = field["properties"]
        first = next(iter(inner.values()))
        each = "each a mapping like `max`" if first.get("type") == "object" else _allowed(first)
        return "keys " + ", ".join(f"`{k}`" for k in inner) + "; " + each
    bounds = []
    for keyword, sign in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<")):
        if keyword in field:
            bounds.append(f"{sign} {field[keyword]}")
    if field.get("format") == "date-time":
        bounds.append("RFC 3339 date-time")
    if field.get("minLength"):
        bounds.append("non-empty")
    return ", ".join(bounds) or "—"
