"""Findings from SARIF 2.1.0 logs, whichever tool wrote them (CodeQL, Trivy, Semgrep, Grype…).

The reader is strict: every part of the log it uses must have the shape SARIF gives it
(exact enumeration values included), and a log whose tool says it did not complete
(`executionSuccessful: false`, an error notification, a run without results) is an
error unless the source sets `allow_failed_runs: true`. A half-read log must never
look like a clean scan.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from relgate.errors import SourceError
from relgate.sources.evidence import load_json
from relgate.sources.findings import FindingsSource, ScanReport, refuse_other_format
from relgate.sources.sarif_rules import (
    LEVELS,
    Rule,
    RuleTable,
    category,
    finding_id,
    kics_secret_taxa,
    read_rules,
    security_severity,
    severity,
)
from relgate.sources.shape import Node, quoted

_KINDS = ("notApplicable", "pass", "fail", "review", "open", "informational")
_BASELINE = ("new", "unchanged", "updated", "absent")
_SUPPRESSION_KINDS = ("inSource", "external")
_SUPPRESSION_STATUS = ("accepted", "underReview", "rejected")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d+)\}")
_MESSAGE_LIMIT = 1000


def parse_sarif(path: Path, allow_failed_runs: bool = False) -> list[dict[str, Any]]:
    """Findings in one SARIF file; suppressed, fixed and non-failing results are left out."""
    return list(read_sarif(path, allow_failed_runs).findings)


def read_sarif(path: Path, allow_failed_runs: bool = False) -> ScanReport:
    """Read one SARIF file; a malformed log, or one whose tool reports a failure, raises SourceError."""
    log = Node(load_json(path), path)
    if not log.is_object():
        log.expected("a SARIF log (a JSON object)")
    refuse_other_format(log, "a SARIF log", "a SARIF")
    version = log.need("version")
    if version.value != "2.1.0":
        version.expected('SARIF version "2.1.0"')
    runs = log.need("runs")
    failures: list[str] = []
    if runs.value is None:
        failures.append(f"{runs.where}: null: the tool did not run (SARIF §3.13.4)")
    tools: list[str] = []
    findings: list[dict[str, Any]] = []
    for run in runs.as_array() if runs.value is not None else []:
        run.as_object()
        table = read_rules(run.obj("tool", required=True) or run)
        tools.append(table.driver_name)
        failures.extend(_run_failures(run))
        results = run.child("results")
        if results is None:
            failures.append(f"{run.where}: no \"results\": the tool did not run its analysis (SARIF §3.14.23)")
            continue
        secret_taxa = kics_secret_taxa(run)
        for result in results.as_array():
            finding = _finding(result.as_object(), run, table, secret_taxa)
            if finding is not None:
                findings.append(finding)
    if failures and not allow_failed_runs:
        raise SourceError(f"{failures[0]} (set allow_failed_runs: true on the source to accept a failed run)")
    return ScanReport(tuple(dict.fromkeys(tools)), tuple(findings), tuple(failures))


def _run_failures(run: Node) -> list[str]:
    """What the tool itself says went wrong: a failed invocation or an error-level notification."""
    failures: list[str] = []
    for invocation in run.objects("invocations"):
        if invocation.boolean("executionSuccessful", required=True) is False:
            failures.append(f"{invocation.where}.executionSuccessful: false: the tool reported a failed run")
        for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
            for notification in invocation.objects(key):
                level = notification.enum("level", LEVELS) or "warning"
                message = notification.obj("message", required=True)
                text = message.string("text") if message is not None else None
                if level == "error":
                    failures.append(f"{notification.where}: the tool reported an error: {quoted(text or '')}")
    return failures


def _counts(result: Node) -> bool:
    """Whether a result is a live failure: not a pass, not suppressed, not fixed since the baseline."""
    kind = result.enum("kind", _KINDS) or "fail"
    baseline = result.enum("baselineState", _BASELINE)
    accepted = False
    for suppression in result.objects("suppressions"):
        suppression.enum("kind", _SUPPRESSION_KINDS, required=True)
        status = suppression.enum("status", _SUPPRESSION_STATUS) or "accepted"
        accepted = accepted or status == "accepted"
    return kind == "fail" and baseline != "absent" and not accepted


def _rule_reference(result: Node, table: RuleTable) -> tuple[str | None, Rule | None]:
    """The result's rule id (§3.27.5: `ruleId` is authoritative) and the rule object it names.

    The index disambiguates repeated ids (CodeQL repeats one id across query packs), but
    an index that points at a rule with another id is a producer bug: the id wins, so a
    finding is never renamed to (and waived as) someone else's advisory.
    """
    reference = result.obj("rule")
    rule_id = result.string("ruleId")
    index = result.integer("ruleIndex", minimum=-1)
    rules = table.driver
    if reference is not None:
        ref_id = reference.string("id")
        reference.string("guid")
        if rule_id is not None and ref_id is not None and ref_id != rule_id:
            reference.need("id").expected(f"the same id as ruleId {quoted(rule_id)}")
        rule_id = rule_id if rule_id is not None else ref_id
        ref_index = reference.integer("index", minimum=-1)
        if index is not None and ref_index is not None and index != ref_index:
            reference.need("index").expected(f"the same index as ruleIndex ({index})")
        index = index if index is not None else ref_index
        rules = _component_rules(reference, table)
    candidate = None
    if index is not None and index >= 0:
        if index >= len(rules):
            where = result.child("ruleIndex") or (reference.child("index") if reference else None) or result
            where.expected(f"an index into the tool's {len(rules)} rules")
        candidate = rules[index]
    if candidate is not None and (rule_id is None or _same_rule(rule_id, candidate.id)):
        return rule_id or candidate.id, candidate
    if rule_id is None:
        return None, None
    for searched in (rules, table.driver, *table.extensions):
        for rule in searched:
            if rule.id == rule_id:
                return rule_id, rule
    return rule_id, None


def _same_rule(rule_id: str, descriptor_id: str) -> bool:
    """A hierarchical ruleId (`CA2101/1`) names a sub-rule of the descriptor `CA2101`."""
    return rule_id == descriptor_id or rule_id.startswith(descriptor_id + "/")


def _component_rules(reference: Node, table: RuleTable) -> list[Rule]:
    """A toolComponentReference points into `tool.extensions` by index, or names a component by name."""
    component = reference.obj("toolComponent")
    if component is None:
        return table.driver
    index = component.integer("index", minimum=-1)
    name = component.string("name")
    component.string("guid")
    if index is not None and index >= 0:
        if index >= len(table.extensions):
            component.need("index").expected(f"an index into the tool's {len(table.extensions)} extensions")
        return table.extensions[index]
    if name is not None and name != table.driver_name and name in table.extension_names:
        return table.extensions[table.extension_names.index(name)]
    return table.driver


def _message(result: Node, rule: Rule | None) -> str:
    message = result.obj("message", required=True)
    assert message is not None
    text = message.string("text")
    if text is None:
        message_id = message.string("id")
        arguments = message.strings("arguments")
        strings = rule.node.obj("messageStrings") if rule is not None else None
        template = strings.obj(message_id) if strings is not None and message_id is not None else None
        if template is not None:
            text = _fill(template.string("text") or "", arguments)
        elif rule is not None:
            for key in ("shortDescription", "fullDescription"):
                description = rule.node.obj(key)
                text = description.string("text") if description is not None else None
                if text:
                    break
    return (text or "")[:_MESSAGE_LIMIT]


def _fill(template: str, arguments: list[str]) -> str:
    """SARIF message strings: {0}-style placeholders, with {{ and }} for literal braces."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        index = int(match.group(1))
        return arguments[index] if index < len(arguments) else match.group(0)

    return _PLACEHOLDER.sub(replace, template)


def _location(result: Node, run: Node) -> dict[str, Any]:
    for location in result.objects("locations"):
        physical = location.obj("physicalLocation")
        if physical is None:
            continue
        artifact = physical.obj("artifactLocation")
        uri = artifact.string("uri") if artifact is not None else None
        index = artifact.integer("index", minimum=-1) if artifact is not None else None
        if uri is None and artifact is not None and index is not None and index >= 0:
            artifacts = run.objects("artifacts")
            if index >= len(artifacts):
                artifact.need("index").expected(f"an index into the run's {len(artifacts)} artifacts")
            where = artifacts[index].obj("location")
            uri = where.string("uri") if where is not None else None
        region = physical.obj("region")
        line = region.integer("startLine", minimum=1) if region is not None else None
        out: dict[str, Any] = {}
        if uri:
            out["path"] = uri
        if line is not None:
            out["line"] = line
        return out
    return {}


def _finding(result: Node, run: Node, table: RuleTable, secret_taxa: frozenset[str]) -> dict[str, Any] | None:
    rule_id, rule = _rule_reference(result, table)
    level = result.enum("level", LEVELS)
    properties = result.obj("properties")
    score = security_severity(properties) if properties is not None else None
    message = _message(result, rule)
    location = _location(result, run)
    if not _counts(result):
        return None
    kind = category(table, rule, rule_id, secret_taxa)
    if kind is None:
        return None
    finding: dict[str, Any] = {
        "id": finding_id(rule_id, rule, message),
        "severity": severity(score, level, rule),
        "category": kind,
        "tool": table.driver_name or "unknown",
    }
    if rule_id:
        finding["rule"] = rule_id
    finding["message"] = message
    if location:
        finding["location"] = location
    return finding


class SarifSource(FindingsSource):
    """`type: sarif` — every SARIF log the `paths` globs match, as findings."""

    type_name = "sarif"
    accepts_failed_runs = True

    def read(self, path: Path, allow_failed_runs: bool) -> ScanReport:
        return read_sarif(path, allow_failed_runs)
