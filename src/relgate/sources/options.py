"""Every source type's options, declared once: name, type, required, default, description.

The config loader checks each `sources:` entry against these (an unknown or
mistyped option is an error naming the source and option, with a did-you-mean),
and README's Sources table lists exactly these options (a test compares them).
A source module reads only options declared here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from relgate.schema import SchemaViolation, Validator, describe, join

# JSON-schema-subset fragments for the option types sources use.
STRING: Mapping[str, Any] = {"type": "string", "minLength": 1}
STRINGS: Mapping[str, Any] = {"type": "array", "minItems": 1, "items": STRING}
BOOLEAN: Mapping[str, Any] = {"type": "boolean"}
DURATION: Mapping[str, Any] = {"type": ["string", "number"], "format": "duration"}
URL: Mapping[str, Any] = {"type": "string", "pattern": "^https?://[^\\s/]+"}


@dataclass(frozen=True)
class Option:
    """One option of a source entry."""

    name: str
    schema: Mapping[str, Any]
    description: str
    required: bool = False
    default: str | None = None  # as the README shows it; None: no default

    @property
    def type(self) -> str:
        return type_label(self.schema)


def type_label(schema: Mapping[str, Any]) -> str:
    """`list of strings`, `duration`, `integer`…: how docs and errors name an option's type."""
    if schema.get("format") == "duration":
        return "duration"
    if "x-type" in schema:
        return str(schema["x-type"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_label(schema.get('items', {}))}s"
    if kind == "object":
        return "mapping"
    return str(kind)


COMMON = (
    Option("type", {"type": "string"}, "The source type (this table's first column).", required=True),
    Option("name", STRING, "Names the source in the context, errors and the audit record.", default="the type"),
    Option("required", BOOLEAN, "A failure of a required source makes the run an error (exit 2).",
           default="true"),
    Option("timeout", DURATION, "Longest the source may take: 500ms, 10s, 2m (up to 24h).", default="30s"),
)

_PATH = Option("path", {**STRING, "x-hint": "for several files use `paths`"},
               "One file, relative to the config (for several files use `paths`).")
_PATHS = Option("paths", {**STRINGS, "x-hint": "a list, even for one pattern, or use `path`"},
                "Glob patterns, relative to the config; each must match a file.")
_ALLOW_FAILED = Option(
    "allow_failed_runs", BOOLEAN,
    "Accept reports whose tool says its run failed (otherwise an error).", default="false",
)
_FACTORS: Mapping[str, Any] = {"type": "array", "minItems": 2, "maxItems": 2,
                                "items": {"type": "number", "exclusiveMinimum": 0}, "x-type": "two numbers"}
SLO_FIELDS = (
    Option("name", STRING, "Names the SLO in the context, messages and `allow_no_data`.", required=True),
    Option("objective", {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
           "Target share of good events, between 0 and 1 (e.g. 0.999).", required=True),
    Option("window", {"type": "string", "pattern": "^[0-9]+[mhdw]$"}, "SLO window: 30d, 4w, 12h…",
           default="30d"),
    Option("good", STRING, "PromQL counter of good events (with `total`)."),
    Option("total", STRING, "PromQL counter of all events (with `good`)."),
    Option("error_ratio", STRING, "PromQL error ratio instead of good/total; `{{window}}` is replaced."),
    Option("min_events", {"type": "number", "minimum": 0}, "Fewest events for this SLO's data to count.",
           default="the source's min_events"),
    Option("page_factors", _FACTORS, "Burn-rate factors of the two page alerts.", default="14.4, 6 (30d)"),
    Option("ticket_factors", _FACTORS, "Burn-rate factors of the two ticket alerts.", default="3, 1 (30d)"),
)
_SLO: Mapping[str, Any] = {
    "type": "object",
    "x-type": "SLO",
    "x-what": "SLO field",
    "additionalProperties": False,
    "required": [o.name for o in SLO_FIELDS if o.required],
    "properties": {o.name: o.schema for o in SLO_FIELDS},
}

SOURCE_OPTIONS: Mapping[str, tuple[Option, ...]] = {
    "ci": (),
    "file": (
        _PATH, _PATHS,
        Option("key", STRING, "Place the documents under this context key (else merged at the top level)."),
    ),
    "github": (
        Option("repo", {"type": "string", "pattern": "^[^/\\s]+/[^/\\s]+$"}, "The repository, owner/name.",
               default="$GITHUB_REPOSITORY"),
        Option("token", STRING, "API token; sent only in the Authorization header.", default="$GITHUB_TOKEN"),
        Option("api_url", URL, "REST API root; GitHub Enterprise Server: https://HOST/api/v3.",
               default="$GITHUB_API_URL, else https://api.github.com"),
        Option("commit", STRING, "The gated commit SHA.", default="$GITHUB_SHA"),
        Option("pull_request", {"type": "integer", "minimum": 1}, "The pull request number.",
               default="from the Actions event payload"),
        Option("checks", BOOLEAN, "Fetch check runs and commit statuses.", default="true"),
        Option("deployments", BOOLEAN, "Fetch the environment's recent deployments.", default="true"),
        Option("environment", STRING, "Deployment environment to look up.", default="the gated environment"),
        Option("deployments_limit", {"type": "integer", "minimum": 1, "maximum": 100},
               "How many recent deployments to read.", default="5"),
    ),
    "grype": (_PATH, _PATHS),
    "junit": (_PATH, _PATHS),
    "prometheus": (
        Option("url", URL, "Prometheus base URL.", required=True),
        Option("slos", {"type": "array", "minItems": 1, "items": _SLO},
               "SLOs: name, objective, window, and good + total or error_ratio PromQL.", required=True),
        Option("headers", {"type": "object", "additionalProperties": {"type": "string"}},
               "HTTP headers sent with every query (e.g. Authorization)."),
        Option("min_events", {"type": "number", "minimum": 0},
               "Fewest events in the SLO window for data to count (per SLO too).", default="1"),
    ),
    "sarif": (_PATH, _PATHS, _ALLOW_FAILED),
    "trivy": (_PATH, _PATHS, _ALLOW_FAILED),
}

# Sources that read files take `path` or `paths`; exactly one of them.
_FILE_SOURCES = frozenset(kind for kind, options in SOURCE_OPTIONS.items() if _PATHS in options)


def entry_schema(kind: str) -> Mapping[str, Any]:
    """The schema one `sources:` entry of this type must match."""
    options = (*COMMON, *SOURCE_OPTIONS[kind])
    return {
        "type": "object",
        "x-what": f"{kind} source option",
        "additionalProperties": False,
        "required": [o.name for o in options if o.required],
        "properties": {o.name: o.schema for o in options},
    }


def check_entry(entry: Mapping[str, Any], at: str, validator: Validator) -> dict[str, Any]:
    """The entry with its values typed; SchemaViolation naming the option otherwise."""
    kind = entry.get("type")
    if not isinstance(kind, str) or kind not in SOURCE_OPTIONS:
        known = ", ".join(sorted(SOURCE_OPTIONS))
        if not isinstance(kind, str):
            raise SchemaViolation(join(at, "type"), f"expected one of {known}, found {describe(kind)}")
        from relgate.schema import suggest

        raise SchemaViolation(
            join(at, "type"), f"unknown source type {kind!r}{suggest(kind, sorted(SOURCE_OPTIONS))} (known: {known})"
        )
    checked: dict[str, Any] = validator.check(dict(entry), entry_schema(kind), at)
    if kind in _FILE_SOURCES:
        given = [name for name in ("path", "paths") if name in checked]
        if not given:
            raise SchemaViolation(join(at, "paths"), f"required field is missing (a {kind} source reads files: "
                                                     "give `paths`, a list of globs, or `path`)")
        if len(given) == 2:
            raise SchemaViolation(join(at, "path"), "give `path` or `paths`, not both")
    if kind == "prometheus":
        for index, slo in enumerate(checked["slos"]):
            counters = "good" in slo and "total" in slo
            where = join(join(at, "slos"), index)
            if counters == ("error_ratio" in slo) or (("good" in slo) != ("total" in slo)):
                raise SchemaViolation(where, "expected either `good` and `total`, or `error_ratio`")
    return checked


def reference() -> str:
    """docs/source-options.md: every source type's options as Markdown tables."""
    lines = [
        "# Source options",
        "",
        "Generated from `src/relgate/sources/options.py`",
        "(`python -c 'from relgate.sources.options import reference; print(reference(), end=\"\")'`);",
        "a test keeps this file and the README's Sources table in step with it. An option",
        "not listed here, or of another type, is a config error naming the source and option.",
        "",
        "Every source takes:",
        "",
        *_table(COMMON),
    ]
    for kind, options in SOURCE_OPTIONS.items():
        lines += ["", f"## `{kind}`", ""]
        if kind in _FILE_SOURCES:
            lines += ["Give `path` or `paths` (exactly one).", ""]
        lines += _table(options) if options else ["No options of its own."]
        if kind == "prometheus":
            lines += ["", "Each entry of `slos` (give `good` and `total`, or `error_ratio`):", "", *_table(SLO_FIELDS)]
    return "\n".join(lines) + "\n"


def _table(options: tuple[Option, ...]) -> list[str]:
    rows = ["| option | type | required | default | description |", "| --- | --- | --- | --- | --- |"]
    for o in options:
        rows.append(f"| `{o.name}` | {o.type} | {'yes' if o.required else 'no'} | {o.default or '—'} | "
                    f"{o.description} |")
    return rows
