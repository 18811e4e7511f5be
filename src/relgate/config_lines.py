"""Where each setting of relgate.yaml was written, so a violation with no evidence file can point at the line
of the setting it violates (code scanning and annotations need a file and a line for every result).

The config is parsed a second time with yaml's node API, which keeps positions;
nothing here changes what the config means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from relgate.decision import Decision, Violation
from relgate.yamltext import StrictLoader


@dataclass(frozen=True)
class Span:
    """A region of the config file: 1-based lines and columns; `end_column` is the column after the last one."""

    line: int
    column: int
    end_line: int
    end_column: int


FILE_START = Span(1, 1, 1, 1)

# The setting each library rule holds the evidence to, most specific first; `{name}` is filled from details.
RULE_SETTINGS: Mapping[str, tuple[str, ...]] = {
    "vulnerabilities.max_exceeded": ("data.vulnerabilities.max.{severity}", "data.vulnerabilities.max"),
    "vulnerabilities.no_evidence": ("data.vulnerabilities",),
    "tests.pass_rate": ("data.tests.min_pass_rate",),
    "tests.nothing_ran": ("data.tests.min_executed", "data.tests"),
    "tests.min_executed": ("data.tests.min_executed",),
    "tests.max_skipped": ("data.tests.max_skipped_ratio",),
    "tests.skipped_ratio": ("data.tests.max_skipped_ratio",),
    "tests.required_suite_failed": ("data.tests.required_suites",),
    "tests.required_suite_missing": ("data.tests.required_suites",),
    "approvals.count": ("data.approvals.min",),
    "checks.required": ("data.checks.required",),
    "freeze.active": ("data.freeze_windows",),
    "freeze.malformed_window": ("data.freeze_windows[{index}]", "data.freeze_windows"),
    "slo.error_budget": ("data.slo.min_error_budget", "data.slo"),
    "slo.no_data": ("data.slo.allow_no_data", "data.slo"),
}
# A library package's section under `data:` (what makes it take part).
PACKAGE_SECTIONS: Mapping[str, str] = {"relgate.freeze": "data.freeze_windows"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def setting_spans(text: str) -> dict[str, Span]:
    """Every key and list item of a YAML document by its path (`data.tests.min_pass_rate`, `waivers[0]`)."""
    try:
        root = yaml.compose(text, Loader=StrictLoader)
    except yaml.YAMLError:
        return {}
    spans: dict[str, Span] = {}
    if root is not None:
        _walk(root, "", spans)
    return spans


def _inline(node: yaml.Node, line: int) -> bool:
    flow = isinstance(node, yaml.ScalarNode) or bool(getattr(node, "flow_style", False))
    return node.end_mark.line == line and flow


def _span(start: yaml.Node, value: yaml.Node) -> Span:
    """From the key (or list item) to the end of its value when written on the same line, else the key alone.

    A list item that is a block collection is placed at its first entry (`- id: WVR-1`).
    """
    first = start.start_mark
    if start is value and isinstance(value, yaml.CollectionNode) and value.value and not _inline(value, first.line):
        child = value.value[0]
        return _span(child[0], child[1]) if isinstance(child, tuple) else _span(child, child)
    last = value.end_mark if _inline(value, first.line) else start.end_mark
    if start is not value and last is start.end_mark:
        return Span(first.line + 1, first.column + 1, last.line + 1, last.column + 2)  # the key and its colon
    return Span(first.line + 1, first.column + 1, last.line + 1, last.column + 1)


def _walk(node: yaml.Node, prefix: str, spans: dict[str, Span]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            spans.setdefault(path, _span(key, value))
            _walk(value, path, spans)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}[{index}]"
            spans.setdefault(path, _span(item, item))
            _walk(item, path, spans)


def candidates(item: Violation) -> list[str]:
    """The settings a violation may be pinned to, most specific first."""
    found: list[str] = []
    for pattern in RULE_SETTINGS.get(item.id, ()):
        names = _PLACEHOLDER.findall(pattern)
        values = {name: item.details.get(name) for name in names}
        if all(isinstance(v, str | int) and not isinstance(v, bool) for v in values.values()):
            found.append(pattern.format(**{name: str(value) for name, value in values.items()}))
    package = item.policy
    section = PACKAGE_SECTIONS.get(package) or (f"data.{package.split('.', 1)[1]}" if package.startswith("relgate.")
                                                and "." in package else "")
    if section:
        found.append(section)
    found += [f"enforcement.{package}", "policies"]
    return found


def shown_path(path: Path, base: Path) -> str:
    """The config's path as code scanning wants it: relative to the workspace when inside it, with `/`."""
    try:
        full, root = path.resolve(), base.resolve()
    except (OSError, RuntimeError):
        return path.as_posix()
    return full.relative_to(root).as_posix() if full.is_relative_to(root) else full.as_posix()


def config_location(item: Violation, spans: Mapping[str, Span], shown: str) -> dict[str, Any]:
    """Where in the config a violation without evidence locations points: its setting, else the file's start."""
    setting = next((name for name in candidates(item) if name in spans), "")
    span = spans.get(setting, FILE_START)
    return {"path": shown, "line": span.line, "column": span.column, "end_line": span.end_line,
            "end_column": span.end_column, "setting": setting}


def place_in_config(decision: Decision, config_path: Path, base: Path) -> Decision:
    """Give every violation and warning that has no evidence location the location of its setting."""
    if all(v.locations for v in (*decision.violations, *decision.warnings)):
        return decision
    try:
        text = config_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    spans = setting_spans(text)
    shown = shown_path(config_path, base)

    def placed(items: tuple[Violation, ...]) -> tuple[Violation, ...]:
        return tuple(v if v.locations else replace(v, locations=(config_location(v, spans, shown),)) for v in items)

    return replace(decision, violations=placed(decision.violations), warnings=placed(decision.warnings))
